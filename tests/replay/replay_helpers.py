"""Helpers the replay tests share: the demo secrets, a python-troveclient session, polling."""

from __future__ import annotations

import json
from typing import TypeVar

import requests

from simulator import DemoAccount, SimulatorConfig
from simulator.config import Durations
from simulator.keys import CLOCK
from simulator.replay.cassette import Miss
from simulator.testing import SimulatorServer

ACCOUNT = "1234"
PASSWORD = "Demo-pass-7Hq2"
API_KEY = "ak-93f0c2d1b5e84e7d"
FIXED_TOKEN = "fixed-token-5d41402abc4b"
DB_USER_PASSWORD = "App-secret-x7Kp"
#: Long enough that a poll sees BUILD before ACTIVE, as against the real service.
DURATIONS = Durations(build=5.0, shutdown=2.0, backup=3.0, backup_per_gb=1.0, restore_per_gb=1.0)


def recording_config(path: str, seed: int = 7) -> SimulatorConfig:
    """A simulator that records its traffic to path (manual clock, the demo account with known secrets)."""
    return SimulatorConfig(
        seed=seed,
        durations=DURATIONS,
        record_path=path,
        bootstrap=DemoAccount(account_id=ACCOUNT, password=PASSWORD, api_key=API_KEY, token=FIXED_TOKEN),
    )


def troveclient(url: str, password: str = PASSWORD):
    """A troveclient Client authenticating with identity v2.0 password credentials; also its session."""
    from keystoneauth1 import session
    from keystoneauth1.identity import v2
    from troveclient.v1 import client

    auth = v2.Password(auth_url=f"{url}/v2.0", username="demo", password=password, tenant_id=ACCOUNT)
    sess = session.Session(auth=auth)
    return client.Client(session=sess, service_type="rax:database", region_name="DFW"), sess


def advancer(server: SimulatorServer):
    """Move a server's manual clock (what a test does between polls)."""
    return lambda seconds: server.run(lambda app: app[CLOCK].advance(seconds))


def troveclient_instance_session(url: str, advance, tokens: list | None = None) -> list:
    """Create an instance with a database user, poll it to ACTIVE, enable root, delete it; the answers seen."""
    from troveclient.apiclient.exceptions import NotFound

    tc, sess = troveclient(url)
    answers = [[f._info for f in tc.flavors.list()]]
    src = tc.instances.create(
        "src-db",
        flavor_id="1",
        volume={"size": 2},
        databases=[{"name": "shop"}],
        users=[{"name": "app", "password": DB_USER_PASSWORD, "databases": [{"name": "shop"}]}],
    )
    answers.append(src._info)
    answers += poll(tc.instances.get, src.id, ("ACTIVE", "ERROR"), advance)
    answers.append(list(tc.root.create(src.id)))
    tc.instances.delete(src.id)
    answers += poll(tc.instances.get, src.id, (), advance, until_gone=NotFound)
    if tokens is not None:
        tokens.append(sess.get_token())
    return answers


def troveclient_backup_session(url: str, advance, tokens: list | None = None) -> list:
    """The round trip of the issue: create, backup, restore, polls, delete (answers in order)."""
    from troveclient.apiclient.exceptions import NotFound

    tc, sess = troveclient(url)
    answers = troveclient_instance_session(url, advance, tokens)
    src = tc.instances.create("backed-db", flavor_id="1", volume={"size": 2}, databases=[{"name": "shop"}])
    answers.append(src._info)
    answers += poll(tc.instances.get, src.id, ("ACTIVE", "ERROR"), advance)
    backup = tc.backups.create("nightly", src.id, description="pre-restore")
    answers.append(backup._info)
    answers += poll(tc.backups.get, backup.id, ("COMPLETED", "FAILED"), advance)
    restored = tc.instances.create(
        "restored-db", flavor_id="1", volume={"size": 2}, restorePoint={"backupRef": backup.id}
    )
    answers.append(restored._info)
    answers += poll(tc.instances.get, restored.id, ("ACTIVE", "ERROR"), advance)
    answers.append([d._info for d in tc.databases.list(restored.id)])
    tc.instances.delete(restored.id)
    answers += poll(tc.instances.get, restored.id, (), advance, until_gone=NotFound)
    tc.backups.delete(backup.id)
    answers.append([b._info for b in tc.backups.list()])
    tc.instances.delete(src.id)
    if tokens is not None:
        tokens.append(sess.get_token())
    return answers


def poll(get, resource_id: str, done: tuple, advance, until_gone=None) -> list:
    """GET until the status is in done (or the resource is gone), moving the clock 2 s between polls."""
    seen = []
    for _ in range(30):
        try:
            item = get(resource_id)
        except Exception as exc:
            if until_gone and isinstance(exc, until_gone):
                seen.append(("gone", getattr(exc, "http_status", None)))
                return seen
            raise
        seen.append(item._info)
        if item.status in done:
            return seen
        advance(2)
    raise AssertionError(f"{resource_id} never reached {done}: {seen[-1]}")


def api_key_login(url: str) -> dict:
    """POST /v2.0/tokens with RAX-KSKEY:apiKeyCredentials (what pyrax and the Rackspace SDKs send)."""
    resp = requests.post(
        f"{url}/v2.0/tokens",
        json={"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": "demo", "apiKey": API_KEY}, "tenantId": ACCOUNT}},
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


def fixed_token_call(url: str) -> dict:
    resp = requests.get(f"{url}/v1.0/{ACCOUNT}/instances", headers={"X-Auth-Token": FIXED_TOKEN})
    assert resp.status_code == 200, resp.text
    return resp.json()


def load_entries(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)["log"]["entries"]


Answer = TypeVar("Answer")


def hit(played: tuple[int, Answer] | Miss) -> tuple[int, Answer]:
    """What a play found, (index, answer); a miss fails the test with its message."""
    assert not isinstance(played, Miss), played.message()
    return played


def missed(played: object) -> Miss:
    """The miss a play gave; an answer fails the test."""
    assert isinstance(played, Miss), played
    return played
