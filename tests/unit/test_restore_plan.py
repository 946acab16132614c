"""The restore plan is made from the backups alone: which version and how long the build lasts; what the chain holds
is read when the build ends (contents)."""

import dataclasses
import json

import pytest

from simulator.backend.chains import EMPTY, diff
from simulator.backend.restore import RestorePlan, RestorePlanner
from simulator.config import Durations
from simulator.errors import BadRequest, Conflict
from simulator.reference import catalog
from simulator.repos.store import Store

FULL = "0f0e0d0c-0000-4000-8000-000000000001"
INC = "0f0e0d0c-0000-4000-8000-000000000002"
MYSQL_56 = catalog.find_version("c00000b0-00c0-0c00-00c0-000b000000cc")
DURATIONS = Durations(build=30, restore_per_gb=100)
SHOP = {"databases": {"shop": {"character_set": "utf8"}}, "users": {}}
SHOP_AND_ALICE = {"databases": SHOP["databases"], "users": {"alice@%": {"databases": ["shop"]}}}


def backup(backup_id: str, parent: str | None, size: float, change: dict, status: str = "COMPLETED") -> dict:
    return {
        "id": backup_id,
        "account_id": "1234",
        "seq": 1 if parent is None else 2,
        "name": backup_id,
        "parent_id": parent,
        "backup_type": "incremental" if parent else "full",
        "status": status,
        "size": size,
        "datastore_type": "mysql",
        "datastore_version": "5.6",
        "datastore_version_id": MYSQL_56.id,
        "contents": json.dumps(change),
    }


@pytest.fixture
def planner() -> RestorePlanner:
    """A planner over a store holding a full backup and an incremental on it, and nothing else (no instances)."""
    store = Store.open(":memory:")
    store.backups.insert(backup(FULL, None, 0.21, diff(EMPTY, SHOP)))
    store.backups.insert(backup(INC, FULL, 0.05, diff(SHOP, SHOP_AND_ALICE)))
    return RestorePlanner(store.backups, DURATIONS, store.backups.changes)


def test_restore_plan_of_an_incremental_lasts_by_the_chains_size_and_its_build_gets_the_chain(planner: RestorePlanner):
    plan = planner.plan("1234", INC, version=None, volume_size=2, databases=[], users=[])
    assert plan == RestorePlan(INC, MYSQL_56, DURATIONS.build + 0.26 * DURATIONS.restore_per_gb)
    assert planner.contents("1234", plan.backup_id) == SHOP_AND_ALICE
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.backup_id = FULL  # type: ignore[misc]


def test_restore_plan_takes_a_requested_version_of_the_same_datastore(planner):
    version = catalog.resolve_datastore("mysql", "8.0")
    plan = planner.plan(
        "1234",
        f"https://host/v1.0/1234/backups/{FULL}",
        version=version,
        volume_size=2,
        databases=[{"name": "new"}],
        users=[],
    )
    assert (plan.backup_id, plan.version, planner.contents("1234", plan.backup_id)) == (FULL, version, SHOP)


def test_restore_plan_refuses_names_the_backup_holds(planner):
    with pytest.raises(BadRequest) as info:
        planner.plan("1234", INC, version=None, volume_size=2, databases=[], users=[{"name": "alice", "host": "%"}])
    assert info.value.body() == {
        "badRequest": {
            "code": 400,
            "message": (
                "User 'alice@%' is already in the backup being restored; "
                "users created with a restore must have new names."
            ),
        }
    }


def test_restore_plan_checks_the_state_before_the_size():
    store = Store.open(":memory:")
    store.backups.insert(backup(FULL, None, 5.0, diff(EMPTY, SHOP), status="BUILDING"))
    with pytest.raises(Conflict) as info:
        RestorePlanner(store.backups, DURATIONS, store.backups.changes).plan(
            "1234", FULL, version=None, volume_size=1, databases=[], users=[]
        )
    assert info.value.body() == {
        "conflict": {
            "code": 409,
            "message": (f"Unable to create instance because backup {FULL} is not completed. Actual state: BUILDING."),
        }
    }


def test_restore_contents_at_build_end_need_every_link_completed(planner):
    assert planner.contents("1234", INC) == SHOP_AND_ALICE
    planner.repo.update(FULL, {"status": "FAILED"})
    assert planner.contents("1234", INC) is None
    assert planner.contents("5678", INC) is None


def backup_reads(planner: RestorePlanner, action) -> list[str]:
    """The statements action runs that read the backups table."""
    seen: list[str] = []
    conn = planner.repo.db.conn
    conn.set_trace_callback(seen.append)
    try:
        action()
    finally:
        conn.set_trace_callback(None)
    return [sql for sql in seen if "from backups" in sql]


def test_the_builds_end_reads_the_chain_read_by_the_create_while_no_backup_changed(planner: RestorePlanner):
    plan = planner.plan("1234", INC, version=None, volume_size=2, databases=[], users=[])
    reads = backup_reads(planner, lambda: planner.contents("1234", plan.backup_id))
    assert reads == []
    assert planner.contents("1234", plan.backup_id) == SHOP_AND_ALICE


@pytest.mark.parametrize(
    "change",
    [
        f"delete from backups where id = '{FULL}'",
        f"update backups set status = 'FAILED' where id = '{FULL}'",
    ],
)
def test_a_link_deleted_or_failed_after_the_create_fails_the_build(planner: RestorePlanner, change: str):
    plan = planner.plan("1234", INC, version=None, volume_size=2, databases=[], users=[])
    planner.repo.db.conn.execute(change)
    assert planner.contents("1234", plan.backup_id) is None


def test_a_backup_changed_after_the_create_is_read_again_for_the_next_plan(planner: RestorePlanner):
    planner.plan("1234", INC, version=None, volume_size=2, databases=[], users=[])
    planner.repo.db.conn.execute(f"update backups set status = 'BUILDING' where id = '{INC}'")
    with pytest.raises(Conflict) as info:
        planner.plan("1234", INC, version=None, volume_size=2, databases=[], users=[])
    assert (info.value.status, info.value.message) == (
        409,
        f"Unable to create instance because backup {INC} is not completed. Actual state: BUILDING.",
    )
