"""Deferred journal entries (reads of the API) are written in batches, yet every reader sees them in order."""

import asyncio

from simulator.pipeline import journal as journal_module
from simulator.pipeline.journal import BATCH, FLUSH_AFTER, Journal, part_json
from simulator.repos.journal import ROW_OVERHEAD
from simulator.repos.store import Store


def exchange(n: int, method: str = "GET") -> dict:
    return {
        "account_id": "1",
        "time": "t",
        "method": method,
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


def stored(journal: Journal) -> list[str]:
    return [row["path"] for row in journal.store.journal.entries()]


async def test_deferred_entries_wait_but_every_read_of_the_journal_sees_them():
    journal = Journal(Store.open(":memory:"))
    journal.record(exchange(1), defer=True)
    journal.record(exchange(2), defer=True)
    assert stored(journal) == []  # still waiting for the batch
    assert [e["path"] for e in journal.entries()] == ["/p1", "/p2"]


async def test_an_entry_written_at_once_follows_the_deferred_ones():
    journal = Journal(Store.open(":memory:"))
    journal.record(exchange(1), defer=True)
    assert stored(journal) == []
    seq = journal.record(exchange(2, "POST"))
    assert stored(journal) == ["/p1", "/p2"]
    assert seq == journal.store.journal.last_seq()


async def test_a_full_batch_is_written_at_once():
    journal = Journal(Store.open(":memory:"))
    for n in range(BATCH):
        journal.record(exchange(n), defer=True)
    assert len(stored(journal)) == BATCH and journal.pending == []


async def test_deferred_entries_are_written_shortly_after_on_a_running_loop():
    journal = Journal(Store.open(":memory:"))
    journal.record(exchange(1), defer=True)
    assert stored(journal) == []
    await asyncio.sleep(FLUSH_AFTER * 3)
    assert stored(journal) == ["/p1"]


def test_a_rendered_json_body_is_kept_as_it_is_unless_it_may_hold_a_secret():
    assert part_json({}, b'{"a": 1}', is_json=True) == '{"headers": {}, "body": {"a": 1}}'
    masked = part_json({}, b'{"user": {"password": "hunter2"}}', is_json=True)
    assert "hunter2" not in masked and "***" in masked


def test_a_body_known_secret_free_is_kept_as_it_is_without_looking_for_secrets(monkeypatch):
    def no_look(raw):
        raise AssertionError("looked for secrets in a body known to hold none")

    monkeypatch.setattr(journal_module, "may_hold_secret", no_look)
    assert part_json({}, b'{"a": 1}', is_json=True, secret_free=True) == '{"headers": {}, "body": {"a": 1}}'


def test_without_an_event_loop_a_deferred_entry_is_written_at_once():
    journal = Journal(Store.open(":memory:"))
    journal.record(exchange(1), defer=True)
    assert stored(journal) == ["/p1"]


def test_an_entry_without_rule_action_note_or_lifecycle_keeps_them_null_and_a_faulted_one_keeps_them():
    journal = Journal(Store.open(":memory:"))
    journal.record(exchange(1))
    journal.record({**exchange(2), "rule": "r1", "action": "status 503", "note": "n", "lifecycle": [{"after": "X"}]})
    plain, faulted = journal.entries()
    assert (plain["rule"], plain["action"], plain["note"], plain["lifecycle"]) == (None, None, None, None)
    assert (faulted["rule"], faulted["action"], faulted["note"]) == ("r1", "status 503", "n")
    assert faulted["lifecycle"] == [{"after": "X"}]
    assert [e["path"] for e in journal.entries(faulted=False)] == ["/p1"]
    assert "size" not in plain  # the journal's bookkeeping, not part of an entry


def test_each_entry_is_written_with_its_size_and_a_recount_agrees():
    journal = Journal(Store.open(":memory:"))
    for n in range(5):
        journal.record(exchange(n))
    repo = journal.store.journal
    kept = repo.size()
    repo.forget_size()
    assert repo.size() == kept
    sizes = journal.store.db.execute("select size, length(request) + length(response) from journal").fetchall()
    assert all(size == texts + ROW_OVERHEAD for size, texts in sizes)


async def test_a_batch_mixing_plain_and_faulted_entries_keeps_each_ones_fields_and_size():
    journal = Journal(Store.open(":memory:"))
    faulted = {**exchange(2), "rule": "r1", "action": "status 503", "note": "n", "lifecycle": [{"after": "X"}]}
    for one in (exchange(1), faulted, exchange(3)):
        journal.record(one, defer=True)
    assert stored(journal) == []
    journal.flush()  # one batch with a faulted entry in it: every entry's empty fields bound as ""
    journal.record(exchange(4), defer=True)
    journal.record(exchange(5), defer=True)
    journal.flush()  # one of plain entries only: their empty fields written as NULL by the statement
    entries = journal.entries()
    fields = [(e["path"], e["rule"], e["action"], e["note"], e["lifecycle"]) for e in entries]
    assert fields == [
        ("/p1", None, None, None, None),
        ("/p2", "r1", "status 503", "n", [{"after": "X"}]),
        ("/p3", None, None, None, None),
        ("/p4", None, None, None, None),
        ("/p5", None, None, None, None),
    ]
    sizes = journal.store.db.execute("select size, length(request) + length(response) from journal").fetchall()
    assert all(size == texts + ROW_OVERHEAD for size, texts in sizes)


def test_a_batch_of_any_size_is_written_whole_and_in_order_and_names_its_last_seq():
    repo = Store.open(":memory:").journal
    columns = ("path", "status", "rule", "request", "response")
    for count in (87, 1, 150):  # chunks of 64, 16, 4 and 1 rows
        start = repo.last_seq()
        rows = [(f"/p{start + n}", 200, "r" if n == 5 else "", "{}", "[]") for n in range(count)]
        assert repo.append_many(columns, rows) == start + count
    entries = repo.entries()
    assert [e["seq"] for e in entries] == list(range(1, 239))
    assert [e["path"] for e in entries] == [f"/p{n}" for n in range(238)]
    assert [e["seq"] for e in entries if e["rule"] is not None] == [6, 88 + 6]
    assert repo.size() == 238 * (4 + ROW_OVERHEAD)


def test_empty_fields_given_as_none_are_stored_as_null_like_empty_texts():
    repo = Store.open(":memory:").journal
    columns = ("path", "rule", "action", "request", "response")
    repo.append_many(columns, [("/a", None, None, "{}", None), ("/b", None, None, None, "[]")])
    repo.append_many(columns, [("/c", None, "", "{}", "[]"), ("/d", "r", None, "{}", "[]")])
    fields = [(e["path"], e["rule"], e["action"]) for e in repo.entries()]
    assert fields == [("/a", None, None), ("/b", None, None), ("/c", None, None), ("/d", "r", None)]
    assert repo.size() == 4 * ROW_OVERHEAD + 2 + 2 + 4 + 4


def test_a_query_string_is_stored_as_given_whether_the_batch_has_none_blank_or_set():
    repo = Store.open(":memory:").journal
    columns = ("path", "query", "rule", "request", "response")
    batches = (
        [("/a", "", "", "{}", "[]"), ("/b", "", "", "{}", "[]")],  # every query blank: '' written by the statement
        [("/c", "", "r", "{}", "[]"), ("/d", "", "", "{}", "[]")],  # the same with a rule bound
        [("/e", "", "", "{}", "[]"), ("/f", None, "", "{}", "[]"), ("/g", "limit=1", "", "{}", "[]")],
        [("/h", "", "", "{}", "[]")],  # one entry: its own statement
    )
    for rows in batches:
        repo.append_many(columns, rows)
    stored = repo.db.execute("select path, query, typeof(query), rule from journal order by seq").fetchall()
    assert stored == [
        ("/a", "", "text", None),
        ("/b", "", "text", None),
        ("/c", "", "text", "r"),
        ("/d", "", "text", None),
        ("/e", "", "text", None),
        ("/f", None, "null", None),
        ("/g", "limit=1", "text", None),
        ("/h", "", "text", None),
    ]
