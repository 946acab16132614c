"""The repos' direct writes (repos/sql.py) store exactly what sqlite-utils' Table.insert / insert_all / update did."""

import datetime as dt
import sqlite3

import pytest
from sqlite_utils import Database
from sqlite_utils.db import NotFoundError

from simulator.repos import sql


def make_db() -> Database:
    db = Database(sqlite3.connect(":memory:", isolation_level=None))
    for name in ("mine", "theirs"):
        db.table(name).create({"id": str, "n": int, "data": str, "at": str}, pk="id")
    return db


def rows(db: Database, table: str) -> list[tuple]:
    return db.execute(f"select rowid, * from {table} order by rowid").fetchall()


def test_insert_many_writes_the_rows_sqlite_utils_writes():
    db = make_db()
    batch = [
        {"id": f"r{i}", "n": i, "data": {"k": [i, "é"]}, "at": dt.datetime(2024, 1, 2, 3, 4, 5)} for i in range(250)
    ] + [{"id": "short", "n": 1}]
    sql.insert_many(db, "mine", batch)
    db.table("theirs").insert_all(batch)
    assert rows(db, "mine") == rows(db, "theirs")
    sql.insert(db, "mine", {"id": "one", "n": 7})
    db.table("theirs").insert({"id": "one", "n": 7})
    assert rows(db, "mine") == rows(db, "theirs")


def test_insert_many_ignore_skips_existing_rows():
    db = make_db()
    sql.insert(db, "mine", {"id": "a", "n": 1})
    sql.insert_many(db, "mine", [{"id": "a", "n": 2}, {"id": "b", "n": 3}], ignore=True)
    assert db.execute("select id, n from mine order by id").fetchall() == [("a", 1), ("b", 3)]


def test_insert_many_over_several_statements_is_all_or_nothing():
    db = make_db()
    batch = [{"id": f"r{i}", "n": i} for i in range(sql.BATCH + 5)] + [{"id": "r0", "n": 0}]
    with pytest.raises(sqlite3.IntegrityError):
        sql.insert_many(db, "mine", batch)
    assert db.execute("select count(*) from mine").fetchone()[0] == 0


def test_update_sets_columns_and_refuses_a_missing_row():
    db = make_db()
    sql.insert(db, "mine", {"id": "a", "n": 1, "data": "x"})
    sql.update(db, "mine", "id", "a", {"n": 5, "data": None})
    assert db.execute("select n, data from mine").fetchone() == (5, None)
    with pytest.raises(NotFoundError):
        sql.update(db, "mine", "id", "missing", {"n": 1})
    with pytest.raises(NotFoundError):
        sql.update(db, "mine", "id", "missing", {})
