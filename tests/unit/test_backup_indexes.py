"""Every query BackupsRepo runs searches an index (the smaller partial indexes still serve the running-backup and
chain queries), checked with EXPLAIN QUERY PLAN on the statements the repo really sends, parameters bound."""

import sqlite3
from typing import cast

import pytest

from simulator.repos.backups import BackupsRepo
from simulator.repos.store import Store


class Recorder:
    """Stands in for the connection: notes each statement and its parameters, then runs it."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.seen: list[tuple[str, list]] = []

    def execute(self, sql, params=()):
        self.seen.append((sql, list(params)))
        return self.conn.execute(sql, params)

    def __getattr__(self, name):
        return getattr(self.conn, name)


CALLS = {
    "next_seq": lambda r: r.next_seq(),
    "exists": lambda r: r.exists("backups", "b1"),
    "get": lambda r: r.get("1234", "b1"),
    "get_any": lambda r: r.get_any("b1"),
    "page": lambda r: r.page("1234", 0, 20),
    "count": lambda r: r.count("1234"),
    "running_for": lambda r: r.running_for({"i1", "i2"}),
    "running_of_instance": lambda r: r.running_of_instance("i1"),
    "running_of_schedule": lambda r: r.running_of_schedule("s1"),
    "children": lambda r: r.children("b1"),
    "newest_completed": lambda r: r.newest_completed("i1", automated_only=True),
    "automated_fulls": lambda r: r.automated_fulls("i1"),
    "next_due": lambda r: r.next_due(),
    "first_due": lambda r: r.first_due(1e12),
    "fail_running_of_instance": lambda r: r.fail_running_of_instance("i1", "2024-01-01T00:00:00"),
    "delete": lambda r: r.delete(["b1"]),
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_backups_repo_query_searches_an_index(call):
    store = Store.open(":memory:")
    recorder = Recorder(store.db.conn)
    store.db.conn = cast(sqlite3.Connection, recorder)  # a stand-in that runs each statement on the connection
    CALLS[call](BackupsRepo(store.db))
    assert recorder.seen, call
    for sql, params in recorder.seen:
        plan = [row[3] for row in recorder.conn.execute("explain query plan " + sql, params)]
        assert any(step.startswith("SEARCH") for step in plan), (sql, plan)
        assert not any(step.startswith("SCAN backups") for step in plan), (sql, plan)


def test_backups_status_and_parent_indexes_hold_only_running_and_incremental_rows():
    store = Store.open(":memory:")
    indexes = {
        row[0]: row[1]
        for row in store.db.execute("select name, sql from sqlite_master where type = 'index' and tbl_name = 'backups'")
    }
    assert "idx_backups_status" not in indexes and "idx_backups_parent_id" not in indexes
    assert "where status in ('NEW', 'BUILDING')" in indexes["idx_backups_running"]
    assert "where parent_id is not null" in indexes["idx_backups_parent"]


def test_next_backup_due_time_is_one_seek_of_its_index_without_a_temporary_table():
    """The due-times statement runs twice a write: its backups part reads backups_due_at, and nothing in its program
    opens an ephemeral table (an IN list used to seek an index builds one on every run)."""
    store = Store.open(":memory:")
    conn = store.db.conn
    plan = [row[3] for row in conn.execute("explain query plan " + BackupsRepo.NEXT_DUE)]
    assert plan == ["SEARCH backups USING INDEX backups_due_at"], plan
    opcodes = {row[1] for row in conn.execute("explain " + BackupsRepo.NEXT_DUE)}
    assert "OpenEphemeral" not in opcodes


@pytest.mark.parametrize("seed", range(5))
def test_next_backup_due_time_is_the_earliest_running_step(seed):
    """NEW backups are due at building_at, BUILDING ones at completed_at; every other status is not due, whatever
    its times say (the same answer as reading the running backups one by one)."""
    import random

    rng = random.Random(seed)
    store = Store.open(":memory:")
    rows = []
    for n in range(40):
        status = rng.choice(["NEW", "BUILDING", "COMPLETED", "FAILED", "DELETE_FAILED"])
        times = [rng.choice([None, rng.uniform(0, 1000)]) for _ in range(2)]
        rows.append((f"b{n}", status, *times))
        store.db.execute(
            "insert into backups (id, account_id, name, backup_type, status, building_at, completed_at) "
            "values (?, '1234', 'b', 'InnoBackupEx', ?, ?, ?)",
            rows[-1],
        )
        expected = min(
            (t for _, s, b, c in rows if s in ("NEW", "BUILDING") for t in [b if s == "NEW" else c] if t is not None),
            default=None,
        )
        assert BackupsRepo(store.db).next_due() == expected
