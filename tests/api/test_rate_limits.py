"""Rate limits: the documented per-minute limits, 413 with Retry-After, GET /limits, per-account switch."""

import pytest
from support import ACCOUNT, TOKEN, assert_fault

from simulator import DemoAccount, SimulatorConfig

UNKNOWN = "00000000-0000-4000-8000-000000000000"
ACTION = f"/instances/{UNKNOWN}/action"
ACTION_DETAILS = "Only 5 POST request(s) can be made to /instances/{instanceId}/action every minute."


@pytest.fixture
def sim_config():
    return SimulatorConfig(
        seed=1,
        bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN),
        rate_limits=True,
        start_time="2014-02-13T21:47:00Z",
    )


async def restart(api):
    return await api.post(ACTION, {"restart": {}})


async def use_up_actions(api):
    for _ in range(5):
        assert (await restart(api))[0] == 404  # the request is made (and counted) even though it fails


async def test_rate_limit_exceeded_is_over_limit_with_retry_after(api):
    await use_up_actions(api)
    api.advance(20)
    status, body, resp = await restart(api)
    assert_fault((status, body), "overLimit", 413, "This request was rate-limited.")
    assert resp.headers["Retry-After"] == "40"
    assert body["overLimit"]["retryAfter"] == "40"
    assert body["overLimit"]["details"] == ACTION_DETAILS


async def test_rate_limit_window_opens_again_after_a_minute_and_refused_requests_do_not_count(api):
    await use_up_actions(api)
    for _ in range(3):
        assert (await restart(api))[0] == 413
    api.advance(59)
    assert (await restart(api))[0] == 413
    api.advance(1)
    await use_up_actions(api)  # all five again: the refused ones were not counted
    assert (await restart(api))[0] == 413


async def test_rate_limits_are_counted_per_verb_uri_and_account(api):
    await use_up_actions(api)
    assert (await api.get("/instances"))[0] == 200
    assert (await api.delete(f"/instances/{UNKNOWN}"))[0] == 404
    api.backend.identity.create_account("5678", token="other-token")
    other = api.as_account("5678", "other-token")
    assert (await other.post(ACTION, {"restart": {}}))[0] == 404


async def test_rate_limit_of_create_instance_is_twenty_a_minute(api):
    bad = {"instance": {"name": "x", "flavorRef": 99, "volume": {"size": 1}}}
    for _ in range(20):
        assert (await api.post("/instances", bad))[0] == 400
    status, body, resp = await api.post("/instances", bad)
    assert_fault((status, body), "overLimit", 413, "This request was rate-limited.")
    assert body["overLimit"]["details"] == "Only 20 POST request(s) can be made to /instances every minute."
    assert resp.headers["Retry-After"] == "60"


async def test_unlisted_routes_are_not_rate_limited(api):
    for _ in range(120):
        assert (await api.get("/datastores"))[0] == 200


async def test_show_limits_reports_absolute_limits_then_each_rate_limit(api):
    await restart(api)
    await restart(api)
    status, body, _ = await api.get("/limits")
    assert status == 200
    limits = body["limits"]
    assert limits[0] == {"verb": "ABSOLUTE", "max_instances": 25, "max_backups": 50, "max_volume_size": 1024}
    by_key = {(item["verb"], item["uri"]): item for item in limits[1:]}
    action = by_key[("POST", "/instances/{instanceId}/action")]
    assert action == {
        "verb": "POST",
        "uri": "/instances/{instanceId}/action",
        "regex": "^/instances/[^/]+/action$",
        "value": 5,
        "remaining": 3,
        "unit": "MINUTE",
        "nextAvailable": "2014-02-13T21:47:00Z",
    }
    assert by_key[("GET", "/instances")]["value"] == 100 and by_key[("POST", "/instances")]["value"] == 20
    assert by_key[("DELETE", "/backups/{backupId}")]["value"] == 20
    assert all(item["unit"] == "MINUTE" for item in limits[1:])


async def test_show_limits_when_a_limit_is_used_up_gives_the_next_available_time(api):
    await use_up_actions(api)
    api.advance(15)
    limits = (await api.get("/limits"))[1]["limits"]
    action = next(item for item in limits[1:] if item["uri"] == "/instances/{instanceId}/action")
    assert action["remaining"] == 0 and action["nextAvailable"] == "2014-02-13T21:48:00Z"


async def test_rate_limits_can_be_switched_off_and_on_per_account(api):
    status, body, _ = await api.put(f"/_sim/accounts/{ACCOUNT}/rate_limits", {"enabled": False})
    assert status == 200 and body == {"rate_limits": {"account_id": ACCOUNT, "enabled": False}}
    for _ in range(10):
        assert (await restart(api))[0] == 404
    assert (await api.put(f"/_sim/accounts/{ACCOUNT}/rate_limits", {"enabled": True}))[0] == 200
    await use_up_actions(api)
    assert (await restart(api))[0] == 413


async def test_set_rate_limits_bad_input_is_bad_request_or_not_found(api):
    assert_fault(
        await api.put(f"/_sim/accounts/{ACCOUNT}/rate_limits", {"enabled": "yes"}),
        "badRequest",
        400,
        "'enabled' must be true or false.",
    )
    assert_fault(
        await api.put("/_sim/accounts/nobody/rate_limits", {"enabled": True}),
        "itemNotFound",
        404,
        "Account nobody cannot be found.",
    )


async def test_rate_limits_are_off_for_an_account_created_without_them(api):
    api.backend.identity.create_account("5678", token="other-token", rate_limits=False)
    other = api.as_account("5678", "other-token")
    for _ in range(8):
        assert (await other.post(ACTION, {"restart": {}}))[0] == 404
