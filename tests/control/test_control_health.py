"""GET /_sim/health: status, version, uptime and the state file; any caller, no token; never journalled or recorded.
`cdbsim --version` and simulator.__version__ say the same version."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

from aiohttp import web
from support import ACCOUNT, TOKEN, Api, assert_fault

import simulator
from simulator import DemoAccount, SimulatorConfig, create_app
from simulator.keys import JOURNAL


def config(**kw) -> SimulatorConfig:
    return SimulatorConfig(seed=7, bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN), **kw)


async def test_health_answers_status_version_uptime_and_state(api):
    status, body, resp = await api.call("GET", "/_sim/health", headers={"X-Auth-Token": ""})
    assert status == 200 and resp.content_type == "application/json"
    assert body["status"] == "ok"
    assert body["version"] == simulator.__version__ == metadata.version("cdbsim")
    assert body["uptime_seconds"] >= 0
    assert body["state"] == {"path": ":memory:", "ok": True}


async def test_health_is_neither_journalled_nor_recorded(aiohttp_client, tmp_path):
    api = Api(await aiohttp_client(create_app(config(record_path=str(tmp_path / "rec.har")))))
    await api.get("/flavors")
    for _ in range(3):
        assert (await api.get("/_sim/health"))[0] == 200
    journalled = [e["route"] for e in api.app[JOURNAL].entries()]
    assert journalled == ["list_flavors"]
    status, body, _ = await api.get("/_sim/recording")
    assert status == 200
    assert [e["request"]["url"].split("/", 3)[3] for e in body["log"]["entries"]] == [f"v1.0/{ACCOUNT}/flavors"]


def remote_is(address: str):
    """A middleware that makes every request come from address (another host)."""

    @web.middleware
    async def patch(request: web.Request, handler):
        return await handler(request.clone(remote=address))

    return patch


async def test_health_answers_a_remote_caller_without_the_admin_token(aiohttp_client):
    app = create_app(config(admin_token="s3cret-admin"))
    app.middlewares.insert(0, remote_is("203.0.113.9"))
    client = await aiohttp_client(app)
    resp = await client.get("/_sim/health")
    assert resp.status == 200 and (await resp.json())["status"] == "ok"
    refused = await client.get("/_sim/status")  # the rest of the control plane stays closed
    assert refused.status == 403


async def test_health_of_a_state_file_that_went_away_is_503_naming_it(aiohttp_client, tmp_path):
    path = tmp_path / "state.db"
    api = Api(await aiohttp_client(create_app(config(db_path=str(path)))))
    assert (await api.get("/_sim/health"))[1]["state"] == {"path": str(path), "ok": True}
    path.unlink()
    assert_fault(
        await api.get("/_sim/health"),
        "serviceUnavailable",
        503,
        f"cdbsim {simulator.__version__} is unhealthy: its state cannot be used ({path} is no longer there).",
    )


def test_version_option_prints_the_installed_version():
    out = subprocess.run([sys.executable, "-m", "simulator", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"cdbsim {metadata.version('cdbsim')}"
