"""A fresh in-memory store's schema comes from a cache file built from the migrations (repos/template.py), and is
exactly what running the migrations gives; without a usable cache the migrations run as before."""

from __future__ import annotations

import os
import sqlite3

import pytest

from simulator.repos import template
from simulator.repos.store import MIGRATION_SETS, Store


def schema(store: Store) -> tuple[list, list]:
    """What the migrations made: every table, index and trigger, and the migrations recorded."""
    objects = store.db.conn.execute("select type, name, tbl_name, sql from sqlite_master order by name").fetchall()
    applied = store.db.conn.execute(
        "select migration_set, name from _sqlite_migrations order by migration_set, name"
    ).fetchall()
    return objects, applied


def migrated(monkeypatch: pytest.MonkeyPatch) -> tuple[list, list]:
    with monkeypatch.context() as m:
        m.setenv("CDBSIM_CACHE_DIR", "")
        return schema(Store.open())


def test_a_store_from_the_cached_schema_has_exactly_the_migrated_schema(monkeypatch, tmp_path):
    monkeypatch.setenv("CDBSIM_CACHE_DIR", str(tmp_path))
    first = Store.open()
    files = list(tmp_path.glob("schema-*.sqlite"))
    assert [f.name for f in files] == [f"schema-{template.schema_key()}.sqlite"]
    assert schema(first) == schema(Store.open()) == migrated(monkeypatch)


def test_the_schema_file_is_built_once_and_then_only_read(monkeypatch, tmp_path):
    monkeypatch.setenv("CDBSIM_CACHE_DIR", str(tmp_path))
    Store.open()

    def no_build(*args):
        raise AssertionError("built again")

    monkeypatch.setattr(template, "_build", no_build)
    conn = sqlite3.connect(":memory:")
    assert template.load_schema(conn, MIGRATION_SETS) is True
    assert conn.execute("select count(*) from _sqlite_migrations").fetchone()[0] > 0


def test_stores_opened_through_one_template_hash_the_sources_once(monkeypatch, tmp_path):
    monkeypatch.setenv("CDBSIM_CACHE_DIR", str(tmp_path))
    keys: list[str] = []
    real_key = template.schema_key

    def counted() -> str:
        keys.append(real_key())
        return keys[-1]

    monkeypatch.setattr(template, "schema_key", counted)
    shared = template.SchemaTemplate()
    stores = [Store.open(template=shared) for _ in range(3)]
    assert len(keys) == 1
    assert shared.path() == tmp_path / f"schema-{keys[0]}.sqlite"
    assert schema(stores[0]) == schema(stores[2]) == migrated(monkeypatch)
    Store.open()  # without a template a store hashes them itself
    assert len(keys) == 2


def test_a_template_made_with_the_cache_off_opens_migrated_stores(monkeypatch):
    monkeypatch.setenv("CDBSIM_CACHE_DIR", "")
    off = template.SchemaTemplate()
    assert off.path() is None
    assert schema(Store.open(template=off)) == migrated(monkeypatch)


def test_a_migration_the_cached_schema_lacks_still_runs(monkeypatch, tmp_path):
    monkeypatch.setenv("CDBSIM_CACHE_DIR", str(tmp_path))
    template._build(tmp_path, tmp_path / f"schema-{template.schema_key()}.sqlite", MIGRATION_SETS[:1])
    assert schema(Store.open()) == migrated(monkeypatch)


def test_a_cache_folder_that_cannot_be_made_leaves_the_migrations_to_run(monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CDBSIM_CACHE_DIR", str(blocker / "cdbsim"))
    assert template.load_schema(sqlite3.connect(":memory:"), MIGRATION_SETS) is False
    assert schema(Store.open()) == migrated(monkeypatch)
    assert list(tmp_path.iterdir()) == [blocker]


def test_an_empty_cdbsim_cache_dir_turns_the_cache_off(monkeypatch):
    monkeypatch.setenv("CDBSIM_CACHE_DIR", "")
    assert template.cache_dir() is None
    assert template.load_schema(sqlite3.connect(":memory:"), MIGRATION_SETS) is False


def test_the_cache_folder_follows_xdg_cache_home(monkeypatch, tmp_path):
    monkeypatch.delenv("CDBSIM_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert template.cache_dir() == tmp_path / "cdbsim"


def test_the_schema_key_changes_with_sqlite(monkeypatch):
    key = template.schema_key()
    monkeypatch.setattr(template.sqlite3, "sqlite_version", "0.0.0")
    assert template.schema_key() != key


def test_only_the_newest_schema_files_are_kept(monkeypatch, tmp_path):
    for n in range(template.KEEP + 3):
        old = tmp_path / f"schema-old{n}.sqlite"
        old.write_bytes(b"")
        os.utime(old, (n, n))
    monkeypatch.setenv("CDBSIM_CACHE_DIR", str(tmp_path))
    Store.open()
    kept = sorted(p.name for p in tmp_path.glob("schema-*.sqlite"))
    assert len(kept) == template.KEEP
    assert f"schema-{template.schema_key()}.sqlite" in kept
    assert "schema-old0.sqlite" not in kept and f"schema-old{template.KEEP + 2}.sqlite" in kept


def test_a_damaged_schema_file_is_dropped_and_the_migrations_run(monkeypatch, tmp_path):
    monkeypatch.setenv("CDBSIM_CACHE_DIR", str(tmp_path))
    damaged = tmp_path / f"schema-{template.schema_key()}.sqlite"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 2000)
    assert schema(Store.open()) == migrated(monkeypatch)
    assert not damaged.exists()
    assert schema(Store.open()) == migrated(monkeypatch)  # built anew
    assert damaged.exists()


def test_after_one_copy_needed_no_migration_its_likes_skip_the_run_and_others_still_run_it(monkeypatch, tmp_path):
    """A template remembers the fingerprint of a copy the migrations left unchanged; a later copy with that
    fingerprint is not migrated again, a copy of another file (here one that lacks migrations) is."""
    from sqlite_utils import Migrations

    monkeypatch.setenv("CDBSIM_CACHE_DIR", str(tmp_path))
    shared = template.SchemaTemplate()
    runs: list[str] = []
    real_apply = Migrations.apply

    def counted(self, db, **kwargs):
        runs.append(self.name)
        return real_apply(self, db, **kwargs)

    Store.open()  # builds the file
    monkeypatch.setattr(Migrations, "apply", counted)
    first = Store.open(template=shared)
    assert len(runs) == len(MIGRATION_SETS) and shared.complete == template.fingerprint(first.db.conn)
    runs.clear()
    assert schema(Store.open(template=shared)) == schema(first)
    assert runs == []
    path = shared.path()
    assert path is not None
    path.unlink()
    template._build(tmp_path, path, MIGRATION_SETS[:1])  # the same name, fewer migrations recorded
    runs.clear()
    assert schema(Store.open(template=shared)) == schema(first)
    assert len(runs) == len(MIGRATION_SETS)
