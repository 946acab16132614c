"""Helpers the tests share: an API wrapper and fault assertions."""

from __future__ import annotations

from simulator import Durations, SimulatorConfig
from simulator.backend import Backend
from simulator.clock import Clock
from simulator.ids import Ids
from simulator.keys import BACKEND, CLOCK
from simulator.repos.store import Store

ACCOUNT = "1234"
TOKEN = "test-token"

#: Installed pytest plugins that no pytest session a test starts uses, left out of them (`-p no:...`): schemathesis'
#: plugin imports schemathesis and hypothesis (~0.5 s of CPU), faker's its locales, in each process such a session
#: starts (the README's test modules, the xdist workers of test_plugin_xdist.py). The suite's own session loads them
#: all beside the cdbsim plugin, so a clash between them is still seen there.
UNUSED_PLUGINS = ("-p", "no:schemathesis", "-p", "no:faker")

#: The seed page's (restore-backup.rst) request body, byte for byte.
SEED_REQUEST_BODY = """{
    "instance": {
        "flavorRef": 1,
        "name": "json_restore",
        "restorePoint": {
            "backupRef": "61f12fef-edb1-4561-8122-e7c00ef26a82"
        },
        "volume": {
            "size": 2
        }
    }
}"""


class Api:
    """A thin wrapper over aiohttp's test client that adds the account prefix and the token."""

    def __init__(self, client, account: str = ACCOUNT, token: str | None = TOKEN) -> None:
        self.client = client
        self.account = account
        self.token = token

    @property
    def app(self):
        return self.client.server.app

    @property
    def clock(self):
        return self.app[CLOCK]

    @property
    def backend(self):
        return self.app[BACKEND]

    def advance(self, seconds: float) -> None:
        """Move the manual clock and bring the model up to it."""
        self.clock.advance(seconds)
        self.backend.settle()

    def _headers(self, headers):
        out = {"Content-Type": "application/json"}
        if self.token:
            out["X-Auth-Token"] = self.token
        out.update(headers or {})
        return out

    def url(self, path: str) -> str:
        return (
            path if path.startswith("/v") or path.startswith("/_sim") or path == "/" else f"/v1.0/{self.account}{path}"
        )

    async def call(self, method: str, path: str, json=None, headers=None, data=None):
        """Send a request; returns (status, parsed JSON body or None, response)."""
        kwargs = {"headers": self._headers(headers)}
        if json is not None:
            kwargs["json"] = json
        if data is not None:
            kwargs["data"] = data
        resp = await self.client.request(method, self.url(path), **kwargs)
        text = await resp.text()
        import json as _json

        try:
            body = _json.loads(text) if text else None
        except ValueError:
            body = text
        return resp.status, body, resp

    async def get(self, path, **kw):
        return await self.call("GET", path, **kw)

    async def post(self, path, json=None, **kw):
        return await self.call("POST", path, json=json, **kw)

    async def put(self, path, json=None, **kw):
        return await self.call("PUT", path, json=json, **kw)

    async def patch(self, path, json=None, **kw):
        return await self.call("PATCH", path, json=json, **kw)

    async def delete(self, path, **kw):
        return await self.call("DELETE", path, **kw)

    async def create_instance(self, name="db1", flavor=2, size=2, **extra) -> dict:
        """Create an instance and advance the clock until it is ACTIVE; returns its body."""
        status, body, _ = await self.post(
            "/instances", {"instance": {"name": name, "flavorRef": flavor, "volume": {"size": size}, **extra}}
        )
        assert status == 200, body
        self.advance(0)
        return body["instance"]

    def as_account(self, account: str, token: str | None) -> Api:
        return Api(self.client, account, token)


#: The 401 message every call with a missing, unknown or expired token gets.
UNAUTHORIZED = "The supplied token is not authorized to access the resources, either it's expired or invalid."


def assert_fault(status_body, fault: str, code: int, message: str | None = None, contains: str | None = None):
    """Assert a fault answer: the fault name, the code in status and body, and the message."""
    status, body = status_body[0], status_body[1]
    assert status == code, (status, body)
    assert list(body) == [fault], body
    assert body[fault]["code"] == code, body
    assert message is not None or contains is not None, "a negative test asserts the message (or a part of it)"
    if message is not None:
        assert body[fault]["message"] == message, body
    if contains is not None:
        assert contains in body[fault]["message"], body


def found(row: dict | None) -> dict:
    """A row a repository's get found (None, not found, fails the test there)."""
    assert row is not None, "not found"
    return row


#: The smallest valid instance create body.
INSTANCE_SPEC = {"instance": {"name": "a", "flavorRef": 1, "volume": {"size": 1}}}


def make_backend() -> Backend:
    """A backend on an in-memory store and a manual clock (a build takes 10 s), with account "1" (token "t")."""
    store = Store.open(":memory:")
    backend = Backend(store, Clock("manual"), Ids(1), SimulatorConfig(durations=Durations(build=10)))
    backend.identity.create_account("1", token="t")
    return backend
