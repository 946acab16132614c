"""The journal is bounded in bytes as well as rows: a large body is kept cut and marked, the bodies of requests
nobody authenticated for are kept short, and the oldest entries go once the byte budget is spent."""

from __future__ import annotations

import pytest
from support import ACCOUNT, TOKEN

from simulator import DemoAccount, SimulatorConfig
from simulator.keys import JOURNAL, STORE
from simulator.pipeline.journal import BODY_KEEP, UNAUTHENTICATED_KEEP
from simulator.repos.journal import ROW_OVERHEAD

MIB = 1 << 20
#: A body well over BODY_KEEP (and under the 1 MiB aiohttp's test client sends without a warning).
BIG = 600 << 10


@pytest.fixture
def sim_config() -> SimulatorConfig:
    return SimulatorConfig(
        seed=7, bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN), max_body_size=2 * MIB, journal_bytes=2 * MIB
    )


def stored_bytes(api) -> int:
    api.app[JOURNAL].flush()
    row = api.app[STORE].db.conn.execute("select sum(length(request) + length(response)) from journal").fetchone()
    return row[0] or 0


async def test_unauthenticated_requests_bodies_are_kept_short_and_marked(api):
    body = {"instance": {"name": "x" * BIG, "flavorRef": 1, "volume": {"size": 1}}}
    for _ in range(20):
        status, _, _ = await api.post("/instances", body, headers={"X-Auth-Token": "wrong"})
        assert status == 401
    entries = api.app[JOURNAL].entries(account_id=ACCOUNT)
    assert len(entries) == 20
    request = entries[0]["request"]
    assert request["truncated"] > BIG and len(request["body"]) == UNAUTHENTICATED_KEEP
    assert request["body"].startswith('{"instance": {"name": "xxx')
    assert stored_bytes(api) < 20 * 4 * UNAUTHENTICATED_KEEP


async def test_a_large_body_of_an_authenticated_call_is_kept_cut_and_the_answer_echoing_it_too(api):
    status, _, _ = await api.post(
        "/instances", {"instance": {"name": "x" * BIG, "flavorRef": 1, "volume": {"size": 1}}}
    )
    assert status == 400
    entry = api.app[JOURNAL].entries(account_id=ACCOUNT)[-1]
    for side in ("request", "response"):
        assert len(entry[side]["body"]) == BODY_KEEP and entry[side]["truncated"] > BIG, side
    small = (await api.get("/flavors"))[1]
    entry = api.app[JOURNAL].entries(account_id=ACCOUNT)[-1]
    assert entry["response"]["body"] == small and "truncated" not in entry["response"]


async def test_the_oldest_entries_go_once_the_byte_budget_is_spent(api):
    name = "y" * (60 << 10)  # under BODY_KEEP: kept whole
    for n in range(200):
        await api.post("/instances", {"instance": {"name": f"{n}{name}", "flavorRef": 1, "volume": {"size": 1}}})
    assert stored_bytes(api) <= 2 * MIB * 9 // 8 + 2 * (BODY_KEEP + 4096)
    entries = api.app[JOURNAL].entries(account_id=ACCOUNT)
    assert 10 < len(entries) < 200  # each entry holds the name twice (request and answer): ~120 KiB
    assert entries[-1]["request"]["body"]["instance"]["name"].startswith("199")


async def test_the_journal_size_counter_matches_its_rows_after_writes_prunes_and_resets(api):
    """The budget is kept by a counter the triggers keep (not by scanning the journal): it must never drift."""
    name = "z" * (40 << 10)
    for n in range(80):
        await api.post("/instances", {"instance": {"name": f"{n}{name}", "flavorRef": 1, "volume": {"size": 1}}})
        await api.get("/flavors")
    repo = api.app[STORE].journal
    api.app[JOURNAL].flush()
    assert repo.size() == stored_bytes(api) + ROW_OVERHEAD * len(api.app[JOURNAL].entries())
    api.app[JOURNAL].clear(ACCOUNT)
    api.app[STORE].state.wipe()
    await api.get("/flavors")
    api.app[JOURNAL].flush()
    assert repo.size() == stored_bytes(api) + ROW_OVERHEAD * len(api.app[JOURNAL].entries()) > 0
