"""Read queries on the hot path, straight through the connection (sqlite-utils' query() adds a savepoint)."""
from __future__ import annotations

from typing import Iterator

from sqlite_utils import Database


def select(db: Database, sql: str, params=()) -> Iterator[dict]:
    """The result rows as dicts (fetched at once, handed out as an iterator)."""
    cursor = db.conn.execute(sql, params)
    keys = [d[0] for d in cursor.description]
    return iter([dict(zip(keys, row)) for row in cursor.fetchall()])
