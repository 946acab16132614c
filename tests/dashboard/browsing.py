"""What the dashboard's browser tests share: the simulator's API as a client on this machine calls it, and
opening the page live."""

from __future__ import annotations

import ipaddress
import json
import socket
from typing import Any

import requests
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from support import ACCOUNT, TOKEN

from simulator.config import Durations
from simulator.errors import SimulatorError
from simulator.http import fault_response

#: Lifecycles long enough to see each status on the page; the tests move the manual clock.
DURATIONS = Durations(build=30, backup=20)
#: How long a test's page may take to show what it waits for (ms).
WAIT_MS = 10_000
#: Set to a path (docs/dashboard.png) to keep the showcase test's screenshot there as well.
DOCS_SCREENSHOT = "CDBSIM_DOCS_SCREENSHOT"


class SandboxApi:
    """The API and the control plane of the simulator under test, as a client on the same machine calls them."""

    def __init__(self, url: str, account: str = ACCOUNT, token: str = TOKEN, region: str = "") -> None:
        """region: another region's API (its lower-case path prefix, /iad/v1.0/...); "" for the configured one."""
        self.url, self.account, self.token = url, account, token
        self.prefix = f"/{region.lower()}" if region else ""
        self.http = requests.Session()
        self.http.headers.update({"X-Auth-Token": token, "Content-Type": "application/json"})

    def call(self, method: str, path: str, body=None) -> tuple[int, Any]:  # the parsed JSON body, None when empty
        response = self.http.request(
            method, f"{self.url}{self.prefix}/v1.0/{self.account}{path}", json=body, timeout=30
        )
        return response.status_code, (response.json() if response.content else None)

    def control(self, method: str, path: str, body=None) -> dict:
        response = requests.request(
            method, f"{self.url}/_sim{path}", json=body, timeout=30, headers={"X-Cdbsim": "1"}
        )  # a script proves it is not a web page
        assert response.status_code < 300, (path, response.status_code, response.text)
        return response.json() if response.content else {}

    def advance(self, seconds: float) -> None:
        self.control("POST", "/clock/advance", {"seconds": seconds})

    def create_instance(self, name: str, **extra) -> str:
        status, body = self.call(
            "POST", "/instances", {"instance": {"name": name, "flavorRef": 1, "volume": {"size": 2}, **extra}}
        )
        assert status == 200, body
        return body["instance"]["id"]

    def active_instance(self, name: str, **extra) -> str:
        instance_id = self.create_instance(name, **extra)
        self.advance(DURATIONS.build)
        return instance_id

    def backup(self, instance_id: str, name: str, parent_id: str | None = None) -> str:
        """A backup taken to COMPLETED (the clock moves on past its duration)."""
        spec = {"instance": instance_id, "name": name, **({"parent_id": parent_id} if parent_id else {})}
        status, body = self.call("POST", "/backups", {"backup": spec})
        assert status == 202, body
        self.advance(DURATIONS.backup + 5)
        return body["backup"]["id"]

    def in_region(self, region: str) -> SandboxApi:
        """The same account's API in another region."""
        return SandboxApi(self.url, self.account, self.token, region)

    def configuration(self, name: str, values: dict) -> str:
        status, body = self.call("POST", "/configurations", {"configuration": {"name": name, "values": values}})
        assert status == 200, body
        return body["configuration"]["id"]

    def attach(self, instance_id: str, configuration_id: str) -> None:
        status, body = self.call("PUT", f"/instances/{instance_id}", {"instance": {"configuration": configuration_id}})
        assert status == 202, body

    def replica(self, source_id: str, name: str) -> str:
        status, body = self.call("POST", "/instances", {"instance": {"name": name, "replica_of": source_id}})
        assert status == 200, body
        return body["instance"]["id"]

    def ha_group(self, name: str, acls: list[str], networks: list[str]) -> str:
        """An HA group of one source and two replicas, built (ACTIVE)."""
        node = {"flavorRef": "2", "volume": {"size": 1}}
        spec = {
            "name": name,
            "datastore": {"type": "MYSQL", "version": "5.7"},
            "networks": networks,
            "replica_source": [{"name": f"{name}-source", **node}],
            "replicas": [{"name": f"{name}-replica-{n}", **node} for n in (1, 2)],
            "acls": [{"address": a} for a in acls],
        }
        status, body = self.call("POST", "/ha", {"ha": spec})
        assert status == 202, body
        self.advance(DURATIONS.build)
        return body["ha_instance"]["id"]

    def copy_backup(self, backup_id: str, region: str) -> None:
        status, body = self.call(
            "POST", f"/backups/{backup_id}/action", {"copy-backup": {"target_backup_region": region}}
        )
        assert status == 202, body
        self.advance(DURATIONS.backup + 60)

    def restore(self, backup_id: str, name: str) -> tuple[int, dict | None]:
        return self.call(
            "POST",
            "/instances",
            {
                "instance": {
                    "name": name,
                    "flavorRef": 1,
                    "volume": {"size": 2},
                    "restorePoint": {"backupRef": backup_id},
                }
            },
        )


