"""Who may call /_sim/: loopback callers, or others with the admin token; every control route refuses the rest."""
from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from support import ACCOUNT, TOKEN, assert_fault

from simulator import DemoAccount, SimulatorConfig, create_app
from simulator.errors import Forbidden
from simulator.handlers.control import require_control

REFUSED = "The /_sim/ control API answers loopback callers only, or callers with the admin token."
SAMPLES = {"account_id": ACCOUNT, "instance_id": "i-1", "name": "snap"}


def control_routes(app: web.Application) -> list[tuple[str, str]]:
    """(method, path) of every /_sim/ route, path parameters filled in."""
    out = []
    for route in app.router.routes():
        canonical = route.resource.canonical if route.resource else ""
        if canonical.startswith("/_sim") and route.method != "HEAD":
            out.append((route.method, canonical.format(**SAMPLES)))
    return out


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


def test_require_control_refuses_a_remote_peer_without_the_token():
    app = create_app(SimulatorConfig())
    transport = type("T", (), {"get_extra_info": lambda self, key, default=None:
                               ("198.51.100.7", 40000) if key == "peername" else default})()
    request = make_mocked_request("GET", "/_sim/clock", app=app, transport=transport)
    assert request.remote == "198.51.100.7"
    with pytest.raises(Forbidden, match="loopback callers only"):
        require_control(request)


def test_require_control_lets_loopback_through():
    app = create_app(SimulatorConfig())
    for peer in ("127.0.0.1", "::1"):
        transport = type("T", (), {"get_extra_info": lambda self, key, default=None, p=peer:
                                   (p, 40000) if key == "peername" else default})()
        require_control(make_mocked_request("GET", "/_sim/clock", app=app, transport=transport))


async def test_every_control_route_refuses_a_remote_caller(aiohttp_client):
    client = await client_from(aiohttp_client, SimulatorConfig(bootstrap=DemoAccount(account_id=ACCOUNT)),
                               "203.0.113.9")
    routes = control_routes(client.server.app)
    assert ("POST", "/_sim/reset") in routes and ("GET", "/_sim/scenarios") in routes and len(routes) > 25
    for method, path in routes:
        resp = await client.request(method, path, json={})
        body = await resp.json()
        assert_fault((resp.status, body), "forbidden", 403, REFUSED)
    # and nothing was done: the account survived the refused reset and delete
    resp = await client.get(f"/v1.0/{ACCOUNT}/instances", headers={"X-Auth-Token": DemoAccount().token})
    assert resp.status == 200


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
