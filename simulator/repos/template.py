"""The migrated schema of a fresh in-memory store, built once and kept in a cache file (issue 25).

Running the migrations is most of what opening a new `:memory:` store costs (~15 ms of sqlite-utils' table work).
Their result is always the same for the same migrations, so it is built once into a file named by a hash of
everything it depends on (the sources of simulator/repos, where every migration lives, sqlite-utils and SQLite) and
copied into each new store with SQLite's backup API. The migrations stay the schema's one home: a store made from
the file still runs them (each one already recorded is skipped, ~1.3 ms of sqlite-utils' table introspection), and a
store on a file (a state file, a --db path) is migrated step by step as ever. Once a copy was found to need none of
them, a SchemaTemplate remembers that copy's schema and recorded migrations (`complete`, a fingerprint): a later copy
with the same fingerprint needs no run (~0.05 ms to read it), any other copy runs them as the first did.

The cache folder is $CDBSIM_CACHE_DIR, else $XDG_CACHE_HOME/cdbsim, else ~/.cache/cdbsim; CDBSIM_CACHE_DIR set to
an empty value turns the cache off. A folder that cannot be written only means the migrations run every time."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from sqlite_utils import Database, Migrations

#: How many schema files (of other versions of the migrations) the cache folder keeps.
KEEP = 8
PREFIX = "schema-"


def cache_dir() -> Path | None:
    """Where the schema files live (None: the cache is turned off)."""
    configured = os.environ.get("CDBSIM_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cdbsim"


def schema_key() -> str:
    """A hash of what the migrated schema depends on: the repositories' sources, sqlite-utils and SQLite (~0.4 ms:
    a SchemaTemplate computes it once for all the stores opened through it)."""
    digest = hashlib.sha256(sqlite3.sqlite_version.encode())
    import sqlite_utils.db

    library = Path(sqlite_utils.db.__file__).stat()
    digest.update(f"{sqlite_utils.db.__file__}:{library.st_size}:{library.st_mtime_ns}".encode())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:32]


class SchemaTemplate:
    """The cache file a new `:memory:` store copies its schema from, its key computed on first use and then kept.

    No module holds one: whoever opens many stores in one process (a test session, the suite's app fixture) makes
    one and passes it to create_app / Backend.open / Store.open; a store opened without one makes its own."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = cache_dir() if folder is None else folder
        self._path: Path | None = None
        #: The fingerprint of a copy of the file, once running the migrations on such a copy changed nothing.
        self.complete: tuple[tuple, ...] | None = None

    def path(self) -> Path | None:
        """The schema file for this process's sources (None: the cache is turned off)."""
        if self.folder is not None and self._path is None:
            self._path = self.folder / f"{PREFIX}{schema_key()}.sqlite"
        return self._path


def fingerprint(conn: sqlite3.Connection) -> tuple[tuple, ...]:
    """What running the migrations on a database could change: its schema (every table, index and trigger, with
    its SQL) and the migrations it records as applied (~0.05 ms)."""
    objects = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()
    try:
        applied = conn.execute("SELECT migration_set, name FROM _sqlite_migrations ORDER BY migration_set, name")
    except sqlite3.OperationalError:  # no such table: nothing was migrated
        return tuple(objects), ()
    return tuple(objects), tuple(applied.fetchall())


def load_schema(
    conn: sqlite3.Connection, migration_sets: Iterable[Migrations], template: SchemaTemplate | None = None
) -> bool:
    """Copy the migrated schema into the empty database of conn; False when there is no cache to copy it from."""
    path = (template or SchemaTemplate()).path()
    if path is None:
        return False
    try:
        if not path.exists():
            _build(path.parent, path, migration_sets)
    except (OSError, sqlite3.Error):
        return False
    try:
        source = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            source.backup(conn)
        finally:
            source.close()
    except (OSError, sqlite3.Error):  # a damaged file: empty the database again, and build the file anew next time
        sqlite3.connect(":memory:").backup(conn)
        path.unlink(missing_ok=True)
        return False
    return True


def _build(folder: Path, path: Path, migration_sets: Iterable[Migrations]) -> None:
    """Migrate a new file beside path and move it into place (two processes may race: either file is right)."""
    folder.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    try:
        conn = sqlite3.connect(partial, isolation_level=None)
        try:
            conn.execute("PRAGMA journal_mode=OFF")
            db = Database(conn, execute_plugins=False)
            for migration_set in migration_sets:
                migration_set.apply(db)
        finally:
            conn.close()
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    _prune(folder)


def _prune(folder: Path) -> None:
    """Keep the KEEP newest schema files (other checkouts, other versions); another process may prune at once."""
    dated = []
    for file in folder.glob(f"{PREFIX}*.sqlite"):
        try:
            dated.append((file.stat().st_mtime, file))
        except OSError:
            continue
    for _, stale in sorted(dated, reverse=True)[KEEP:]:
        stale.unlink(missing_ok=True)
