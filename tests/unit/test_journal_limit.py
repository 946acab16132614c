"""The journal keeps only its newest entries, so a long-running server's memory stays flat."""

from simulator.pipeline.journal import PRUNE_EVERY, Journal
from simulator.repos.journal import ENTRY_BYTES
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


def test_the_byte_budget_drops_exactly_the_oldest_entries_over_it_however_many():
    """prune_to_bytes measures the oldest entries one at a time (an entry's size reads its whole text): 600 at once
    (more than any batch it once read) go, and not one more."""
    store = Store.open(":memory:")
    journal = Journal(store)
    for n in range(1000):
        journal.record(exchange(n))
    repo = store.journal
    sizes = [row[0] for row in store.db.execute(f"select {ENTRY_BYTES} from journal order by seq").fetchall()]
    budget = sum(sizes[600:])  # room for the newest 400 exactly
    repo.prune_to_bytes(budget)
    entries = journal.entries()
    assert [e["path"] for e in (entries[0], entries[-1])] == ["/p600", "/p999"] and len(entries) == 400
    assert repo.size() == budget
    repo.prune_to_bytes(budget)  # within the budget: nothing goes
    assert len(journal.entries()) == 400


def test_a_prune_leaves_the_connections_secure_delete_setting_as_it_found_it():
    """The prune drops old entries without SQLite's secure delete (their text is the journal's, already redacted);
    every other delete keeps whatever the connection had."""
    store = Store.open(":memory:")
    journal = Journal(store, limit=100)
    for setting, name in ((1, "on"), (0, "off"), (2, "fast")):
        store.db.execute(f"pragma secure_delete = {name}")
        for n in range(PRUNE_EVERY):
            journal.record(exchange(n))
        assert store.db.execute("pragma secure_delete").fetchone()[0] == setting
        assert journal.count() <= 100 + PRUNE_EVERY
