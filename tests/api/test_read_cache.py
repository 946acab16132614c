"""Repeated reads are answered from the read cache, and every way the model can change shows in the next read."""

import pytest
from support import ACCOUNT, TOKEN

from simulator import DemoAccount, Durations, SimulatorConfig
from simulator.keys import READS


@pytest.fixture
def sim_config():
    return SimulatorConfig(
        seed=7, bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN), durations=Durations(build=60)
    )


async def test_a_repeated_read_is_answered_from_the_cache_byte_for_byte(api):
    inst = await api.create_instance()
    first = await api.client.get(f"/v1.0/1234/instances/{inst['id']}", headers={"X-Auth-Token": api.token})
    body = await first.read()
    assert any(value == body for value in api.app[READS]._items.values())
    second = await api.client.get(f"/v1.0/1234/instances/{inst['id']}", headers={"X-Auth-Token": api.token})
    assert await second.read() == body
    assert second.headers["Content-Type"] == first.headers["Content-Type"] == "application/json; charset=utf-8"


async def test_a_write_shows_in_the_next_read(api):
    inst = await api.create_instance()
    api.advance(60)
    _, before, _ = await api.get(f"/instances/{inst['id']}")
    status, _, _ = await api.post(f"/instances/{inst['id']}/databases", {"databases": [{"name": "shop"}]})
    assert status == 202
    _, after, _ = await api.get(f"/instances/{inst['id']}")
    assert after["instance"]["volume"]["used"] > before["instance"]["volume"]["used"]
    _, dbs, _ = await api.get(f"/instances/{inst['id']}/databases")
    assert [d["name"] for d in dbs["databases"]] == ["shop"]


async def test_moving_the_clock_shows_in_the_next_read(api):
    _status, created, _ = await api.post(
        "/instances", {"instance": {"name": "a", "flavorRef": 1, "volume": {"size": 2}}}
    )
    iid = created["instance"]["id"]
    _, seen, _ = await api.get(f"/instances/{iid}")
    assert seen["instance"]["status"] == "BUILD"
    api.clock.advance(3600)  # no request settles it: the read itself must
    _, seen, _ = await api.get(f"/instances/{iid}")
    assert seen["instance"]["status"] == "ACTIVE"


async def test_a_control_plane_change_shows_in_the_next_read(api):
    inst = await api.create_instance()
    status, _, _ = await api.get(f"/instances/{inst['id']}")
    assert status == 200
    status, _, _ = await api.post("/_sim/accounts/1234/reset")
    assert status in (200, 204)
    status, body, _ = await api.get(f"/instances/{inst['id']}")
    assert status == 404 and "itemNotFound" in body


async def test_an_expired_token_is_refused_even_when_its_read_was_cached(api):
    inst = await api.create_instance()
    _, issued, _ = await api.post(
        "/v2.0/tokens", {"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": "demo", "apiKey": "demo-api-key"}}}
    )
    caller = api.as_account(ACCOUNT, issued["access"]["token"]["id"])
    assert (await caller.get(f"/instances/{inst['id']}"))[0] == 200
    api.clock.advance(48 * 3600)  # past the token's expiry; nothing in the database changed
    status, body, _ = await caller.get(f"/instances/{inst['id']}")
    assert status == 401 and "unauthorized" in body
