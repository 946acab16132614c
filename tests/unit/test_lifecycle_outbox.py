"""The lifecycle outbox (repos/lifecycle.py): a plain rowid table (no AUTOINCREMENT, so no sqlite_sequence write per
transition), migrated from the old table with what it held and its triggers."""

import sqlite3

from sqlite_utils import Database
from support import INSTANCE_SPEC, make_backend

from simulator.repos.lifecycle import TRIGGERS, migrations
from simulator.repos.store import MIGRATION_SETS, Store


def test_the_outbox_has_no_autoincrement_and_every_trigger():
    store = Store.open(":memory:")
    sql = store.db.conn.execute("select sql from sqlite_master where name = 'transitions'").fetchone()[0]
    assert "autoincrement" not in sql.lower()
    triggers = {r[0] for r in store.db.conn.execute("select name from sqlite_master where type = 'trigger'")}
    assert {f"transitions_{name}" for name in TRIGGERS} <= triggers


def test_a_create_and_its_build_end_are_drained_in_order_and_leave_the_outbox_empty():
    backend = make_backend()
    backend.transitions()
    created = backend.instances.create("1", INSTANCE_SPEC)
    backend.clock.advance(10)
    backend.settle()
    items = backend.transitions()
    assert [(i["resource_id"], i["before"], i["after"]) for i in items] == [
        (created["id"], None, "BUILD"),
        (created["id"], "BUILD", "ACTIVE"),
    ]
    assert backend.store.db.conn.execute("select count(*) from transitions").fetchone()[0] == 0


def test_an_old_outbox_is_migrated_with_what_it_held(tmp_path):
    path = str(tmp_path / "old.db")
    db = Database(sqlite3.connect(path, isolation_level=None))
    for migration_set in MIGRATION_SETS:
        if migration_set is not migrations:
            migration_set.apply(db)
    migrations.apply(db, stop_before="transitions_without_autoincrement")
    old = db.conn.execute("select sql from sqlite_master where name = 'transitions'").fetchone()[0]
    assert "autoincrement" in old
    db.conn.execute(
        "insert into transitions (account_id, kind, resource_id, after) values ('1', 'instance', 'i', 'BUILD')"
    )
    db.conn.close()
    store = Store.open(path)
    assert store.lifecycle.drain() == [
        {"account_id": "1", "kind": "instance", "resource_id": "i", "before": None, "after": "BUILD"}
    ]
    new = store.db.conn.execute("select sql from sqlite_master where name = 'transitions'").fetchone()[0]
    assert "autoincrement" not in new.lower()
    store.close()


def test_a_detail_seen_before_is_the_same_and_a_fresh_dict_each_time():
    store = Store.open(":memory:")
    insert = (
        "insert into transitions (account_id, kind, resource_id, after, detail) values ('1', 'instance', ?, 'BUILD', ?)"
    )
    detail = '{"replica_of": null, "restore": "full"}'
    store.db.conn.execute(insert, ["i1", detail])
    first = store.lifecycle.drain()
    first[0]["detail"]["changed"] = True  # a caller may change what it was given
    store.db.conn.execute(insert, ["i2", detail])
    second = store.lifecycle.drain()
    assert [i["detail"] for i in second] == [{"restore": "full"}]


def test_a_drain_reads_the_outbox_in_order_then_clears_it_and_with_nothing_pending_writes_nothing():
    store = Store.open(":memory:")
    conn = store.db.conn
    for resource in ("c", "a", "b"):
        conn.execute("insert into transitions (kind, resource_id) values ('instance', ?)", [resource])
    assert [item["resource_id"] for item in store.lifecycle.drain()] == ["c", "a", "b"]
    assert conn.execute("select count(*) from transitions").fetchone()[0] == 0
    before = conn.total_changes
    assert store.lifecycle.drain() == []
    assert conn.total_changes == before
