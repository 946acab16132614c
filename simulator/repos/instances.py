"""Instances and what lives on them: databases, database users and their grants."""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database

from simulator.repos import sql
from simulator.repos.sql import select

#: A user's sort key, name@host, as SQL (the users page is ordered by it; the db_users_page index holds it).
USER_KEY = "(name || '@' || host)"

#: What ending an instance's task reads of its row (a settle step read all 23 columns into a dict: ~40 k
#: instructions of a restore's build end).
DUE_COLUMNS = ("id", "account_id", "task", "task_until", "task_data", "replica_of")
#: Along the instances_due index (task_until, seq): no sort.
FIRST_DUE = (
    f"select {', '.join(DUE_COLUMNS)} from instances where task_until is not null and task_until <= ? "
    "order by task_until, seq limit 1"
)


class InstancesRepo:
    """Queries on instances, databases, db_users and grants."""

    #: When the next instance task ends (one scalar: Backend.settle reads every settler's in one statement).
    NEXT_DUE = "select min(task_until) from instances where task_until is not null"

    def __init__(self, db: Database) -> None:
        self.db = db

    # instances -------------------------------------------------------------------------------
    def insert(self, row: dict) -> None:
        sql.insert(self.db, "instances", row)

    def get(self, account_id: str, instance_id: str) -> dict | None:
        rows = list(
            select(self.db, "select * from instances where account_id = ? and id = ?", [account_id, instance_id])
        )
        return rows[0] if rows else None

    def get_any(self, instance_id: str) -> dict | None:
        """An instance of any account (model faults and the control plane name instances by id alone)."""
        rows = list(select(self.db, "select * from instances where id = ?", [instance_id]))
        return rows[0] if rows else None

    def exists(self, instance_id: str) -> bool:
        """Is this id used by any account's instance (ids must stay unique after a reseed)?"""
        return self.db.conn.execute("select 1 from instances where id = ?", [instance_id]).fetchone() is not None

    def page(
        self, account_id: str, limit: int, marker: str | None, include_replicas: bool = True, include_ha: bool = True
    ) -> list[dict]:
        """Up to limit+1 instances after marker, ordered by id (the extra row says a next page exists); replicas
        and HA nodes left out when asked."""
        where = (
            "account_id = ?"
            + ("" if include_replicas else " and replica_of is null")
            + ("" if include_ha else " and ha_id is null")
        )
        if marker:
            sql = f"select * from instances where {where} and id > ? order by id limit ?"
            args = [account_id, marker, limit + 1]
        else:
            sql = f"select * from instances where {where} order by id limit ?"
            args = [account_id, limit + 1]
        return list(select(self.db, sql, args))

    def count_live(self, account_id: str) -> int:
        """Instances that count against the quota (those being deleted do not)."""
        # Two index-only counts (account_id, task) instead of a scan of the account's rows.
        total = self.db.execute("select count(*) from instances where account_id = ?", [account_id]).fetchone()[0]
        leaving = self.db.execute(
            "select count(*) from instances where account_id = ? and task = 'SHUTDOWN'", [account_id]
        ).fetchone()[0]
        return total - leaving

    def live_at_least(self, account_id: str, n: int) -> bool:
        """count_live(account_id) >= n, without counting the whole account: a table whose rowids span fewer than n
        values has fewer than n rows, and otherwise counting stops at the n-th live instance."""
        if n <= 0:
            return True
        low, high = self.db.execute(
            "select (select min(rowid) from instances), "  # two lookups, not one scan
            "(select max(rowid) from instances)"
        ).fetchone()
        if high is None or high - low + 1 < n:
            return False
        found = self.db.execute(
            "select count(*) from (select 1 from instances where account_id = ? and task is not 'SHUTDOWN' limit ?)",
            [account_id, n],
        ).fetchone()[0]
        return found >= n

    def first_due(self, now: float) -> dict | None:
        """The instance whose running task ended first, at or before now, with DUE_COLUMNS only (what ending a task
        reads of it: Instances.settle_one, Replication.task_ended)."""
        found = self.db.conn.execute(FIRST_DUE, [now]).fetchone()
        return dict(zip(DUE_COLUMNS, found, strict=True)) if found else None

    def next_due(self) -> float | None:
        return self.db.conn.execute(self.NEXT_DUE).fetchone()[0]

    def update(self, instance_id: str, changes: dict) -> None:
        sql.update(self.db, "instances", "id", instance_id, changes)

    def delete(self, instance_id: str) -> None:
        """Remove an instance and everything on it."""
        for table in ("grants", "db_users", "databases"):
            self.db.execute(f"delete from {table} where instance_id = ?", [instance_id])
        self.db.execute("delete from instances where id = ?", [instance_id])

    def next_seq(self) -> int:
        return self.db.conn.execute("select coalesce(max(seq), 0) + 1 from instances").fetchone()[0]

    def fresh_id_and_seq(self, draw: Callable[[], str]) -> tuple[str, int]:
        """An id from draw() that no instance has (drawn again while taken: ids must stay unique after a reseed)
        and next_seq(), asked in one statement."""
        while True:
            candidate = draw()
            taken, seq = self.db.conn.execute(
                "select exists(select 1 from instances where id = ?), "
                "(select coalesce(max(seq), 0) + 1 from instances)",
                [candidate],
            ).fetchone()
            if not taken:
                return candidate, seq

    # databases -------------------------------------------------------------------------------
    def databases(self, instance_id: str) -> list[dict]:
        """Every database of the instance (each row), in name order."""
        return list(select(self.db, "select * from databases where instance_id = ? order by name", [instance_id]))

    def database_page(self, instance_id: str, limit: int, marker: str | None = None) -> list[str]:
        """Up to limit+1 database names after marker, in name order (the extra one says a next page exists): the
        names alone, as tuples, along the primary key (a page of 100 as dicts of every column cost 4x as much)."""
        sql, args = "select name from databases where instance_id = ?", [instance_id]
        if marker:
            sql += " and name > ?"
            args.append(marker)
        rows = self.db.conn.execute(sql + " order by name limit ?", [*args, limit + 1]).fetchall()
        return [name for (name,) in rows]

    def database_names(self, instance_id: str, among: list[str] | None = None) -> set[str]:
        """The instance's database names; with `among`, only those of them it holds (primary-key lookups, so the
        cost does not grow with the instance's other databases)."""
        if among is None:
            rows = select(self.db, "select name from databases where instance_id = ?", [instance_id])
        elif not among:
            return set()
        else:
            names = sorted(set(among))
            rows = select(
                self.db,
                f"select name from databases where instance_id = ? and name in ({', '.join('?' for _ in names)})",
                [instance_id, *names],
            )
        return {r["name"] for r in rows}

    def database_count(self, instance_id: str, at_most: int) -> int:
        """How many databases the instance holds, counting no further than at_most."""
        return self.db.conn.execute(
            "select count(*) from (select 1 from databases where instance_id = ? limit ?)", [instance_id, at_most]
        ).fetchone()[0]

    def insert_databases(self, rows: list[dict]) -> None:
        sql.insert_many(self.db, "databases", rows)

    def delete_database(self, instance_id: str, name: str) -> None:
        self.db.execute("delete from grants where instance_id = ? and database = ?", [instance_id, name])
        self.db.execute("delete from databases where instance_id = ? and name = ?", [instance_id, name])

    # users -----------------------------------------------------------------------------------
    def users(self, instance_id: str) -> list[dict]:
        """Every user of the instance, sorted by name@host, each with its granted databases."""
        users = list(select(self.db, "select * from db_users where instance_id = ?", [instance_id]))
        grants: dict[tuple, list[str]] = {}
        for g in select(self.db, "select * from grants where instance_id = ? order by database", [instance_id]):
            grants.setdefault((g["user_name"], g["user_host"]), []).append(g["database"])
        for u in users:
            u["databases"] = grants.get((u["name"], u["host"]), [])
        users.sort(key=lambda u: f"{u['name']}@{u['host']}")
        return users

    def users_page(self, instance_id: str, limit: int, marker: str | None) -> list[dict]:
        """Up to `limit` users after marker (name@host) in name@host order, each with its granted databases: the
        page is cut in SQL along the db_users_page index, so it costs the same however many users there are; only
        what the page shows is read (name, host, grants), as tuples."""
        where, args = "instance_id = ?", [instance_id]
        if marker is not None:
            where += f" and {USER_KEY} > ?"
            args.append(marker)
        conn = self.db.conn
        users = conn.execute(
            f"select name, host from db_users where {where} order by {USER_KEY} limit ?", [*args, limit]
        ).fetchall()
        if not users:
            return []
        names = sorted({name for name, _ in users})
        grants: dict[tuple, list[str]] = {}
        for user_name, user_host, database in conn.execute(
            f"select user_name, user_host, database from grants where instance_id = ? "
            f"and user_name in ({', '.join('?' for _ in names)})",  # sorted here: an ORDER BY would have SQLite
            [instance_id, *names],  # walk every grant of the instance along grants_database to avoid a sort
        ):
            grants.setdefault((user_name, user_host), []).append(database)
        return [{"name": name, "host": host, "databases": sorted(grants.get((name, host), []))} for name, host in users]

    def user(self, instance_id: str, name: str, host: str) -> dict | None:
        rows = list(
            select(
                self.db,
                "select * from db_users where instance_id = ? and name = ? and host = ?",
                [instance_id, name, host],
            )
        )
        if not rows:
            return None
        user = rows[0]
        user["databases"] = [
            g["database"]
            for g in select(
                self.db,
                "select database from grants where instance_id = ? and user_name = ? and user_host = ? "
                "order by database",
                [instance_id, name, host],
            )
        ]
        return user

    def insert_user(self, instance_id: str, name: str, host: str, password_hash: str, databases: list[str]) -> None:
        self.insert_users(
            instance_id, [{"name": name, "host": host, "password_hash": password_hash, "databases": databases}]
        )

    def insert_users(self, instance_id: str, users: list[dict]) -> None:
        """Users (name, host, password_hash, databases) with their grants: one INSERT for the users, one for the
        grants (the rows insert_user would write one user at a time)."""
        sql.insert_many(
            self.db,
            "db_users",
            [
                {"instance_id": instance_id, "name": u["name"], "host": u["host"], "password_hash": u["password_hash"]}
                for u in users
            ],
        )
        sql.insert_many(
            self.db,
            "grants",
            [
                {"instance_id": instance_id, "user_name": u["name"], "user_host": u["host"], "database": d}
                for u in users
                for d in u["databases"]
            ],
            ignore=True,
        )

    def update_user(self, instance_id: str, name: str, host: str, changes: dict) -> None:
        """Change a user's name, host and/or password_hash; grants follow a rename."""
        sets = ", ".join(f"{k} = ?" for k in changes)
        self.db.execute(
            f"update db_users set {sets} where instance_id = ? and name = ? and host = ?",
            [*changes.values(), instance_id, name, host],
        )
        if "name" in changes or "host" in changes:
            self.db.execute(
                "update grants set user_name = ?, user_host = ? "
                "where instance_id = ? and user_name = ? and user_host = ?",
                [changes.get("name", name), changes.get("host", host), instance_id, name, host],
            )

    def delete_user(self, instance_id: str, name: str, host: str) -> None:
        self.db.execute(
            "delete from grants where instance_id = ? and user_name = ? and user_host = ?", [instance_id, name, host]
        )
        self.db.execute(
            "delete from db_users where instance_id = ? and name = ? and host = ?", [instance_id, name, host]
        )

    def grant(self, instance_id: str, name: str, host: str, databases: list[str]) -> None:
        sql.insert_many(
            self.db,
            "grants",
            [{"instance_id": instance_id, "user_name": name, "user_host": host, "database": d} for d in databases],
            ignore=True,
        )

    def revoke(self, instance_id: str, name: str, host: str, database: str) -> int:
        cursor = self.db.execute(
            "delete from grants where instance_id = ? and user_name = ? and user_host = ? and database = ?",
            [instance_id, name, host, database],
        )
        return cursor.rowcount

    # whole contents (what a backup holds) ------------------------------------------------------
    def contents(self, instance_id: str) -> dict:
        """Databases and users (with password hashes and grants) of an instance, as plain data."""
        return {
            "databases": {
                d["name"]: {"character_set": d["character_set"], "collate": d["collate"]}
                for d in self.databases(instance_id)
            },
            "users": {
                f"{u['name']}@{u['host']}": {
                    "name": u["name"],
                    "host": u["host"],
                    "password_hash": u["password_hash"],
                    "databases": u["databases"],
                }
                for u in self.users(instance_id)
            },
        }

    def holds_anything(self, instance_id: str) -> bool:
        """Has the instance a database, a user or a grant (one statement, three index lookups)?"""
        return bool(
            self.db.conn.execute(
                "select exists(select 1 from databases where instance_id = ?1) "
                "or exists(select 1 from db_users where instance_id = ?1) "
                "or exists(select 1 from grants where instance_id = ?1)",
                [instance_id],
            ).fetchone()[0]
        )

    def replace_contents(self, instance_id: str, contents: dict) -> None:
        """Make the instance hold exactly contents (as returned by contents()). What it held goes first; a restore's
        or a new replica's build ends on an instance that holds nothing yet, which one lookup says (not three
        deletes). The rows go straight to the connection, one INSERT a table (insert_databases and insert_users
        built a dict per row and looked each value's type up: ~40 % of a restore's build end here, issue 25)."""
        conn = self.db.conn
        if self.holds_anything(instance_id):
            for table in ("grants", "db_users", "databases"):
                conn.execute(f"delete from {table} where instance_id = ?", [instance_id])
        databases, users = contents.get("databases"), contents.get("users")
        values: list[str | None] = []
        if databases:
            for name, attrs in databases.items():
                values += (instance_id, name, attrs.get("character_set"), attrs.get("collate"))
            self._insert_content("databases", values)
        if not users:
            return
        values = []
        grants: list[str] = []
        for user in users.values():
            name, host = user["name"], user["host"]
            values += (instance_id, name, host, user["password_hash"])
            for database in user["databases"]:
                grants += (instance_id, name, host, database)
        self._insert_content("db_users", values)
        if grants:
            self._insert_content("grants", grants)

    def _insert_content(self, table: str, values: list) -> None:
        """Content rows of table, given as their values one row after another (_CONTENT_COLUMNS' order): one
        INSERT, or insert_many's batches in a transaction when there are more rows than one statement takes."""
        columns = _CONTENT_COLUMNS[table]
        width = len(columns)
        count = len(values) // width
        if count <= sql.BATCH:
            self.db.conn.execute(sql.insert_sql(table, columns, count, table == "grants"), values)
            return
        rows = [dict(zip(columns, values[at : at + width], strict=True)) for at in range(0, len(values), width)]
        sql.insert_many(self.db, table, rows, ignore=table == "grants")


#: The columns replace_contents writes, a table at a time (each table's four, instance_id first).
_CONTENT_COLUMNS = {
    "databases": ("instance_id", "name", "character_set", "collate"),
    "db_users": ("instance_id", "name", "host", "password_hash"),
    "grants": ("instance_id", "user_name", "user_host", "database"),
}
