"""Many simultaneous requests on a real socket: quotas hold exactly, one backup at a time, cascade deletes and
restores interleave without torn rows, and the journal accounts for every request."""

from __future__ import annotations

import asyncio
import collections
from typing import Any

import aiohttp
import pytest

from simulator import DemoAccount, Durations, SimulatorConfig
from simulator.keys import BACKEND
from simulator.testing import SimulatorServer

#: Starts processes, a browser or a long generated search: left out of the fast loop.
pytestmark = pytest.mark.slow

ACCOUNT, TOKEN = "race", "race-token"
QUOTA = 7
RESTORES = 200
BACKUP_CREATES = 100


@pytest.fixture
def server():
    """Manual clock; builds take 10 s and backups a minute, so a race is decided before anything ends."""
    config = SimulatorConfig(seed=5, bootstrap=DemoAccount(), durations=Durations(build=10.0, backup=60.0))
    with SimulatorServer(config) as srv:
        yield srv


@pytest.fixture
async def http():
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=60)
    ) as session:
        yield session


class Client:
    def __init__(self, server, http) -> None:
        self.server, self.http = server, http

    async def call(self, method: str, path: str, body=None, token: str | None = TOKEN) -> tuple[int, Any]:
        """The status and the parsed JSON body (None when the body is empty)."""
        url = self.server.url + (path if path.startswith("/_sim") else f"/v1.0/{ACCOUNT}{path}")
        async with self.http.request(method, url, json=body, headers={"X-Auth-Token": token} if token else {}) as r:
            return r.status, (await r.json() if await r.read() else None)

    async def advance(self, seconds: float) -> None:
        assert (await self.call("POST", "/_sim/clock/advance", {"seconds": seconds}))[0] == 200

    async def journal(self, route: str) -> list[dict]:
        status, body = await self.call("GET", f"/_sim/journal?account_id={ACCOUNT}&route={route}")
        assert status == 200
        return body["journal"]


def add_account(server, quotas: dict) -> None:
    server.run(lambda app: app[BACKEND].identity.create_account(ACCOUNT, token=TOKEN, settings={"quotas": quotas}))


async def source_with_backup(client: Client, name: str = "src") -> tuple[str, str]:
    """An instance holding a database and a user, and a COMPLETED full backup of it."""
    status, body = await client.call(
        "POST",
        "/instances",
        {
            "instance": {
                "name": name,
                "flavorRef": 1,
                "volume": {"size": 2},
                "databases": [{"name": "shop"}],
                "users": [{"name": "alice", "password": "pw-1", "databases": [{"name": "shop"}]}],
            }
        },
    )
    assert status == 200, body
    instance = body["instance"]["id"]
    await client.advance(10)
    status, body = await client.call("POST", "/backups", {"backup": {"name": f"{name}-full", "instance": instance}})
    assert status == 202, body
    await client.advance(120)
    return instance, body["backup"]["id"]


def model_rows(server) -> dict:
    def read(app):
        db = app[BACKEND].store.db
        return {
            "instances": [dict(r) for r in db.query("select * from instances where account_id = ?", [ACCOUNT])],
            "databases": [dict(r) for r in db.query("select * from databases")],
            "users": [dict(r) for r in db.query("select * from db_users")],
            "grants": [dict(r) for r in db.query("select * from grants")],
            "backups": [dict(r) for r in db.query("select * from backups where account_id = ?", [ACCOUNT])],
            "all_instance_ids": {r["id"] for r in db.query("select id from instances")},
            "integrity": next(db.query("pragma integrity_check"))["integrity_check"],
        }

    return server.run(read)


def assert_journal_matches(entries: list[dict], statuses: list[int]) -> None:
    """One journal entry per request, with the status the client saw."""
    assert len(entries) == len(statuses)
    assert len({e["seq"] for e in entries}) == len(entries)
    assert collections.Counter(e["status"] for e in entries) == collections.Counter(statuses)


