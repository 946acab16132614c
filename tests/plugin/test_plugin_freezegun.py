"""The freezegun link through pytester: the simulator's clock follows a frozen or moved datetime, while the
server's own event loop keeps real time (its timers and fault delays still run)."""

from __future__ import annotations


def test_freezegun_decorated_test_gets_a_real_clock_that_follows_it(inner):
    result = inner("""
        import datetime as dt
        from freezegun import freeze_time

        @freeze_time("2030-01-02 03:04:05")
        def test_decorated(cdbsim):
            assert cdbsim.clock.mode == "real"
            assert cdbsim.clock.now() == dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
            body = cdbsim.call("POST", "instances", {"instance": {"name": "a", "flavorRef": 1,
                                                                  "volume": {"size": 1}}}).body
            assert body["instance"]["created"] == "2030-01-02T03:04:05"

        def test_undecorated_stays_manual(cdbsim):
            assert cdbsim.clock.mode == "manual"
    """)
    result.assert_outcomes(passed=2)


def test_freezegun_tick_and_move_to_move_the_simulator(inner):
    result = inner("""
        import datetime as dt
        import pytest
        from freezegun import freeze_time
        from simulator.testing import CdbsimError

        @pytest.mark.cdbsim(clock="real")
        def test_moves(cdbsim):
            with freeze_time("2030-06-01 12:00:00") as frozen:
                created = cdbsim.call("POST", "instances", {"instance": {"name": "a", "flavorRef": 1,
                                                                         "volume": {"size": 1}}}).body
                instance_id = created["instance"]["id"]
                frozen.tick(dt.timedelta(minutes=5))
                assert cdbsim.clock.now() == dt.datetime(2030, 6, 1, 12, 5, tzinfo=dt.timezone.utc)
                shown = cdbsim.call("GET", f"instances/{instance_id}").body["instance"]
                assert shown["status"] == "ACTIVE" and shown["updated"] == "2030-06-01T12:00:00"
                frozen.move_to("2031-01-01")
                assert cdbsim.journal.last["time"] == "2030-06-01T12:05:00"
                cdbsim.call("GET", "flavors")
                assert cdbsim.journal.last["time"] == "2031-01-01T00:00:00"
                with pytest.raises(CdbsimError, match="freezegun's tick"):
                    cdbsim.clock.advance(1)
    """)
    result.assert_outcomes(passed=1)


def test_freezegun_does_not_stop_the_servers_event_loop(inner):
    # Without the plugin's pin, asyncio.sleep in the server thread never wakes while time is frozen:
    # the delayed request below would hang until its socket timeout.
    result = inner(
        """
        import pytest
        from freezegun import freeze_time

        @freeze_time("2030-01-01")
        @pytest.mark.cdbsim(scenario="slow.yaml")
        def test_delay_fault_runs_under_frozen_time(cdbsim):
            answer = cdbsim.call("GET", "flavors")
            assert answer.status == 200
            assert cdbsim.journal.last["action"] == "delay 0.050s"
    """,
        files={
            "slow.yaml": """
        name: slow
        rules: [{match: {route: list_flavors}, actions: [{delay: 0.05}]}]
    """
        },
    )
    result.assert_outcomes(passed=1)


def test_freezegun_freezer_fixture_gets_a_real_clock(inner):
    # pytest-freezer's fixture is named `freezer`; this stand-in freezes the same way.
    result = inner(
        """
        import datetime as dt

        def test_with_freezer(cdbsim, freezer):  # cdbsim starts first: the fixture name tells it
            assert cdbsim.clock.mode == "real"
            freezer.move_to("2032-02-02 02:02:02")
            assert cdbsim.clock.now() == dt.datetime(2032, 2, 2, 2, 2, 2, tzinfo=dt.timezone.utc)
    """,
        files={
            "conftest.py": """
        import pytest
        from freezegun import freeze_time

        @pytest.fixture
        def freezer():
            with freeze_time("2030-01-01") as frozen:
                yield frozen
    """
        },
    )
    result.assert_outcomes(passed=1)


def test_freezegun_on_an_async_test_of_the_async_fixture(inner):
    result = inner("""
        import datetime as dt
        import pytest
        from freezegun import freeze_time

        @pytest.mark.asyncio
        @freeze_time("2030-03-03 03:03:03", real_asyncio=True)
        async def test_async_frozen(cdbsim_client):
            assert cdbsim_client.clock.mode == "real"
            answer = await cdbsim_client.request("POST", "instances", {"instance": {
                "name": "a", "flavorRef": 1, "volume": {"size": 1}}})
            assert answer.body["instance"]["created"] == "2030-03-03T03:03:03"
    """)
    result.assert_outcomes(passed=1)
