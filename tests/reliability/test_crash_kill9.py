"""kill -9 in the middle of a write load: every write answered with a 2xx is there afterwards, the state file and
the recording open cleanly."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3

import aiohttp
import pytest
import requests
from reliability.helpers import ServeProcess

from simulator.config import DemoAccount

#: Starts processes, a browser or a long generated search: left out of the fast loop.
pytestmark = pytest.mark.slow

TOKEN = DemoAccount().token or ""  # the demo account's fixed token (None only when one is asked for)
ROUNDS = 3
WORKERS = 16
#: The server is killed once this many writes of a round have been acknowledged (requests are still in flight).
KILL_AFTER = 120


async def write_load(url: str, instance: str, tag: str, kill) -> tuple[set[str], int]:
    """WORKERS clients create databases and users as fast as they can; kill() fires mid-load.
    Returns the names acknowledged with a 2xx and the number of requests sent."""
    acked: set[str] = set()
    sent = 0
    headers = {"X-Auth-Token": TOKEN}
    base = f"{url}/v1.0/1234/instances/{instance}"

    async def worker(n: int, session: aiohttp.ClientSession) -> None:
        nonlocal sent
        for i in range(10_000):
            name = f"{tag}w{n}n{i}"
            path, body = (
                ("/databases", {"databases": [{"name": name}]})
                if i % 2 == 0
                else ("/users", {"users": [{"name": name, "password": "pw-1", "databases": []}]})
            )
            sent += 1
            try:
                async with session.post(base + path, json=body, headers=headers) as resp:
                    await resp.read()
                    if 200 <= resp.status < 300:
                        acked.add(name)
                    else:
                        raise AssertionError(f"{resp.status} {await resp.text()}")
            except (aiohttp.ClientError, asyncio.TimeoutError):
                return  # the server is gone
            if len(acked) >= KILL_AFTER:
                kill()

    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=WORKERS)) as session:
        await asyncio.gather(*(worker(n, session) for n in range(WORKERS)))
    return acked, sent


def held_names(db_path) -> tuple[set[str], sqlite3.Connection]:
    """Open the state file right after the kill, as the next start would: databases and users it holds."""
    db = sqlite3.connect(db_path)
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    names = {r[0] for r in db.execute("select name from databases")} | {
        r[0] for r in db.execute("select name from db_users")
    }
    return names, db


def journaled_names(db: sqlite3.Connection) -> set[str]:
    names: set[str] = set()
    for (request,) in db.execute(
        "select request from journal where route in ('create_databases', 'create_users') and status = 202"
    ):
        body = json.loads(request)["body"]
        names.update(item["name"] for item in body.get("databases", body.get("users", [])))
    return names


def recorded_names(har_path) -> set[str]:
    """The recording parses (it is written atomically) and holds the names of the requests it recorded."""
    har = json.loads(har_path.read_text())
    names: set[str] = set()
    for entry in har["log"]["entries"]:
        text = entry["request"].get("postData", {}).get("text") or "{}"
        body = json.loads(text)
        names.update(item["name"] for item in body.get("databases", body.get("users", [])))
    return names


def test_crash_kill9_keeps_every_acknowledged_write(tmp_path):
    db_path, har = tmp_path / "state.db", tmp_path / "recording.har"
    instance = None
    all_acked: set[str] = set()
    figures = []
    for round_no in range(ROUNDS):
        server = ServeProcess("--db", str(db_path), "--time-scale", "0", "--no-rate-limits", "--record", str(har))
        try:
            headers = {"X-Auth-Token": TOKEN}
            if instance is None:
                resp = requests.post(
                    f"{server.url}/v1.0/1234/instances",
                    headers=headers,
                    timeout=10,
                    json={"instance": {"name": "crash", "flavorRef": 1, "volume": {"size": 2}}},
                )
                assert resp.status_code == 200, resp.text
                instance = resp.json()["instance"]["id"]
            for _ in range(100):
                status = requests.get(
                    f"{server.url}/v1.0/1234/instances/{instance}", headers=headers, timeout=10
                ).json()["instance"]["status"]
                if status == "ACTIVE":
                    break
            assert status == "ACTIVE"
            killed: list[bool] = []

            def kill(killed: list[bool] = killed, pid: int = server.proc.pid) -> None:
                if not killed:
                    killed.append(True)
                    os.kill(pid, signal.SIGKILL)

            acked, sent = asyncio.run(write_load(server.url, instance, f"r{round_no}", kill))
        finally:
            server.kill()
        assert killed and server.proc.returncode == -signal.SIGKILL
        held, db = held_names(db_path)
        try:
            assert acked <= held, f"acknowledged but lost: {sorted(acked - held)[:10]}"
            assert all_acked <= held, "an earlier round's writes were lost"
            assert acked <= journaled_names(db), "acknowledged but not in the journal"
        finally:
            db.close()
        assert acked <= recorded_names(har), "acknowledged but not in the recording"
        all_acked |= acked
        figures.append((sent, len(acked), len({n for n in held if n.startswith(f"r{round_no}")}) - len(acked)))
    # The restarted server opens the killed state cleanly and serves every acknowledged write.
    server = ServeProcess("--db", str(db_path), "--time-scale", "0", "--no-rate-limits")
    try:
        listed: set[str] = set()
        marker = None
        while True:
            resp = requests.get(
                f"{server.url}/v1.0/1234/instances/{instance}/databases",
                params={"marker": marker} if marker else None,
                headers={"X-Auth-Token": TOKEN},
                timeout=10,
            ).json()
            listed.update(d["name"] for d in resp["databases"])
            if "links" not in resp:
                break
            marker = resp["databases"][-1]["name"]
        assert {n for n in all_acked if int(n.rsplit("n", 1)[1]) % 2 == 0} <= listed
    finally:
        server.stop()
    print(f"\nkill -9 rounds (requests sent, acknowledged, committed but unacknowledged): {figures}")
