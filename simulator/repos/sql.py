"""Queries and writes on the hot path, straight through the connection: sqlite-utils' query() adds a savepoint, and
its Table.insert / update / get read the schema (table and view names, PRAGMA table_info) on every call."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from sqlite_utils import Database
from sqlite_utils.db import NotFoundError, jsonify_if_needed

#: Rows per multi-row INSERT (sqlite-utils' own batch size; well under SQLite's limit on bound values).
BATCH = 100


def select(db: Database, sql: str, params=()) -> Iterator[dict]:
    """The result rows as dicts (fetched at once, handed out as an iterator)."""
    cursor = db.conn.execute(sql, params)
    keys = [d[0] for d in cursor.description]
    return iter([dict(zip(keys, row, strict=True)) for row in cursor.fetchall()])


#: Values SQLite takes as they are; anything else goes through sqlite-utils' conversion (JSON, ISO dates, ...).
_PLAIN = (str, int, float, type(None))


def _value(value):
    return value if type(value) in _PLAIN else jsonify_if_needed(value)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@lru_cache(maxsize=256)
def insert_sql(table: str, keys: tuple[str, ...], count: int, ignore: bool) -> str:
    """The text of an INSERT of count rows (the same few shapes recur, so each is built once)."""
    one = "(" + ", ".join("?" for _ in keys) + ")"
    verb = "INSERT OR IGNORE INTO" if ignore else "INSERT INTO"
    return f"{verb} {_quote(table)} ({', '.join(_quote(k) for k in keys)}) VALUES {', '.join([one] * count)}"


@lru_cache(maxsize=256)
def _update_sql(table: str, pk: str, keys: tuple[str, ...]) -> str:
    return f"update {_quote(table)} set {', '.join(f'{_quote(k)} = ?' for k in keys)} where {_quote(pk)} = ?"


def insert(db: Database, table: str, row: dict, *, ignore: bool = False) -> None:
    """One row, as sqlite-utils' Table.insert writes it (same value conversions), in one statement."""
    insert_many(db, table, [row], ignore=ignore)


def insert_many(db: Database, table: str, rows: list[dict], *, ignore: bool = False) -> None:
    """Rows in multi-row INSERTs (a key a row lacks is NULL); all or none of them, as sqlite-utils' insert_all."""
    if not rows:
        return
    keys = tuple(rows[0])
    if len(rows) > 1:
        keys = tuple(dict.fromkeys(k for row in rows for k in row))

    def write(chunk: list[dict]) -> None:
        values = [v if type(v) in _PLAIN else jsonify_if_needed(v) for row in chunk for v in map(row.get, keys)]
        db.conn.execute(insert_sql(table, keys, len(chunk), ignore), values)

    if len(rows) <= BATCH:  # one statement: SQLite makes it all or nothing by itself
        write(rows)
        return
    with db.atomic():
        for start in range(0, len(rows), BATCH):
            write(rows[start : start + BATCH])


def update(db: Database, table: str, pk: str, pk_value, changes: dict) -> None:
    """Set columns of the row whose primary key pk is pk_value; NotFoundError when there is no such row (as
    sqlite-utils' Table.update)."""
    if not changes:
        if db.conn.execute(f"select 1 from {_quote(table)} where {_quote(pk)} = ?", [pk_value]).fetchone() is None:
            raise NotFoundError
        return
    cursor = db.conn.execute(_update_sql(table, pk, tuple(changes)), [*map(_value, changes.values()), pk_value])
    if cursor.rowcount == 0:
        raise NotFoundError
