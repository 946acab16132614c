"""cdbsim.journal.count(...) and cdbsim.journal.verify(...): request verification in a test, with the near misses
in the failure message, in-process and over HTTP (--cdbsim-url)."""

from __future__ import annotations

SOURCE = """
    import pytest

    def test_count_and_verify(cdbsim):
        cdbsim.call("GET", "instances/no-such-id")
        cdbsim.call("GET", "flavors")
        assert cdbsim.journal.count(method="GET") == 2
        assert cdbsim.journal.count(status="4xx", path="/v1.0/*/instances/*") == 1
        assert cdbsim.journal.count(route=["list_flavors", "show_instance"], faulted=False) == 2
        cdbsim.journal.verify(route="show_instance", status=404)
        with pytest.raises(AssertionError) as failed:
            cdbsim.journal.verify(method="DELETE", route="show_instance")
        assert str(failed.value).startswith("0 request(s) matched {'method': 'DELETE', 'route': 'show_instance'}, "
                                            "not 1; the closest:")
        assert "GET /v1.0/" in str(failed.value) and "method was 'GET', not ['DELETE']" in str(failed.value)

    def test_an_unknown_route_is_named(cdbsim):
        from simulator.testing import CdbsimError
        with pytest.raises(CdbsimError, match=r"Unknown route name\\(s\\): no_such_route"):
            cdbsim.journal.count(route="no_such_route")
"""


def test_count_and_verify_in_process(inner):
    inner(SOURCE).assert_outcomes(passed=2)


def test_count_and_verify_over_http(inner):
    from simulator import SimulatorConfig
    from simulator.testing import SimulatorServer

    with SimulatorServer(SimulatorConfig(seed=3)) as server:
        inner(SOURCE, f"--cdbsim-url={server.url}").assert_outcomes(passed=2)
