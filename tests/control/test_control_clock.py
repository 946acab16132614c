"""/_sim/clock: read, advance, set, and switch between a manual clock and real time (which follows freezegun)."""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time
from support import ACCOUNT, TOKEN, assert_fault

from simulator import DemoAccount, Durations, SimulatorConfig


@pytest.fixture
def sim_config() -> SimulatorConfig:
    """Builds take a minute here, so the clock decides when an instance is ACTIVE."""
    return SimulatorConfig(
        seed=7, bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN), durations=Durations(build=60)
    )


async def test_show_clock_is_manual_in_tests(api):
    status, body, _ = await api.get("/_sim/clock")
    assert status == 200
    clock = body["clock"]
    assert clock["mode"] == "manual"
    assert clock["now"] == api.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    assert clock["epoch"] == api.clock.time()


async def test_advance_clock_settles_what_fell_due(api):
    _, body, _ = await api.post("/instances", {"instance": {"name": "a", "flavorRef": 1, "volume": {"size": 1}}})
    instance_id = body["instance"]["id"]
    before = api.clock.time()
    status, body, _ = await api.post("/_sim/clock/advance", {"seconds": 59})
    assert status == 200 and body["clock"]["epoch"] == before + 59
    assert api.backend.store.instances.get(ACCOUNT, instance_id)["status"] == "BUILD"
    await api.post("/_sim/clock/advance", {"seconds": 1})
    # the advance call itself carried out the build: the row changed with no API read in between
    assert api.backend.store.instances.get(ACCOUNT, instance_id)["status"] == "ACTIVE"


async def test_advance_clock_negative_is_bad_request(api):
    assert_fault(
        await api.post("/_sim/clock/advance", {"seconds": -1}), "badRequest", 400, "'seconds' must be a number >= 0."
    )


async def test_set_clock_jumps_a_manual_clock(api):
    status, body, _ = await api.put("/_sim/clock", {"now": "2030-02-03T04:05:06Z"})
    assert status == 200 and body["clock"]["now"] == "2030-02-03T04:05:06Z"
    assert api.clock.now() == dt.datetime(2030, 2, 3, 4, 5, 6, tzinfo=dt.timezone.utc)


async def test_set_clock_mode_real_follows_freezegun_and_manual_stops_it(api):
    status, body, _ = await api.put("/_sim/clock", {"mode": "real"})
    assert status == 200 and body["clock"]["mode"] == "real"
    with freeze_time("2029-09-09 09:09:09"):
        assert (await api.get("/_sim/clock"))[1]["clock"]["now"] == "2029-09-09T09:09:09Z"
        status, body, _ = await api.put("/_sim/clock", {"mode": "manual"})
    assert body["clock"] == {"mode": "manual", "now": "2029-09-09T09:09:09Z", "epoch": 1883639349.0}
    assert (await api.get("/_sim/clock"))[1]["clock"]["now"] == "2029-09-09T09:09:09Z"


async def test_set_clock_on_a_real_clock_is_bad_request(api):
    await api.put("/_sim/clock", {"mode": "real"})
    assert_fault(
        await api.put("/_sim/clock", {"now": "2030-01-01T00:00:00Z"}),
        "badRequest",
        400,
        "Cannot set the clock: only a manual clock can be set.",
    )
    assert_fault(
        await api.post("/_sim/clock/advance", {"seconds": 1}), "badRequest", 400, "only a manual clock can be advanced"
    )


async def test_set_clock_needs_now_or_mode(api):
    assert_fault(
        await api.put("/_sim/clock", {}),
        "badRequest",
        400,
        "Give 'now' (an ISO-8601 time), 'mode' ('manual' or 'real'), or both.",
    )
    assert_fault(
        await api.put("/_sim/clock", {"mode": "fast"}), "badRequest", 400, "'mode' must be 'manual' or 'real'."
    )
    assert_fault(await api.put("/_sim/clock", {"now": "yesterday"}), "badRequest", 400, contains="Cannot set the clock")
    assert_fault(await api.put("/_sim/clock", {"when": "now"}), "badRequest", 400, "Unknown field(s): when.")
