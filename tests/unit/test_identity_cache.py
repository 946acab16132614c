"""Who a token is and what its account allows are kept across writes that change neither (a restore POST), and
noticed at once when accounts, users or tokens change, or the whole database is replaced."""

import tempfile
from pathlib import Path

import pytest
from support import INSTANCE_SPEC, found, make_backend

from simulator.backend import Backend
from simulator.backend.identity import BAD_TOKEN
from simulator.errors import Forbidden, OverLimit, Unauthorized
from simulator.routes import RATE_LIMITS


def statements(backend, action) -> list[str]:
    """The SQL statements action runs."""
    seen: list[str] = []
    backend.store.db.conn.set_trace_callback(seen.append)
    try:
        action()
    finally:
        backend.store.db.conn.set_trace_callback(None)
    return seen


def test_a_token_is_not_looked_up_again_after_a_write_to_instances():
    backend = make_backend()
    backend.identity.check_token("t", "1")
    backend.instances.create("1", INSTANCE_SPEC)
    ran = statements(backend, lambda: backend.identity.check_token("t", "1"))
    assert not any("from tokens" in sql for sql in ran)
    assert any("_identity_changes" in sql for sql in ran)  # one read tells that identity is unchanged


def test_expired_tokens_are_refused_at_once_after_being_kept():
    backend = make_backend()
    backend.identity.check_token("t", "1")
    backend.instances.create("1", INSTANCE_SPEC)
    backend.identity.check_token("t", "1")
    backend.identity.expire_tokens("1")
    with pytest.raises(Unauthorized) as caught:
        backend.identity.check_token("t", "1")
    assert (caught.value.status, caught.value.message) == (401, BAD_TOKEN)


def test_a_quota_lowered_after_being_kept_is_enforced():
    backend = make_backend()
    backend.instances.create("1", INSTANCE_SPEC)  # the quota (default 25) is read and kept
    account = found(backend.store.accounts.get("1"))
    backend.store.accounts.update_settings("1", settings={**account["settings"], "quotas": {"instances": 1}})
    with pytest.raises(OverLimit) as caught:
        backend.instances.create("1", INSTANCE_SPEC)
    assert caught.value.status == 413
    assert caught.value.message == "Quota exceeded for resources: ['instances']."


def test_rate_limits_switched_on_after_being_kept_are_seen():
    backend = make_backend()
    backend.store.accounts.update_settings("1", rate_limits=False)
    assert backend.limits.enabled("1") is False
    backend.instances.create("1", INSTANCE_SPEC)
    assert backend.limits.enabled("1") is False
    backend.limits.set_enabled("1", True)
    assert backend.limits.enabled("1") is True


def test_a_token_is_unknown_again_after_a_snapshot_without_it_is_restored():
    backend = make_backend()
    with tempfile.TemporaryDirectory() as tmp:
        snapshot = str(Path(tmp) / "snap.db")
        backend.store.backup_to(snapshot)  # account 1 only
        backend.identity.create_account("2", token="t2")
        assert backend.identity.check_token("t2", "2")["account_id"] == "2"
        backend.store.restore_from(snapshot)
        with pytest.raises(Unauthorized) as caught:
            backend.identity.check_token("t2", "2")
        assert (caught.value.status, caught.value.message) == (401, BAD_TOKEN)


def test_the_write_after_a_settle_does_not_read_the_identity_counter_again():
    backend = make_backend()
    backend.instances.create("1", INSTANCE_SPEC)
    backend.clock.advance(10)  # its build is due
    backend.identity.check_token("t", "1")

    def settle_then_create() -> None:
        backend.settle()
        backend.instances.create("1", INSTANCE_SPEC)  # its quota is kept by identity_version

    ran = statements(backend, settle_then_create)
    reads = [sql for sql in ran if "_identity_changes" in sql]
    assert reads  # the settle's next-due statements read it, and nothing else does
    assert all(sql.startswith("select (select min(task_until) from instances") for sql in reads)


