"""Parallel runs with pytest-xdist: workers sharing one simulator never wipe or fault each other's accounts, and
the coverage report adds up what every worker saw."""

from __future__ import annotations

import pytest

#: Starts processes, a browser or a long generated search: left out of the fast loop.
pytestmark = pytest.mark.slow

pytest.importorskip("xdist", reason="needs pytest-xdist (the parallel-run check)")

PARALLEL_TESTS = """
    import time
    import pytest

    FLAVORS_DOWN = {"name": "flavors_down", "rules": [{"match": {"route": "list_flavors"},
                                                      "actions": [{"respond": 503}]}]}

    @pytest.mark.parametrize("n", range(8))
    def test_faulted_or_not(cdbsim, n):
        if n % 2:
            cdbsim.load_scenario(FLAVORS_DOWN)
        for _ in range(5):
            answer = cdbsim.call("POST", "instances", {"instance": {"name": f"i{n}", "flavorRef": 1,
                                                                    "volume": {"size": 1}}})
            assert answer.status == 200, answer.body
            assert cdbsim.call("GET", "flavors").status == (503 if n % 2 else 200)
            time.sleep(0.01)  # let the other worker's tests interleave
        names = {i["name"] for i in cdbsim.call("GET", "instances").body["instances"]}
        assert names == {f"i{n}"}
        assert len(cdbsim.journal) == 11
"""


def test_xdist_workers_sharing_one_server_stay_isolated(inner):
    from simulator import SimulatorConfig
    from simulator.keys import BACKEND
    from simulator.testing import SimulatorServer

    with SimulatorServer(SimulatorConfig()) as server:
        result = inner(PARALLEL_TESTS, "-n", "2", f"--cdbsim-url={server.url}", "--cdbsim-coverage")
        left = server.run(lambda app: app[BACKEND].identity.accounts())
    result.assert_outcomes(passed=8)
    assert left == []
    result.stdout.fnmatch_lines(
        [
            "8 tests used cdbsim",
            "  exercised: list_instances (8), create_instance (40), list_flavors (40)",
            "  seen: list_flavors 503 serviceUnavailable (20)",
        ]
    )


def test_xdist_workers_with_their_own_servers(inner):
    result = inner(PARALLEL_TESTS, "-n", "2")
    result.assert_outcomes(passed=8)
