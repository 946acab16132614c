"""The request journal and the rate-limit counters."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from functools import lru_cache
from itertools import chain, repeat
from operator import add, eq, itemgetter

from sqlite_utils import Database

from simulator.repos.sql import select

#: The bytes an entry costs besides its request and response text (its other columns and SQLite's row), roughly.
ROW_OVERHEAD = 200
#: An entry's size in bytes, as SQL: as written with it (entries written before sizes were kept are measured).
ENTRY_BYTES = f"coalesce(size, coalesce(length(request), 0) + coalesce(length(response), 0) + {ROW_OVERHEAD})"
#: Columns an entry most often leaves empty: given as "" and stored as NULL. Python's sqlite3 binds None through its
#: adaptation protocol (a tuple built, a dict and two attributes looked up): ~3.5 k instructions a value, against
#: ~1.2 k for "" and SQL's nullif.
MOSTLY_EMPTY = frozenset({"rule", "action", "note", "lifecycle"})


def _entry_size(request: str | None, response: str | None) -> int:
    """An entry's size (size()) from its request and response text."""
    return len(request or "") + len(response or "") + ROW_OVERHEAD


#: Entries are written by INSERTs of this many rows each (one VALUES list a row), then of the smaller counts: SQLite
#: sets a statement up (its cursor, its statement journal, its end) once a statement, and executemany ran one per row
#: (~27 k instructions a row, ~21 k so). A few fixed counts keep the statements prepared few (sqlite3 caches them);
#: 64 rows of 15 values stay under the 999 variables an older SQLite allows a statement.
CHUNKS = (64, 16, 4, 1)


#: A column most entries leave "" (a request without a query string): when every entry of a batch does, the INSERT
#: writes '' in its text instead of binding it (the same stored value, ~1.2 k instructions less a row).
MOSTLY_BLANK = "query"


@lru_cache(maxsize=32)
def _insert_sql(columns: tuple[str, ...], all_empty: bool, count: int = 1, all_blank: bool = False) -> str:
    """The INSERT of `count` entries with these columns and their size, built once (a text made anew is hashed anew
    by the connection's statement cache); all_empty: for entries whose MOSTLY_EMPTY columns are all "", written as
    NULL by the statement's text instead of bound (the sqlite3 module binds a text as a copy, a fresh allocation
    each, and nullif is a function call a value); all_blank: for entries whose MOSTLY_BLANK column is "", written
    as '' by the text."""
    empty = "null" if all_empty else "nullif(?, '')"
    one = "(" + ", ".join(_value(column, empty, all_blank) for column in columns) + ", ?)"
    return f"insert into journal ({', '.join(columns)}, size) values {', '.join([one] * count)}"


def _value(column: str, empty: str, all_blank: bool) -> str:
    """A column's place in the INSERT's VALUES (_insert_sql)."""
    if column in MOSTLY_EMPTY:
        return empty
    return "''" if all_blank and column == MOSTLY_BLANK else "?"


def _picker(indexes: list[int]) -> Callable[[tuple], tuple]:
    """What picks these values of a row, as a tuple: itemgetter (one C call a row) for two or more."""
    if len(indexes) >= 2:
        return itemgetter(*indexes)
    return lambda row: tuple(row[i] for i in indexes)


@lru_cache(maxsize=8)
def _pickers(columns: tuple[str, ...]) -> tuple[Callable[[tuple], tuple], Callable[[tuple], object] | None]:
    """For rows in `columns` order: what picks their MOSTLY_EMPTY values, and their MOSTLY_BLANK value (None: not
    among the columns)."""
    empty = [i for i, column in enumerate(columns) if column in MOSTLY_EMPTY]
    return _picker(empty), itemgetter(columns.index(MOSTLY_BLANK)) if MOSTLY_BLANK in columns else None


@lru_cache(maxsize=16)
def _bound(columns: tuple[str, ...], all_empty: bool, all_blank: bool) -> Callable[[tuple], tuple] | None:
    """What picks the values the INSERT for all_empty and all_blank binds of a row (None: all of them)."""
    if not (all_empty or all_blank):
        return None
    return _picker(
        [i for i, column in enumerate(columns) if _value(column, "null" if all_empty else "?", all_blank) == "?"]
    )


def _write_chunks(
    conn: sqlite3.Connection, columns: tuple[str, ...], all_empty: bool, all_blank: bool, values: list[tuple]
) -> None:
    """Insert the rows' values in order, CHUNKS rows a statement."""
    start = 0
    for count in CHUNKS:
        sql = _insert_sql(columns, all_empty, count, all_blank)
        while len(values) - start >= count:
            conn.execute(sql, tuple(chain.from_iterable(values[start : start + count])))
            start += count


