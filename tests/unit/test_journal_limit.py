"""The journal keeps only its newest entries, so a long-running server's memory stays flat."""

from simulator.pipeline.journal import PRUNE_EVERY, Journal
from simulator.repos.store import Store


def exchange(n: int) -> dict:
    return {
        "account_id": "1",
        "time": "t",
        "method": "GET",
        "path": f"/p{n}",
        "query": "",
        "route": "r",
        "status": 200,
        "rule": None,
        "action": None,
        "note": None,
        "duration_ms": 0.1,
        "request": {"headers": {}, "body": b""},
        "response": {"headers": {}, "body": b'{"a": 1}'},
    }


def test_journal_prunes_beyond_its_limit():
    journal = Journal(Store.open(":memory:"), limit=100)
    for n in range(PRUNE_EVERY * 2):
        journal.record(exchange(n))
    entries = journal.entries()
    assert len(entries) <= 100 + PRUNE_EVERY
    assert entries[-1]["path"] == f"/p{PRUNE_EVERY * 2 - 1}"
    assert entries[0]["seq"] > PRUNE_EVERY