def open_live(page, url: str) -> None:
    """Open the dashboard and wait until its live stream is on (changes after this show without a reload)."""
    from playwright.sync_api import expect

    page.goto(url)
    expect(page.locator("#live")).to_have_attribute("data-state", "on")


def open_settled(page, url: str) -> None:
    """Open the dashboard and wait for its first refresh (the stream's hello swaps the live parts for fresh ones):
    elements found before it may be replaced, detached, while a test measures them."""
    import re

    from playwright.sync_api import expect

    page.goto(url)
    expect(page.locator("#dashboard")).to_have_attribute("data-refreshes", re.compile(r"^[1-9]\d*$"))


def outward_address() -> str | None:
    """This machine's address on its outward interface, or None when it has only loopback (a connected UDP socket
    names its source address; nothing is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if ipaddress.ip_address(address).is_loopback or address == "0.0.0.0" else address


def peer(address: str):
    """A transport whose peer is address (what request.remote reads)."""
    return type(
        "Peer",
        (),
        {"get_extra_info": lambda self, key, default=None: (address, 40000) if key == "peername" else default},
    )()


async def through_control_middleware(app, method: str, path: str, address: str, headers=None) -> tuple[int, dict]:
    """(status, body) of a request from address, resolved by app's router and passed through the control
    sub-app's middleware (its one access rule); a refusal rendered as the error middleware renders it."""
    request = make_mocked_request(method, path, headers=headers or {}, app=app, transport=peer(address))
    match = await app.router.resolve(request)
    control = match.apps[-1]
    assert control is not app and len(control.middlewares) == 1  # the dashboard route is the control app's

    async def handler(_request):
        return web.json_response({"served": True})

    try:
        response = await control.middlewares[0](request, handler)
    except SimulatorError as exc:
        response = fault_response(exc)
    return response.status, json.loads(response.body)


#: Values of the configuration group the showcase attaches: connect_timeout applies at once, the buffer pool size
#: only after a restart (so the instance waits in RESTART_REQUIRED).
TUNED = {"connect_timeout": 120, "innodb_buffer_pool_size": 1073741824}


def everything(sandbox: SandboxApi) -> dict[str, str]:
    """An account with one of each thing the dashboard draws: a source with a replica and a configuration group
    waiting for a restart, an HA group, a full backup copied to ORD, and an instance in IAD; their ids by role."""
    made = {"configuration": sandbox.configuration("tuned", TUNED)}
    made["source"] = sandbox.active_instance("orders-db", flavorRef=2)  # replication needs 1 GB of RAM or more
    made["replica"] = sandbox.replica(made["source"], "orders-replica")
    sandbox.advance(DURATIONS.build * 2)
    sandbox.attach(made["source"], made["configuration"])
    made["ha"] = sandbox.ha_group("ha-payments", ["10.0.0.0/8", "192.168.1.10/32"], ["servicenet", "public"])
    made["backup"] = sandbox.backup(made["source"], "orders-full")
    sandbox.copy_backup(made["backup"], "ORD")
    made["iad"] = sandbox.in_region("IAD").active_instance("iad-reports")
    return made
