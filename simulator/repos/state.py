"""Whole-store and per-account row sets (reset, snapshot, restore), read from the schema so every feature's tables
take part without registering."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlite_utils import Database

#: Tables that describe the database itself, not the simulated world: never wiped, never in an account's rows.
KEEP = ("meta",)
#: A row belongs to the account ?1 in any region: its account_id is the account, or the account's scope in another
#: region ("<account>@<REGION>", simulator/regions.py), which sorts between "<account>@" and "<account>A".
OWNED = "(account_id = ?1 or (account_id > ?1 || '@' and account_id < ?1 || 'A'))"


class StateRepo:
    """Finds which rows belong to an account: its own table row, rows with its account_id, and rows whose
    `<thing>_id` points into a table `<thing>s` that has an account_id (databases via instance_id, ...)."""

    def __init__(self, db: Database, rows_replaced: Callable[[], None] = lambda: None) -> None:
        self.db = db
        #: Called after rows were removed or put back wholesale (repositories that keep a summary recount it).
        self.rows_replaced = rows_replaced
        self._scopes: dict[str, tuple[str, int]] | None = None

    def tables(self) -> list[str]:
        """The simulated world's tables (not sqlite's, not the migrations', not meta)."""
        return [t for t in self.db.table_names() if not t.startswith(("_", "sqlite_")) and t not in KEEP]

    def scopes(self) -> dict[str, tuple[str, int]]:
        """table -> (SQL condition on one `?1` account id, depth): depth 1 rows point at depth 0 rows."""
        if self._scopes is None:
            columns = {t: set(self.db[t].columns_dict) for t in self.tables()}
            direct = {t for t, cols in columns.items() if "account_id" in cols}
            scopes: dict[str, tuple[str, int]] = {"accounts": ("id = ?1", 0)} if "accounts" in columns else {}
            for table in direct:
                scopes[table] = (OWNED, 0)
            for table, cols in columns.items():
                if table in scopes:
                    continue
                for col in sorted(cols):
                    parent = col[:-3] + "s" if col.endswith("_id") else None
                    if parent in direct:
                        scopes[table] = (f"[{col}] in (select id from [{parent}] where {OWNED})", 1)
                        break
            self._scopes = scopes
        return self._scopes

    def _tables_of_account(self, exclude: tuple[str, ...]) -> list[tuple[str, str]]:
        """(table, condition), pointing rows first, so a delete still finds them through their parents."""
        scopes = self.scopes()
        chosen = [(t, s) for t, s in scopes.items() if t not in exclude]
        return [(t, cond) for t, (cond, _) in sorted(chosen, key=lambda item: (-item[1][1], item[0]))]

    def account_rows(self, account_id: str, exclude: tuple[str, ...] = ()) -> dict[str, list[dict]]:
        """Every row of the account, by table."""
        return {
            t: list(self.db.query(f"select * from [{t}] where {cond}", [account_id]))
            for t, cond in self._tables_of_account(exclude)
        }

    @contextmanager
    def _not_transitions(self) -> Iterator[None]:
        """Rows removed or put back wholesale are not lifecycle transitions: forget what the triggers wrote
        (repos/lifecycle.py)."""
        mark = next(self.db.query("select coalesce(max(seq), 0) as n from transitions"))["n"]
        try:
            yield
        finally:
            self.rows_replaced()
        self.db.execute("delete from transitions where seq > ?", [mark])

    def delete_account_rows(self, account_id: str, exclude: tuple[str, ...] = ()) -> int:
        """Delete every row of the account (but those of the excluded tables); returns how many."""
        deleted = 0
        with self._not_transitions():
            for table, cond in self._tables_of_account(exclude):
                deleted += self.db.execute(f"delete from [{table}] where {cond}", [account_id]).rowcount
        return deleted

    def replace_account_rows(self, account_id: str, rows: dict[str, list[dict]]) -> None:
        """Make the account hold exactly rows in the tables rows names."""
        with self._not_transitions():
            for table, cond in self._tables_of_account(()):
                if table in rows:
                    self.db.execute(f"delete from [{table}] where {cond}", [account_id])
            for table, items in rows.items():
                if items:
                    self.db.table(table).insert_all(items)

    def columns(self, exclude: tuple[str, ...] = ()) -> dict[str, dict[str, str]]:
        """table -> column -> its declared SQLite type (TEXT, INTEGER, REAL), for the world's tables."""
        return {t: {c.name: c.type.upper() for c in self.db[t].columns} for t in self.tables() if t not in exclude}

    def all_rows(self, exclude: tuple[str, ...] = ()) -> dict[str, list[dict]]:
        """Every row of the world's tables (but the excluded), by table."""
        return {t: list(self.db.query(f"select * from [{t}]")) for t in self.tables() if t not in exclude}

    def account_tables(self, exclude: tuple[str, ...] = ()) -> list[str]:
        """The tables that hold rows of accounts (directly or through a parent row)."""
        return [t for t, _ in self._tables_of_account(exclude)]

    def replace_all(self, rows: dict[str, list[dict]]) -> None:
        """Make the named tables hold exactly rows (the caller runs it in a transaction)."""
        with self._not_transitions():
            for table in rows:
                self.db.execute(f"delete from [{table}]")
            for table, items in rows.items():
                if items:
                    self.db.table(table).insert_all(items)

    def wipe(self) -> None:
        """Delete every row of the simulated world (the schema and meta stay)."""
        with self._not_transitions():
            for table in self.tables():
                self.db.execute(f"delete from [{table}]")

    def rows_by_scope(self, account_id: str, tables: tuple[str, ...]) -> dict[str, dict[str, int]]:
        """scope -> table -> how many rows of these tables the account holds in that scope (its regions)."""
        out: dict[str, dict[str, int]] = {}
        for table in tables:
            query = f"select account_id, count(*) as n from [{table}] where {OWNED} group by account_id"
            for row in self.db.query(query, [account_id]):
                out.setdefault(row["account_id"], {})[table] = row["n"]
        return out

    def has_rows(self, account_id: str) -> bool:
        """Whether anything of the account is left."""
        return any(
            next(self.db.query(f"select exists(select 1 from [{t}] where {cond}) as x", [account_id]))["x"]
            for t, cond in self._tables_of_account(())
        )
