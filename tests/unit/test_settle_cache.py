"""The settle cache must notice every change of the model, including a whole-database restore."""

import tempfile
from pathlib import Path

from support import INSTANCE_SPEC, make_backend


def test_settle_sees_an_instance_restored_from_a_snapshot():
    backend = make_backend()
    with tempfile.TemporaryDirectory() as tmp:
        snapshot = str(Path(tmp) / "snap.db")
        created = backend.instances.create("1", INSTANCE_SPEC)  # BUILD until +10 s
        backend.store.backup_to(snapshot)
        backend.clock.advance(10)
        backend.settle()
        backend.instances.delete("1", created["id"])
        backend.clock.advance(100)
        backend.settle()  # the instance is gone; nothing is due any more
        backend.store.restore_from(snapshot)  # back to BUILD, due in the past
        backend.settle()
        assert backend.instances.get("1", created["id"])["status"] == "ACTIVE"


def test_journal_writes_do_not_invalidate_the_cache_but_model_writes_do():
    backend = make_backend()
    backend.settle()
    version = backend.model_version()
    with backend.bookkeeping():
        columns = ("method", "path", "status", "request", "response")
        backend.store.journal.append_many(columns, [("GET", "/", 200, "", "")])
    assert backend.model_version() == version
    backend.instances.create("1", INSTANCE_SPEC)
    assert backend.model_version() != version
