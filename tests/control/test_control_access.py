"""Who may call /_sim/: loopback callers, or others with the admin token; one access rule (the control sub-app's
middleware) covers every control route, the fault, replay and rate-limit rooms' included, and refuses the rest."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from support import ACCOUNT, TOKEN, assert_fault

from simulator import DemoAccount, SimulatorConfig, create_app
from simulator.control.access import may_control
from simulator.keys import JOURNAL

REFUSED = "The /_sim/ control API answers loopback callers only, or callers with the admin token."
SAMPLES = {"account_id": ACCOUNT, "instance_id": "i-1", "name": "snap"}
#: A route of each room that registers on the control app: the control plane's own, faults, replay, rate limits.
ROOMS = {
    "sim_reset",
    "sim_take_snapshot",
    "sim_load_scenario",
    "sim_clear_scenario",
    "sim_load_replay",
    "sim_show_recording",
    "sim_set_rate_limits",
}
#: Small bodies where an empty one would do a lot of work (demo data makes accounts by default).
BODIES = {"/_sim/demo": {"seed": 1, "accounts": 1, "instances": 0, "chains": 0, "weeks": 1}}


def control_routes(app: web.Application) -> list[tuple[str | None, str, str]]:
    """(route name, method, path) of every /_sim/ route but the health check (which answers everyone,
    test_control_health.py), path parameters filled in."""
    out: list[tuple[str | None, str, str]] = []
    for route in app.router.routes():
        canonical = route.resource.canonical if route.resource else ""
        if canonical.startswith("/_sim") and route.method != "HEAD" and route.name != "sim_health":
            out.append((route.name, route.method, canonical.format(**SAMPLES)))
    return out


def peer(address: str):
    """A transport whose peer is address (what request.remote reads)."""
    return type(
        "T", (), {"get_extra_info": lambda self, key, default=None: (address, 40000) if key == "peername" else default}
    )()


def remote_is(address: str):
    """A middleware that makes every request come from address (as a proxy or another host would)."""

    @web.middleware
    async def patch(request: web.Request, handler):
        return await handler(request.clone(remote=address))

    return patch


@pytest.fixture
def admin_config() -> SimulatorConfig:
    return SimulatorConfig(seed=7, bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN), admin_token="s3cret-admin")


async def client_from(aiohttp_client, config: SimulatorConfig, address: str):
    app = create_app(config)
    app.middlewares.insert(0, remote_is(address))  # outermost: before the journal reads the body
    return await aiohttp_client(app)


def test_a_remote_peer_without_the_token_may_not_control():
    app = create_app(SimulatorConfig(admin_token="s3cret-admin"))
    request = make_mocked_request("GET", "/_sim/clock", app=app, transport=peer("198.51.100.7"))
    assert request.remote == "198.51.100.7"
    assert not may_control(request)
    wrong = make_mocked_request(
        "GET", "/_sim/clock", headers={"X-Admin-Token": "guess"}, app=app, transport=peer("198.51.100.7")
    )
    assert not may_control(wrong)


def test_loopback_peers_and_the_admin_token_may_control():
    app = create_app(SimulatorConfig(admin_token="s3cret-admin"))
    for address in ("127.0.0.1", "::1"):
        assert may_control(make_mocked_request("GET", "/_sim/clock", app=app, transport=peer(address)))
    assert may_control(
        make_mocked_request(
            "GET", "/_sim/clock", headers={"X-Admin-Token": "s3cret-admin"}, app=app, transport=peer("198.51.100.7")
        )
    )


def test_no_admin_token_configured_means_loopback_only():
    app = create_app(SimulatorConfig())
    request = make_mocked_request(
        "GET", "/_sim/clock", headers={"X-Admin-Token": ""}, app=app, transport=peer("198.51.100.7")
    )
    assert not may_control(request)


async def test_every_control_route_refuses_a_remote_caller(aiohttp_client):
    client = await client_from(
        aiohttp_client, SimulatorConfig(bootstrap=DemoAccount(account_id=ACCOUNT)), "203.0.113.9"
    )
    routes = control_routes(client.server.app)
    assert {name for name, _, _ in routes} >= ROOMS and len(routes) > 25
    for _, method, path in routes:
        resp = await client.request(method, path, json=BODIES.get(path, {}))
        body = await resp.json()
        assert_fault((resp.status, body), "forbidden", 403, REFUSED)
    # each refused call is journalled under its route name, as every control call is
    journalled = [(e["route"], e["method"], e["status"]) for e in client.server.app[JOURNAL].entries()]
    assert journalled == [(name, method, 403) for name, method, _ in routes]
    # and nothing was done: the account survived the refused reset and delete
    resp = await client.get(f"/v1.0/{ACCOUNT}/instances", headers={"X-Auth-Token": DemoAccount().token})
    assert resp.status == 200


async def test_every_control_route_serves_a_remote_caller_with_the_admin_token(aiohttp_client, admin_config):
    client = await client_from(aiohttp_client, admin_config, "203.0.113.9")
    routes = control_routes(client.server.app)
    assert {name for name, _, _ in routes} >= ROOMS
    for name, method, path in routes:
        resp = await client.request(method, path, json=BODIES.get(path, {}), headers={"X-Admin-Token": "s3cret-admin"})
        assert resp.status != 403, (name, resp.status, await resp.text())
        assert resp.status < 500, (name, resp.status, await resp.text())
    assert client.server.app[JOURNAL].handler_errors == []


async def test_remote_caller_with_the_admin_token_is_served(aiohttp_client, admin_config):
    client = await client_from(aiohttp_client, admin_config, "203.0.113.9")
    resp = await client.get("/_sim/clock", headers={"X-Admin-Token": "s3cret-admin"})
    assert resp.status == 200 and (await resp.json())["clock"]["mode"] == "manual"
    resp = await client.post("/_sim/reset", headers={"X-Admin-Token": "s3cret-admin"}, json={})
    assert resp.status == 200


async def test_remote_caller_with_a_wrong_admin_token_is_refused(aiohttp_client, admin_config):
    client = await client_from(aiohttp_client, admin_config, "203.0.113.9")
    for headers in ({"X-Admin-Token": "guess"}, {"X-Admin-Token": ""}, {}):
        resp = await client.post("/_sim/reset", headers=headers, json={})
        assert_fault((resp.status, await resp.json()), "forbidden", 403, REFUSED)


async def test_the_api_itself_is_not_limited_to_loopback(aiohttp_client, admin_config):
    client = await client_from(aiohttp_client, admin_config, "203.0.113.9")
    resp = await client.get(f"/v1.0/{ACCOUNT}/flavors", headers={"X-Auth-Token": TOKEN})
    assert resp.status == 200
