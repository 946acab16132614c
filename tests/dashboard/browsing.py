"""What the dashboard's browser tests share: the simulator's API as a client on this machine calls it, and
opening the page live."""
from __future__ import annotations

import ipaddress
import json
import socket

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

    def __init__(self, url: str, account: str = ACCOUNT, token: str = TOKEN) -> None:
        self.url, self.account = url, account
        self.http = requests.Session()
        self.http.headers.update({"X-Auth-Token": token, "Content-Type": "application/json"})

    def call(self, method: str, path: str, body=None) -> tuple[int, dict | None]:
        response = self.http.request(method, f"{self.url}/v1.0/{self.account}{path}", json=body, timeout=30)
        return response.status_code, (response.json() if response.content else None)

    def control(self, method: str, path: str, body=None) -> dict:
        response = requests.request(method, f"{self.url}/_sim{path}", json=body, timeout=30,
                                    headers={"X-Cdbsim": "1"})  # a script proves it is not a web page
        assert response.status_code < 300, (path, response.status_code, response.text)
        return response.json() if response.content else {}

    def advance(self, seconds: float) -> None:
        self.control("POST", "/clock/advance", {"seconds": seconds})

    def create_instance(self, name: str, **extra) -> str:
        status, body = self.call("POST", "/instances", {"instance": {"name": name, "flavorRef": 1,
                                                                     "volume": {"size": 2}, **extra}})
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

    def restore(self, backup_id: str, name: str) -> tuple[int, dict | None]:
        return self.call("POST", "/instances", {"instance": {"name": name, "flavorRef": 1, "volume": {"size": 2},
                                                             "restorePoint": {"backupRef": backup_id}}})


def open_live(page, url: str) -> None:
    """Open the dashboard and wait until its live stream is on (changes after this show without a reload)."""
    from playwright.sync_api import expect

    page.goto(url)
    expect(page.locator("#live")).to_have_attribute("data-state", "on")


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
    return type("Peer", (), {"get_extra_info": lambda self, key, default=None:
                             (address, 40000) if key == "peername" else default})()


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
