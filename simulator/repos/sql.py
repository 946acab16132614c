"""Queries and writes on the hot path, straight through the connection: sqlite-utils' query() adds a savepoint, and
its Table.insert / update / get read the schema (table and view names, PRAGMA table_info) on every call."""
from __future__ import annotations

from typing import Iterator

from sqlite_utils import Database
from sqlite_utils.db import NotFoundError, jsonify_if_needed

#: Rows per multi-row INSERT (sqlite-utils' own batch size; well under SQLite's limit on bound values).
BATCH = 100


def select(db: Database, sql: str, params=()) -> Iterator[dict]:
    """The result rows as dicts (fetched at once, handed out as an iterator)."""
    cursor = db.conn.execute(sql, params)
    keys = [d[0] for d in cursor.description]
    return iter([dict(zip(keys, row)) for row in cursor.fetchall()])


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def insert(db: Database, table: str, row: dict, *, ignore: bool = False) -> None:
    """One row, as sqlite-utils' Table.insert writes it (same value conversions), in one statement."""
    insert_many(db, table, [row], ignore=ignore)


def insert_many(db: Database, table: str, rows: list[dict], *, ignore: bool = False) -> None:
    """Rows in multi-row INSERTs (a key a row lacks is NULL); all or none of them, as sqlite-utils' insert_all."""
    if not rows:
        return
    keys = list(rows[0])
    if len(rows) > 1:
        keys = list(dict.fromkeys(k for row in rows for k in row))
    columns = ", ".join(_quote(k) for k in keys)
    verb = "INSERT OR IGNORE INTO" if ignore else "INSERT INTO"
    one = "(" + ", ".join("?" for _ in keys) + ")"

    def write(chunk: list[dict]) -> None:
        values = [jsonify_if_needed(row.get(k)) for row in chunk for k in keys]
        db.conn.execute(f"{verb} {_quote(table)} ({columns}) VALUES {', '.join([one] * len(chunk))}", values)

    if len(rows) <= BATCH:  # one statement: SQLite makes it all or nothing by itself
        write(rows)
        return
    with db.atomic():
        for start in range(0, len(rows), BATCH):
            write(rows[start:start + BATCH])


def update(db: Database, table: str, pk: str, pk_value, changes: dict) -> None:
    """Set columns of the row whose primary key pk is pk_value; NotFoundError when there is no such row (as
    sqlite-utils' Table.update)."""
    if not changes:
        if db.conn.execute(f"select 1 from {_quote(table)} where {_quote(pk)} = ?", [pk_value]).fetchone() is None:
            raise NotFoundError
        return
    sets = ", ".join(f"{_quote(k)} = ?" for k in changes)
    cursor = db.conn.execute(f"update {_quote(table)} set {sets} where {_quote(pk)} = ?",
                             [*(jsonify_if_needed(v) for v in changes.values()), pk_value])
    if cursor.rowcount == 0:
        raise NotFoundError
