"""cdbsim.wait_for / cdbsim.wait_gone (moving the manual clock; a timeout names the last status), realistic durations
in one option (--cdbsim-time-scale 1), and no pytest-asyncio loop-scope warning in a project that never set it."""

from __future__ import annotations

import json
import textwrap

import pytest

# Imported here, outside the inner runs: pytester forgets the modules an inner run imported, and a client imported
# afresh in a later run would not recognise the session classes of the first (keystoneauth1 then warns).
pytest.importorskip("troveclient.v1.client")
pytest.importorskip("keystoneauth1.token_endpoint")

FLOW = """
    import json
    from pathlib import Path

    import pytest
    from simulator.testing.waiting import WaitTimeout

    def test_create_wait_backup_restore_delete(cdbsim):
        trove = cdbsim.trove_client()
        source = trove.instances.create("orders-db", flavor_id="1", volume={"size": 2},
                                        databases=[{"name": "orders"}])
        start = cdbsim.clock.now()
        assert cdbsim.wait_for(trove.instances.get, source.id, "ACTIVE").status == "ACTIVE"
        backup = trove.backups.create("nightly", source.id)
        cdbsim.wait_for(trove.backups.get, backup.id, "COMPLETED")
        restored = trove.instances.create("restored", flavor_id="1", volume={"size": 2},
                                          restorePoint={"backupRef": backup.id})
        cdbsim.wait_for(trove.instances.get, restored.id, "ACTIVE")
        trove.instances.delete(restored)
        cdbsim.wait_gone(trove.instances.get, restored.id)
        statuses = [e["response"]["body"]["instance"]["status"]
                    for e in cdbsim.journal.entries(route="show_instance") if e["status"] == 200]
        statuses += [e["response"]["body"]["backup"]["status"] for e in cdbsim.journal.entries(route="show_backup")]
        waited = (cdbsim.clock.now() - start).total_seconds()
        Path(__file__).with_name("seen.json").write_text(json.dumps({"statuses": statuses, "waited": waited}))

    def test_a_timeout_names_the_last_status(cdbsim):
        answer = cdbsim.call("POST", "instances", {"instance": {"name": "a", "flavorRef": 1, "volume": {"size": 1}}})
        instance_id = answer.body["instance"]["id"]
        get = lambda i: cdbsim.call("GET", f"instances/{i}")
        with pytest.raises(WaitTimeout, match=rf"^{instance_id} is still ACTIVE after 20 s of the simulator's clock, "
                                              r"not RESIZE \\(statuses seen: .*ACTIVE\\)$"):
            cdbsim.wait_for(get, instance_id, "RESIZE", timeout=20)
        with pytest.raises(WaitTimeout, match=rf"^{instance_id} is still there \\(ACTIVE\\) after 10 s"):
            cdbsim.wait_gone(get, instance_id, timeout=10)

    def test_an_error_ends_the_wait_at_once(cdbsim):
        cdbsim.load_scenario({"name": "broken", "rules": [{"name": "builds-fail",
            "match": {"route": "create_instance"}, "actions": ["model_fault"]}]})
        answer = cdbsim.call("POST", "instances", {"instance": {"name": "a", "flavorRef": 1, "volume": {"size": 1}}})
        instance_id = answer.body["instance"]["id"]
        with pytest.raises(WaitTimeout, match=r"is ERROR, so it will not become ACTIVE"):
            cdbsim.wait_for(lambda i: cdbsim.call("GET", f"instances/{i}"), instance_id)
"""


def statuses_seen(pytester: pytest.Pytester) -> tuple[list[str], float]:
    """What the flow's first test saw: the instance statuses its GETs answered, and how far the clock moved."""
    seen = json.loads((pytester.path / "seen.json").read_text())
    return seen["statuses"], seen["waited"]


def test_wait_for_and_wait_gone_with_the_default_durations(inner, pytester):
    inner(FLOW).assert_outcomes(passed=3)
    statuses, waited = statuses_seen(pytester)
    assert "BUILD" not in statuses and waited == 0  # 0 s durations: every step at once, the clock never moves


def test_realistic_durations_in_one_option_show_build_backup_and_shutdown(inner, pytester):
    inner(FLOW, "--cdbsim-time-scale=1").assert_outcomes(passed=3)
    statuses, waited = statuses_seen(pytester)
    assert statuses[0] == "BUILD" and "SHUTDOWN" in statuses and {"NEW", "BUILDING"} & set(statuses)
    assert waited >= 5 + 4 + 5  # a build, a backup, a restore's build (in steps of 5 s)


def test_time_scale_with_a_running_simulator_is_a_usage_error(inner):
    result = inner("def test_x(cdbsim): pass", "--cdbsim-time-scale=1", "--cdbsim-url=http://127.0.0.1:9")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--cdbsim-time-scale sets the durations of the simulator the session starts*"])


def test_no_loop_scope_warning_in_a_project_that_never_set_it(pytester: pytest.Pytester):
    pytester.makepyfile(
        test_plain=textwrap.dedent("""
        import pytest

        @pytest.mark.asyncio
        async def test_async_client(cdbsim_client):
            answer = await cdbsim_client.request("GET", "instances")
            assert answer.status == 200
    """)
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-W", "error::pytest.PytestDeprecationWarning")
    result.assert_outcomes(passed=1)
    assert "is unset" not in result.stdout.str() + result.stderr.str()
