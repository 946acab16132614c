"""Store: the one SQLite database (file or memory) through sqlite-utils; it and its repositories (repos/) are the
only code that speaks SQL or touches the connection."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlite_utils import Database

from simulator.repos.accounts import AccountsRepo
from simulator.repos.backups import BackupsRepo
from simulator.repos.backups import migrations as backup_migrations
from simulator.repos.checkpoints import DEFAULT_PAGES, EVERY, PAGES, SAFETY_PAGES, Checkpointer
from simulator.repos.configurations import ConfigurationsRepo
from simulator.repos.configurations import migrations as configuration_migrations
from simulator.repos.copies import CopiesRepo
from simulator.repos.copies import migrations as copy_migrations
from simulator.repos.faults import FaultsRepo
from simulator.repos.faults import migrations as fault_migrations
from simulator.repos.ha import HaRepo
from simulator.repos.ha import migrations as ha_migrations
from simulator.repos.instances import InstancesRepo
from simulator.repos.journal import JournalRepo
from simulator.repos.lifecycle import LifecycleRepo
from simulator.repos.lifecycle import migrations as lifecycle_migrations
from simulator.repos.migrations import migrations as core_migrations
from simulator.repos.replication import ReplicationRepo
from simulator.repos.replication import migrations as replication_migrations
from simulator.repos.state import StateRepo
from simulator.repos.template import SchemaTemplate, fingerprint, load_schema

#: Every migration set, core first.
MIGRATION_SETS = (
    core_migrations,
    backup_migrations,
    fault_migrations,
    configuration_migrations,
    replication_migrations,
    ha_migrations,
    copy_migrations,
    lifecycle_migrations,  # last: its triggers watch tables the others create
)


@lru_cache(maxsize=64)
def _scalars_sql(queries: tuple[str, ...]) -> str:
    """The one statement Store.scalars runs for these queries (the same few tuples recur: built once each)."""
    return "select " + ", ".join(f"({query})" for query in queries)


class Store:
    """Owns the connection; repositories (store.accounts, store.instances, ...) hold the queries."""

    def __init__(self, db: Database, path: str) -> None:
        self.db = db
        self.path = path
        #: How many times the whole database was replaced (SQLite's backup API does not count as changes).
        self.restores = 0
        self._depth = 0  # how many savepoints atomic() has open
        #: The thread checkpointing the log while a server runs (background_checkpoints()), else None.
        self.checkpointer: Checkpointer | None = None
        self._woken_at = (-1, 0)  # (total_changes, restores) when wrote() last woke the checkpointer
        self.accounts = AccountsRepo(db)
        self.instances = InstancesRepo(db)
        self.journal = JournalRepo(db)
        self.backups = BackupsRepo(db)
        self.faults = FaultsRepo(db)
        self.configurations = ConfigurationsRepo(db)
        self.replication = ReplicationRepo(db)
        self.ha = HaRepo(db)
        self.copies = CopiesRepo(db)
        self.state = StateRepo(db, rows_replaced=self.journal.forget_size)
        self.lifecycle = LifecycleRepo(db)

    @classmethod
    def open(cls, path: str = ":memory:", template: SchemaTemplate | None = None) -> Store:
        """Open (and migrate) the database at path; ':memory:' for a throwaway one, its schema copied from template's
        cache file (repos/template.py; pass one to open many stores with one hash of the sources)."""
        conn = sqlite3.connect(
            path if path != ":memory:" else ":memory:", check_same_thread=False, isolation_level=None
        )
        if path != ":memory:":
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=5000")
        template = template or SchemaTemplate()
        copied = path == ":memory:" and load_schema(conn, MIGRATION_SETS, template)  # the schema from the cache
        db = Database(conn, execute_plugins=False)  # no sqlite-utils plugin may change the simulator's store
        found = fingerprint(conn) if copied else None
        if found is None or found != template.complete:
            for migration_set in MIGRATION_SETS:
                migration_set.apply(db)  # after load_schema: each migration is found recorded and skipped
            if found is not None and fingerprint(conn) == found:  # the copy needed none: nor will its likes
                template.complete = found
        return cls(db, path)

    @contextmanager
    def atomic(self) -> Iterator[Database]:
        """All writes inside commit together or not at all (nests with savepoints, named by depth: sqlite-utils
        draws a random name for each, which a write pays for on every settle step)."""
        conn = self.db.conn
        if not conn.in_transaction:  # BEGIN ... COMMIT, or ROLLBACK on any exception (sqlite-utils' atomic, inline)
            conn.execute("BEGIN")
            try:
                yield self.db
            except BaseException:
                self.rollback()  # a no-op when the error already ended the transaction
                raise
            try:
                conn.execute("COMMIT")
            except BaseException:
                self.rollback()
                raise
            self.wrote()
            return
        self._depth += 1
        savepoint = f"cdbsim_{self._depth}"
        conn.execute(f"SAVEPOINT {savepoint}")
        try:
            yield self.db
        except BaseException:
            if conn.in_transaction:  # an error may already have ended the whole transaction
                conn.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                conn.execute(f"RELEASE SAVEPOINT {savepoint}")
            raise
        else:
            conn.execute(f"RELEASE SAVEPOINT {savepoint}")
        finally:
            self._depth -= 1

    def wrote(self) -> None:
        """A write was committed (atomic() calls it, and the writers outside it: Backend.bookkeeping, restore_from):
        wake the background checkpoint, when one runs and the connection changed rows since it was last woken."""
        checkpointer = self.checkpointer
        if checkpointer is not None and not self.db.conn.in_transaction:  # else its COMMIT calls this again
            changes = (self.db.conn.total_changes, self.restores)  # a restore changes no row SQLite counts
            if changes != self._woken_at:
                self._woken_at = changes
                checkpointer.wake()

    def scalars(self, queries: tuple[str, ...]) -> tuple:
        """The value of each scalar query (its first column of its first row, None when it has no row), in one
        statement."""
        if not queries:
            return ()
        return self.db.conn.execute(_scalars_sql(queries)).fetchone()

    @contextmanager
    def background_checkpoints(self, every: float = EVERY, pages: int = PAGES) -> Iterator[Checkpointer | None]:
        """While inside, the write-ahead log is checkpointed by a thread of its own, not by the commit that fills it
        (repos/checkpoints.py); an in-memory database has no log, and nothing runs."""
        if self.path == ":memory:" or self.checkpointer is not None:
            yield self.checkpointer
            return
        self.db.conn.execute(f"PRAGMA wal_autocheckpoint={SAFETY_PAGES}")
        self.checkpointer = Checkpointer(self.path, every, pages)
        self.checkpointer.start()
        try:
            yield self.checkpointer
        finally:
            self.checkpointer.stop()
            self.checkpointer = None
            self.db.conn.execute(f"PRAGMA wal_autocheckpoint={DEFAULT_PAGES}")

    def next_generation(self) -> int:
        """Count this opening of the database (0 the first time): restarts must not repeat ids."""
        rows = list(self.db.query("select value from meta where key = 'generation'"))
        generation = int(rows[0]["value"]) + 1 if rows else 0
        self.db.table("meta").insert({"key": "generation", "value": str(generation)}, replace=True)
        return generation

    @contextmanager
    def outside_transaction(self) -> Iterator[None]:
        """Run with no transaction open (SQLite's backup API waits forever on one): a control request arrives
        inside the pipeline's transaction, which has written nothing yet; end it, then open a fresh one."""
        conn = self.db.conn
        inside = conn.in_transaction
        if inside:
            conn.execute("COMMIT")
        try:
            yield
        finally:
            if inside:
                conn.execute("BEGIN")

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open (a write under way, or one left behind by a failed request)."""
        return self.db.conn.in_transaction

    def rollback(self) -> None:
        """End an open transaction without keeping anything of it."""
        if self.db.conn.in_transaction:
            self.db.conn.rollback()

    @property
    def total_changes(self) -> int:
        """Rows changed since the connection opened (SQLite's count; a whole-database restore is not counted)."""
        return self.db.conn.total_changes

    def problem(self) -> str | None:
        """What keeps the state from being read and written (None when it is fine): the file gone from its path
        or SQLite failing to read the schema."""
        if self.path != ":memory:" and not os.path.isfile(self.path):
            return f"{self.path} is no longer there"
        try:
            self.db.conn.execute("select count(*) from sqlite_master").fetchone()
        except sqlite3.Error as exc:
            return f"{self.path}: {exc}"
        return None

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    def backup_to(self, target_path: str) -> None:
        """Copy the whole database to target_path with SQLite's online backup API."""
        dest = sqlite3.connect(target_path)
        try:
            self.db.conn.backup(dest)
        finally:
            dest.close()

    def restore_from(self, source_path: str) -> None:
        """Replace the whole database with the one at source_path (SQLite's backup API)."""
        src = sqlite3.connect(source_path)
        try:
            src.backup(self.db.conn)
        finally:
            src.close()
            self.restores += 1
            self.journal.forget_size()
            self.wrote()