async def test_concurrency_restores_fill_the_quota_exactly(server, http):
    client = Client(server, http)
    add_account(server, {"instances": QUOTA})
    source, backup = await source_with_backup(client)
    assert (await client.call("DELETE", f"/instances/{source}"))[0] == 202  # backups outlive their instance
    await client.advance(0)
    assert (await client.call("GET", f"/instances/{source}"))[0] == 404
    body = {
        "instance": {"name": "restored", "flavorRef": 1, "volume": {"size": 2}, "restorePoint": {"backupRef": backup}}
    }
    answers = await asyncio.gather(*(client.call("POST", "/instances", body) for _ in range(RESTORES)))
    statuses = [status for status, _ in answers]
    assert statuses.count(200) == QUOTA and statuses.count(413) == RESTORES - QUOTA, collections.Counter(statuses)
    for status, answer in answers:
        if status == 413:
            assert answer == {"overLimit": {"code": 413, "message": "Quota exceeded for resources: ['instances']."}}
        else:
            assert answer["instance"]["status"] == "BUILD"
    await client.advance(10)
    rows = model_rows(server)
    assert rows["integrity"] == "ok"
    restored = {a["instance"]["id"] for s, a in answers if s == 200}
    assert {r["id"] for r in rows["instances"]} == restored and len(rows["instances"]) == QUOTA
    assert len({r["hostname"] for r in rows["instances"]}) == QUOTA
    assert len({r["seq"] for r in rows["instances"]}) == QUOTA
    for instance in restored:  # every restore is whole: ACTIVE, with exactly the backup's contents
        status, shown = await client.call("GET", f"/instances/{instance}")
        assert status == 200 and shown["instance"]["status"] == "ACTIVE", shown
        assert (await client.call("GET", f"/instances/{instance}/databases"))[1]["databases"] == [{"name": "shop"}]
        users = (await client.call("GET", f"/instances/{instance}/users"))[1]["users"]
        assert users == [{"name": "alice", "host": "%", "databases": [{"name": "shop"}]}]
    status, listed = await client.call("GET", "/instances")
    assert {i["id"] for i in listed["instances"]} == restored
    assert_journal_matches(await client.journal("create_instance"), [*statuses, 200])  # + the source


async def test_concurrency_backup_creates_on_one_instance_one_wins(server, http):
    client = Client(server, http)
    add_account(server, {"instances": 5})
    _status, body = await client.call(
        "POST", "/instances", {"instance": {"name": "one", "flavorRef": 1, "volume": {"size": 2}}}
    )
    instance = body["instance"]["id"]
    await client.advance(10)
    answers = await asyncio.gather(
        *(
            client.call("POST", "/backups", {"backup": {"name": f"b{i}", "instance": instance}})
            for i in range(BACKUP_CREATES)
        )
    )
    statuses = [s for s, _ in answers]
    assert statuses.count(202) == 1 and statuses.count(422) == BACKUP_CREATES - 1, collections.Counter(statuses)
    busy = {
        "unprocessableEntity": {
            "code": 422,
            "message": f"Instance {instance} is not currently available for an "
            f"action to be performed (instance status was BACKUP).",
        }
    }
    assert all(a == busy for s, a in answers if s == 422)
    winner = next(a["backup"] for s, a in answers if s == 202)
    rows = model_rows(server)
    assert [(b["id"], b["status"]) for b in rows["backups"]] == [(winner["id"], "NEW")]
    assert (await client.call("GET", f"/instances/{instance}"))[1]["instance"]["status"] == "BACKUP"
    await client.advance(120)
    assert (await client.call("GET", f"/backups/{winner['id']}"))[1]["backup"]["status"] == "COMPLETED"
    assert_journal_matches(await client.journal("create_backup"), statuses)


