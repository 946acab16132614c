"""cdbsim.save_state(path) and cdbsim.load_state(path): a state file beside the tests loads into the test's own
account (which keeps its credentials), in-process and over HTTP (--cdbsim-url)."""

from __future__ import annotations

import pytest

# Imported here, outside the inner runs: pytester forgets the modules an inner run imported, and a client imported
# afresh in a later run would not recognise the session classes of the first (keystoneauth1 then warns).
pytest.importorskip("troveclient.v1.client")
pytest.importorskip("keystoneauth1.token_endpoint")

SOURCE = """
    import json
    from pathlib import Path

    def test_save(cdbsim):
        answer = cdbsim.call("POST", "instances", {"instance": {"name": "orders-db", "flavorRef": 1,
            "volume": {"size": 1}, "databases": [{"name": "orders"}],
            "users": [{"name": "app", "password": "app-secret"}]}})
        assert answer.status == 200, answer.body
        cdbsim.clock.advance(60)
        path = cdbsim.save_state(Path(__file__).parent / "states" / "orders.json")
        assert "app-secret" not in path.read_text()
        cdbsim.call("DELETE", f"/_sim/accounts/{cdbsim.account_id}")  # its ids are free again

    def test_load(cdbsim):
        loaded = cdbsim.load_state("states/orders.json")  # relative to this file
        assert loaded["tables"]["instances"] == 1 and loaded["account_id"] == cdbsim.account_id
        trove = cdbsim.trove_client()  # the test's own token still works
        [instance] = trove.instances.list()
        assert (instance.name, instance.status) == ("orders-db", "ACTIVE")
        assert cdbsim.check_login(instance.id, "app", "app-secret")

    def test_a_damaged_file_is_refused_by_name(cdbsim):
        path = Path(__file__).parent / "states" / "damaged.json"
        path.write_text('{"format": "cdbsim-state", "version": 9, "tables": {}}')
        import pytest
        from simulator.testing import CdbsimError
        with pytest.raises(CdbsimError, match="version 9"):
            cdbsim.load_state(path)
        assert cdbsim.call("GET", "instances").body == {"instances": []}
"""


def test_save_state_then_load_state_in_another_test(inner):
    inner(SOURCE).assert_outcomes(passed=3)


def test_load_state_over_http_on_a_shared_server(inner):
    from simulator import SimulatorConfig
    from simulator.testing import SimulatorServer

    with SimulatorServer(SimulatorConfig(seed=3)) as server:
        inner(SOURCE, f"--cdbsim-url={server.url}").assert_outcomes(passed=3)