def test_a_settle_sees_accounts_changed_since_the_last_read():
    backend = make_backend()
    backend.instances.create("1", INSTANCE_SPEC)  # the quota (default 25) is read and kept
    account = found(backend.store.accounts.get("1"))
    backend.store.accounts.update_settings("1", settings={**account["settings"], "quotas": {"instances": 1}})
    backend.clock.advance(10)
    backend.settle()  # reads the identity counter with the next-due times
    with pytest.raises(OverLimit) as caught:
        backend.instances.create("1", INSTANCE_SPEC)
    assert (caught.value.status, caught.value.message) == (413, "Quota exceeded for resources: ['instances'].")


def test_the_settle_after_a_token_check_does_not_read_the_due_times_again():
    backend = make_backend()
    backend.identity.check_token("t", "1")  # the token is known (kept while identity is unchanged)
    backend.settle()  # replication's first catch-up
    backend.instances.create("1", INSTANCE_SPEC)  # a write: the next request reads the counter and the due times

    def check_then_settle() -> None:
        backend.identity.check_token("t", "1")  # the access check of a request
        backend.settle()  # its build is not due yet: nothing to carry out

    ran = statements(backend, check_then_settle)
    assert len(ran) == 1  # one statement read both
    assert ran[0].startswith("select (select min(task_until) from instances") and "_identity_changes" in ran[0]


def test_a_build_due_after_the_token_check_is_carried_out_by_the_settle():
    backend = make_backend()
    created = backend.instances.create("1", INSTANCE_SPEC)
    backend.identity.check_token("t", "1")  # the due times read here say the build runs until later
    backend.clock.advance(10)  # now it is due, and the model has not changed: the times read still hold
    backend.settle()
    assert backend.instances.get("1", created["id"])["status"] == "ACTIVE"


def test_the_backups_version_moves_with_a_backup_row_and_with_a_restored_snapshot():
    backend = make_backend()
    before = backend.backups_version()
    backend.store.db.conn.execute("update _identity_changes set n = n")  # a change to the model, not to backups
    assert backend.backups_version() == before
    with tempfile.TemporaryDirectory() as tmp:
        snapshot = str(Path(tmp) / "snap.db")
        backend.store.backup_to(snapshot)
        backend.store.restore_from(snapshot)  # the same rows, read again: the count alone would not move
        assert backend.backups_version() != before


def access_backend() -> Backend:
    """make_backend's, with the route table's rate limits (show_backup: 100 GETs a minute)."""
    backend = make_backend()
    return Backend(backend.store, backend.clock, backend.ids, backend.config, RATE_LIMITS)


def test_a_call_that_passed_the_access_check_runs_no_statement_the_next_time():
    backend = access_backend()
    backend.identity.check_access("t", "1", "GET", "show_instance", "show_instance")
    assert statements(backend, lambda: backend.identity.check_access("t", "1", "GET", "show_instance", None)) == []


def test_a_call_that_passed_the_access_check_is_refused_once_its_token_expires():
    backend = access_backend()
    backend.identity.check_access("t", "1", "GET", "show_instance", "show_instance")
    backend.identity.expire_tokens("1")
    with pytest.raises(Unauthorized) as caught:
        backend.identity.check_access("t", "1", "GET", "show_instance", "show_instance")
    assert (caught.value.status, caught.value.message) == (401, BAD_TOKEN)


def test_a_call_that_passed_the_access_check_is_refused_on_another_account():
    backend = access_backend()
    backend.identity.create_account("2", token="t2")
    backend.identity.check_access("t", "1", "GET", "show_instance", "show_instance")
    with pytest.raises(Forbidden) as caught:
        backend.identity.check_access("t", "2", "GET", "show_instance", "show_instance")
    assert (caught.value.status, caught.value.message) == (403, "User with tenant id 1 cannot access this resource.")


def test_every_call_on_a_rate_limited_route_is_counted_though_the_same_call_passed_before():
    backend = access_backend()
    backend.limits.set_enabled("1", True)
    for _ in range(3):
        backend.identity.check_access("t", "1", "GET", "show_backup", "show_backup")
    assert [counter["count"] for counter in backend.store.journal.counters("1").values()] == [3]


def test_rate_limits_switched_on_after_a_call_passed_are_counted():
    backend = access_backend()
    backend.identity.check_access("t", "1", "GET", "show_backup", "show_backup")  # the limits are off: kept
    backend.limits.set_enabled("1", True)
    backend.identity.check_access("t", "1", "GET", "show_backup", "show_backup")
    assert [counter["count"] for counter in backend.store.journal.counters("1").values()] == [1]