class JournalRepo:
    """Queries on journal entries and rate counters."""

    def __init__(self, db: Database) -> None:
        self.db = db
        #: The journal's size (size()), kept as entries come and go; None until counted, or once rows went another
        #: way (a reset, a restored snapshot: forget_size()).
        self._size: int | None = None

    def append_many(self, columns: tuple[str, ...], rows: list[tuple]) -> int:
        """Insert entries given as value tuples in `columns` order, request and response among them (one
        transaction, CHUNKS rows a statement); returns the last seq. A column of MOSTLY_EMPTY given as "" is stored
        as NULL; each entry's size (size()) is written with it. The work per row is done by C calls (map,
        itemgetter), not Python's."""
        conn = self.db.conn
        request, response = itemgetter(columns.index("request")), itemgetter(columns.index("response"))
        try:  # texts (as every journal row has): len in C
            sizes = list(
                map(ROW_OVERHEAD.__add__, map(add, map(len, map(request, rows)), map(len, map(response, rows))))
            )
        except TypeError:  # a text given as None
            sizes = [_entry_size(request(row), response(row)) for row in rows]
        if self._size is not None:
            self._size += sum(sizes)
        pick_empty, pick_blank = _pickers(columns)
        all_empty = not any(chain.from_iterable(map(pick_empty, rows)))  # "" or None each: none is bound
        all_blank = pick_blank is not None and all(map(eq, repeat(""), map(pick_blank, rows)))  # "" each, not None
        pick_bound = _bound(columns, all_empty, all_blank)
        values = list(map(add, rows if pick_bound is None else map(pick_bound, rows), zip(sizes)))
        if len(values) == 1:  # a write's entry: one statement is all or nothing by itself, and names its seq
            seq = conn.execute(_insert_sql(columns, all_empty, 1, all_blank), values[0]).lastrowid
            assert seq is not None
            return seq
        if conn.in_transaction:
            _write_chunks(conn, columns, all_empty, all_blank, values)
        else:  # one transaction for the batch: one commit, not one per entry
            conn.execute("begin")
            try:
                _write_chunks(conn, columns, all_empty, all_blank, values)
            except BaseException:
                conn.execute("rollback")
                raise
            conn.execute("commit")
        return conn.execute("select last_insert_rowid()").fetchone()[0]

    def entries(
        self,
        account_id: str | None = None,
        since: int = 0,
        limit: int | None = None,
        route: str | None = None,
        status: int | None = None,
        newest: bool = False,
        **more,
    ) -> list[dict]:
        """Entries oldest first; with newest, the newest `limit` of them, newest first. Besides the arguments, the
        filters of where(): methods, routes, statuses, status classes, path glob, until, time window, faulted."""
        where, args = self.where(account_id=account_id, since=since, route=route, status=status, **more)
        sql = f"select * from journal where {where} order by seq{' desc' if newest else ''}"
        if limit:
            sql += f" limit {int(limit)}"
        rows = list(select(self.db, sql, args))
        for row in rows:
            del row["size"]  # the journal's own bookkeeping (size()), not part of an entry
            for key in ("request", "response", "lifecycle"):
                if row.get(key):
                    row[key] = json.loads(row[key])
        return rows

    @staticmethod
    def where(
        account_id: str | None = None,
        since: int = 0,
        until: int | None = None,
        route: str | None = None,
        status: int | None = None,
        routes: tuple[str, ...] = (),
        methods: tuple[str, ...] = (),
        statuses: tuple[int, ...] = (),
        status_classes: tuple[int, ...] = (),
        path: str | None = None,
        after: str | None = None,
        before: str | None = None,
        faulted: bool | None = None,
    ) -> tuple[str, list]:
        """The SQL condition and arguments of a journal query (every filter ANDed; a list filter matches any)."""
        where: list[str] = ["seq > ?"]
        args: list = [since]
        one = {"account_id": account_id, "route": route, "status": status}
        for column, value in one.items():
            if value is not None and value != "":
                where.append(f"{column} = ?")
                args.append(value)
        for column, values in (("route", routes), ("method", methods), ("status", statuses)):
            if values:
                where.append(f"{column} in ({', '.join('?' for _ in values)})")
                args.extend(values)
        if status_classes:
            where.append(f"status / 100 in ({', '.join('?' for _ in status_classes)})")
            args.extend(status_classes)
        for sql, value in (("seq <= ?", until), ("path glob ?", path), ("time >= ?", after), ("time <= ?", before)):
            if value is not None:
                where.append(sql)
                args.append(value)
        if faulted is not None:
            where.append("rule is not null" if faulted else "rule is null")
        return " and ".join(where), args

    def count(self, **filters) -> int:
        where, args = self.where(**filters)
        return next(select(self.db, f"select count(*) as n from journal where {where}", args))["n"]

    def summaries(self, since: int = 0, until: int | None = None, limit: int = 1000) -> list[dict]:
        """The newest `limit` entries of a seq window without their request and response (near-miss search)."""
        where, args = self.where(since=since, until=until)
        sql = (
            "select seq, account_id, time, method, path, route, status, rule from journal "
            f"where {where} order by seq desc limit {int(limit)}"
        )
        return list(select(self.db, sql, args))

    def last_seq(self) -> int:
        """The seq of the newest entry (0 when empty): a mark to read what came after."""
        return next(select(self.db, "select coalesce(max(seq), 0) as n from journal"))["n"]

    def prune(self, before: int, dropping: int | None = None) -> None:
        """Drop the entries older than seq `before` (the journal keeps only its newest entries); dropping: their
        size, when the caller knows it."""
        conn = self.db.conn
        if self._size is not None:
            if dropping is None:
                query = f"select coalesce(sum({ENTRY_BYTES}), 0) from journal where seq <= ?"
                dropping = conn.execute(query, [before]).fetchone()[0]
            self._size -= dropping
        # The system SQLite here (Debian's build) has SECURE_DELETE on by default: every deleted row is
        # overwritten with zeros and every page it frees is zeroed (and, with a state file, written to the log
        # again), ~2 k instructions a pruned entry of the GET benchmark and a page's worth of memory writes. A
        # pruned entry's text is the journal's own (redacted as it was written) and the next entries reuse its
        # pages, so the prune alone goes without it; the connection's setting is put back after.
        secure = conn.execute("pragma secure_delete").fetchone()[0]
        if secure:
            conn.execute("pragma secure_delete = 0")
        try:
            conn.execute("delete from journal where seq <= ?", [before])
        finally:
            if secure:
                conn.execute(f"pragma secure_delete = {'fast' if secure == 2 else 1}")  # 2 reads back for FAST

    def size(self) -> int:
        """The entries' request and response text plus ROW_OVERHEAD each, in bytes: counted once, then kept."""
        if self._size is None:
            self._size = self.db.conn.execute(f"select coalesce(sum({ENTRY_BYTES}), 0) from journal").fetchone()[0]
        return self._size

    def forget_size(self) -> None:
        """Rows of the journal went another way than through this repository: count its size again when asked."""
        self._size = None

    def prune_to_bytes(self, budget: int) -> None:
        """Drop the oldest entries until the rest fit in budget bytes (size()); reads only the entries it drops."""
        excess = self.size() - budget
        if excess <= 0:
            return
        dropped, last = 0, 0
        # oldest first, one row at a time: only the entries dropped (and the one after) are read, not a batch of 256
        # (an entry written before sizes were kept is measured, reading its whole text)
        cursor = self.db.conn.execute(f"select seq, {ENTRY_BYTES} from journal order by seq")
        try:
            for seq, size in cursor:
                last, dropped = seq, dropped + size
                if dropped >= excess:
                    break
        finally:
            cursor.close()
        self.prune(before=last, dropping=dropped)

    def clear(self, account_id: str | None = None) -> None:
        if account_id is None:
            self.db.execute("delete from journal")
            self._size = 0
        else:
            self.db.execute("delete from journal where account_id = ?", [account_id])
            self._size = None

    def hit(self, account_id: str, limit_key: str, now: float, window: float, limit: int) -> tuple[bool, int, float]:
        """Count one request in a fixed window unless `limit` are already counted there.
        Returns (counted, count in window, window start); a refused request is not counted."""
        rows = list(
            select(
                self.db, "select * from rate_counters where account_id = ? and limit_key = ?", [account_id, limit_key]
            )
        )
        if not rows or now - rows[0]["window_start"] >= window:
            start, count = now, 0
        else:
            start, count = rows[0]["window_start"], rows[0]["count"]
        if count >= limit:
            return False, count, start
        self.db.conn.execute(
            "insert or replace into rate_counters (account_id, limit_key, window_start, count) values (?, ?, ?, ?)",
            [account_id, limit_key, start, count + 1],
        )
        return True, count + 1, start

    def counters(self, account_id: str) -> dict[str, dict]:
        return {
            r["limit_key"]: r for r in select(self.db, "select * from rate_counters where account_id = ?", [account_id])
        }

    def clear_counters(self, account_id: str | None = None) -> None:
        if account_id is None:
            self.db.execute("delete from rate_counters")
        else:
            self.db.execute("delete from rate_counters where account_id = ?", [account_id])