async def test_concurrency_cascade_deletes_and_restores_interleave(server, http):
    """Deletes of a chain's middle link and of its descendants race each other and restores from every link:
    the subtree goes whole and only it; a restore either gets 404 or is built, ACTIVE with exactly its link's
    contents when its chain survived and ERROR when a link went before the build ended; another chain is
    untouched."""
    client = Client(server, http)
    add_account(server, {"instances": 200, "backups": 100})
    source, full = await source_with_backup(client)
    chain = [full]
    for i in range(4):
        status, body = await client.call("POST", f"/instances/{source}/databases", {"databases": [{"name": f"d{i}"}]})
        assert status == 202, body
        status, body = await client.call(
            "POST", "/backups", {"backup": {"name": f"inc{i}", "instance": source, "parent_id": chain[-1]}}
        )
        assert status == 202, body
        chain.append(body["backup"]["id"])
        await client.advance(120)
    _, other = await source_with_backup(client, "keep")
    doomed = chain[2:]  # inc1 and the increments built on it
    delete_targets = [doomed[-1 - i % len(doomed)] for i in range(50)]  # leaves first, then their parents
    restore_links = [(2 + i) % len(chain) for i in range(50)]  # the doomed links first
    calls = []
    for target, link in zip(delete_targets, restore_links, strict=False):
        calls.append(
            client.call(
                "POST",
                "/instances",
                {
                    "instance": {
                        "name": f"r{link}",
                        "flavorRef": 1,
                        "volume": {"size": 2},
                        "restorePoint": {"backupRef": chain[link]},
                    }
                },
            )
        )
        calls.append(client.call("DELETE", f"/backups/{target}"))
    answers = await asyncio.gather(*calls)
    restore_answers, delete_answers = answers[0::2], answers[1::2]
    assert {s for s, _ in delete_answers} <= {202, 404}
    for target in doomed:  # each link is deleted once at most; nothing deletes inc1 but its own delete
        wins = [s for t, (s, _) in zip(delete_targets, delete_answers, strict=False) if t == target].count(202)
        assert wins <= 1 and (target != doomed[0] or wins == 1)
    assert {s for s, _ in restore_answers} <= {200, 404}
    assert all(s == 200 for (s, _), link in zip(restore_answers, restore_links, strict=False) if link < 2)
    await client.advance(10)
    rows = model_rows(server)
    assert rows["integrity"] == "ok"
    assert {b["id"] for b in rows["backups"]} == {*chain[:2], other}
    outcomes: collections.Counter[str] = collections.Counter()
    for (status, answer), link in zip(restore_answers, restore_links, strict=False):
        if status != 200:
            assert answer["itemNotFound"]["code"] == 404 and link >= 2
            outcomes["404"] += 1
            continue
        instance = answer["instance"]["id"]
        shown = (await client.call("GET", f"/instances/{instance}"))[1]["instance"]
        outcomes[shown["status"]] += 1
        if link < 2:
            assert shown["status"] == "ACTIVE", shown
            names = {d["name"] for d in (await client.call("GET", f"/instances/{instance}/databases"))[1]["databases"]}
            assert names == {"shop", *(f"d{j}" for j in range(link))}, (link, names)
        else:
            assert shown["status"] == "ERROR", shown
            row = next(r for r in rows["instances"] if r["id"] == instance)
            assert row["fault"] == "Restore failed: a backup in the chain is missing or failed."
    live = rows["all_instance_ids"]
    assert not [d for d in rows["databases"] if d["instance_id"] not in live]  # no orphaned rows
    assert not [u for u in rows["users"] if u["instance_id"] not in live]
    assert (await client.call("GET", f"/backups/{other}"))[1]["backup"]["status"] == "COMPLETED"
    assert_journal_matches(await client.journal("delete_backup"), [s for s, _ in delete_answers])
    restore_entries = [
        e for e in await client.journal("create_instance") if e["request"]["body"]["instance"].get("restorePoint")
    ]
    assert_journal_matches(restore_entries, [s for s, _ in restore_answers])
    print(f"\ncascade race: deletes {collections.Counter(s for s, _ in delete_answers)}, restores {outcomes}")
