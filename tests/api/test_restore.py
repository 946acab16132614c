"""Restore from backup: the check order, bad input, new databases and users, duration, broken chains."""

import pytest
from support import ACCOUNT, TOKEN, assert_fault

from simulator import DemoAccount, Durations, SimulatorConfig

UNKNOWN = "00000000-0000-4000-8000-000000000000"
BUILD = 30
RESTORE_PER_GB = 100


@pytest.fixture
def sim_config():
    return SimulatorConfig(
        seed=5,
        bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN),
        max_instances=5,
        durations=Durations(build=BUILD, backup=20, backup_per_gb=10, restore_per_gb=RESTORE_PER_GB),
    )


async def source(api, **extra):
    inst = await api.create_instance(**extra)
    api.advance(BUILD)
    return inst["id"]


async def backup(api, instance_id, name="b", **extra):
    status, body, _ = await api.post("/backups", {"backup": {"name": name, "instance": instance_id, **extra}})
    assert status == 202, body
    return body["backup"]


async def completed(api, instance_id, name="b", **extra):
    b = await backup(api, instance_id, name, **extra)
    api.advance(60)
    return (await api.get(f"/backups/{b['id']}"))[1]["backup"]


def restore_body(ref, size=2, **extra):
    return {
        "instance": {
            "name": "restored",
            "flavorRef": 2,
            "volume": {"size": size},
            "restorePoint": {"backupRef": ref},
            **extra,
        }
    }


async def instance_count(api):
    return len((await api.get("/instances"))[1]["instances"])


@pytest.fixture
async def src(api):
    return await source(
        api, databases=[{"name": "shop"}], users=[{"name": "alice", "password": "pw1", "databases": [{"name": "shop"}]}]
    )


async def test_restore_answers_200_with_an_instance_in_build_that_becomes_active_with_the_data(api, src):
    b = await completed(api, src)
    status, body, _ = await api.post("/instances", restore_body(b["id"]))
    assert status == 200
    inst = body["instance"]
    assert inst["status"] == "BUILD" and inst["name"] == "restored" and inst["volume"] == {"size": 2}
    assert inst["datastore"] == {"type": "mysql", "version": "8.0"}
    api.advance(BUILD + 0.21 * RESTORE_PER_GB)
    assert (await api.get(f"/instances/{inst['id']}"))[1]["instance"]["status"] == "ACTIVE"
    assert (await api.get(f"/instances/{inst['id']}/databases"))[1] == {"databases": [{"name": "shop"}]}
    assert (await api.get(f"/instances/{inst['id']}/users"))[1] == {
        "users": [{"name": "alice", "host": "%", "databases": [{"name": "shop"}]}]
    }


async def test_restore_takes_longer_in_proportion_to_the_chain_size(api, src):
    full = await completed(api, src, "full")
    inc = await completed(api, src, "inc", incremental=1)
    chain_gb = full["size"] + inc["size"]
    _, body, _ = await api.post("/instances", restore_body(inc["id"]))
    iid = body["instance"]["id"]
    api.advance(BUILD + chain_gb * RESTORE_PER_GB - 1)
    assert (await api.get(f"/instances/{iid}"))[1]["instance"]["status"] == "BUILD"
    api.advance(1)
    assert (await api.get(f"/instances/{iid}"))[1]["instance"]["status"] == "ACTIVE"


async def test_restore_accepts_an_href_as_backup_ref(api, src):
    b = await completed(api, src)
    href = f"https://ord.databases.api.rackspacecloud.com/v1.0/{ACCOUNT}/backups/{b['id']}"
    status, body, _ = await api.post("/instances", restore_body(href))
    assert status == 200 and body["instance"]["status"] == "BUILD"


async def test_restore_takes_the_backups_datastore_when_none_is_given(api):
    src = await source(api, datastore={"type": "mysql", "version": "5.7"})
    b = await completed(api, src)
    _, body, _ = await api.post("/instances", restore_body(b["id"]))
    assert body["instance"]["datastore"] == {"type": "mysql", "version": "5.7"}


async def test_restore_creates_new_databases_and_users_of_the_request_too(api, src):
    b = await completed(api, src)
    _, body, _ = await api.post(
        "/instances",
        restore_body(
            b["id"],
            databases=[{"name": "extra"}],
            users=[{"name": "bob", "password": "pw2", "databases": [{"name": "extra"}]}],
        ),
    )
    iid = body["instance"]["id"]
    api.advance(600)
    assert (await api.get(f"/instances/{iid}/databases"))[1] == {"databases": [{"name": "extra"}, {"name": "shop"}]}
    users = (await api.get(f"/instances/{iid}/users"))[1]["users"]
    assert [u["name"] for u in users] == ["alice", "bob"]


async def test_restore_of_a_backup_whose_instance_was_deleted_works(api, src):
    b = await completed(api, src)
    assert (await api.delete(f"/instances/{src}"))[0] == 202
    api.advance(60)
    status, body, _ = await api.post("/instances", restore_body(b["id"]))
    assert status == 200
    api.advance(600)
    assert (await api.get(f"/instances/{body['instance']['id']}/databases"))[1] == {"databases": [{"name": "shop"}]}


# bad input and the check order --------------------------------------------------------------------
async def test_restore_with_a_name_the_backup_holds_is_bad_request_and_creates_nothing(api, src):
    b = await completed(api, src)
    assert_fault(
        await api.post("/instances", restore_body(b["id"], databases=[{"name": "shop"}])),
        "badRequest",
        400,
        "Database 'shop' is already in the backup being restored; "
        "databases created with a restore must have new names.",
    )
    assert_fault(
        await api.post("/instances", restore_body(b["id"], users=[{"name": "alice", "password": "x1"}])),
        "badRequest",
        400,
        "User 'alice@%' is already in the backup being restored; users created with a restore must have new names.",
    )
    assert await instance_count(api) == 1


@pytest.mark.parametrize(
    "point, fault, code, message",
    [
        ({"backupRef": UNKNOWN}, "itemNotFound", 404, f"Resource {UNKNOWN} cannot be found."),
        (
            {"backupRef": "not-a-backup-id"},
            "badRequest",
            400,
            "Validation error: instance['restorePoint']['backupRef'] 'not-a-backup-id' does not match "
            "'^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$'",
        ),
        ({}, "badRequest", 400, "Validation error: instance['restorePoint'] 'backupRef' is a required property"),
        (
            {"backupRef": 12},
            "badRequest",
            400,
            "Validation error: instance['restorePoint']['backupRef'] 12 is not of type 'string'",
        ),
        (
            {"backupRef": ""},
            "badRequest",
            400,
            "Validation error: instance['restorePoint']['backupRef'] '' should be non-empty; "
            "instance['restorePoint']['backupRef'] '' does not match '^.*[0-9a-zA-Z]+.*$'",
        ),
        ("x", "badRequest", 400, "Validation error: instance['restorePoint'] 'x' is not of type 'object'"),
    ],
)
async def test_restore_bad_restore_point_gets_its_fault_and_creates_nothing(api, point, fault, code, message):
    answer = await api.post(
        "/instances", {"instance": {"name": "r", "flavorRef": 2, "volume": {"size": 2}, "restorePoint": point}}
    )
    assert_fault(answer, fault, code, message)
    assert await instance_count(api) == 0


@pytest.mark.parametrize(
    "size, fault, code, message",
    [
        (
            -1,
            "badRequest",
            400,
            "Validation error: instance['volume']['size'] -1 is not valid under any of the given "
            "schemas; -1 is less than the minimum of 1; -1 is not of type 'string'",
        ),
        (
            0,
            "badRequest",
            400,
            "Validation error: instance['volume']['size'] 0 is not valid under any of the given "
            "schemas; 0 is less than the minimum of 1; 0 is not of type 'string'",
        ),
        (
            "abc",
            "badRequest",
            400,
            "Validation error: instance['volume']['size'] 'abc' is not valid under any of the "
            "given schemas; 'abc' is not of type 'integer'; 'abc' does not match '^0*[1-9]+[0-9]*$'",
        ),
        (2000, "overLimit", 413, "Volume 'size' cannot exceed maximum of 1024 GB, 2000 cannot be accepted."),
    ],
)
async def test_restore_bad_volume_size_gets_its_fault_and_creates_nothing(api, src, size, fault, code, message):
    b = await completed(api, src)
    assert_fault(await api.post("/instances", restore_body(b["id"], size=size)), fault, code, message)
    assert await instance_count(api) == 1


async def test_restore_from_another_accounts_backup_is_not_found(api, src):
    b = await completed(api, src)
    api.backend.identity.create_account("5678", token="other-token")
    other = api.as_account("5678", "other-token")
    assert_fault(
        await other.post("/instances", restore_body(b["id"])),
        "itemNotFound",
        404,
        f"Resource {b['id']} cannot be found.",
    )
    assert await instance_count(other) == 0


async def test_restore_from_a_deleted_backup_is_not_found(api, src):
    b = await completed(api, src)
    await api.delete(f"/backups/{b['id']}")
    assert_fault(
        await api.post("/instances", restore_body(b["id"])), "itemNotFound", 404, f"Resource {b['id']} cannot be found."
    )


async def test_restore_from_a_running_backup_is_conflict_with_its_state(api, src):
    b = await backup(api, src)
    assert_fault(
        await api.post("/instances", restore_body(b["id"])),
        "conflict",
        409,
        f"Unable to create instance because backup {b['id']} is not completed. Actual state: NEW.",
    )
    api.advance(5)
    assert_fault(
        await api.post("/instances", restore_body(b["id"])),
        "conflict",
        409,
        f"Unable to create instance because backup {b['id']} is not completed. Actual state: BUILDING.",
    )
    assert await instance_count(api) == 1


async def test_restore_from_a_failed_backup_is_conflict(api, src):
    b = await backup(api, src)
    api.backend.backups.mark_fault(b["id"])
    api.advance(60)
    assert_fault(
        await api.post("/instances", restore_body(b["id"])),
        "conflict",
        409,
        f"Unable to create instance because backup {b['id']} is not completed. Actual state: FAILED.",
    )


async def test_restore_onto_a_volume_smaller_than_the_backup_is_bad_request(api):
    src = await source(api, size=3, databases=[{"name": f"d{i}"} for i in range(30)])
    b = await completed(api, src)
    assert b["size"] == 1.66
    assert_fault(
        await api.post("/instances", restore_body(b["id"], size=1)),
        "badRequest",
        400,
        "Backup is too large for given flavor or volume. Backup size: 1.66 GBs. Available size: 1 GBs.",
    )
    assert (await api.post("/instances", restore_body(b["id"], size=2)))[0] == 200


async def test_restore_onto_another_datastore_is_bad_request(api, src):
    b = await completed(api, src)
    assert_fault(
        await api.post("/instances", restore_body(b["id"], datastore={"type": "percona"})),
        "badRequest",
        400,
        "The datastore from which the backup was taken, mysql, does not match the destination datastore of percona.",
    )


async def test_restore_check_order_is_not_found_conflict_too_large_datastore_then_quota(api):
    big = await source(api, size=3, databases=[{"name": f"d{i}"} for i in range(30)])
    running = await backup(api, big)
    # not completed beats too large and the datastore mismatch
    assert_fault(
        await api.post("/instances", restore_body(running["id"], size=1, datastore={"type": "percona"})),
        "conflict",
        409,
        contains="is not completed. Actual state: NEW.",
    )
    api.advance(60)
    # too large beats the datastore mismatch
    assert_fault(
        await api.post("/instances", restore_body(running["id"], size=1, datastore={"type": "percona"})),
        "badRequest",
        400,
        contains="Backup is too large",
    )
    # fill the quota (5 instances): the datastore mismatch still comes first, then the quota
    for i in range(4):
        await api.create_instance(name=f"fill{i}")
    assert_fault(
        await api.post("/instances", restore_body(running["id"], datastore={"type": "percona"})),
        "badRequest",
        400,
        contains="does not match the destination datastore",
    )
    assert_fault(
        await api.post("/instances", restore_body(running["id"])),
        "overLimit",
        413,
        "Quota exceeded for resources: ['instances'].",
    )
    # an unknown backup is reported before anything else
    assert_fault(
        await api.post("/instances", restore_body(UNKNOWN, size=1)),
        "itemNotFound",
        404,
        f"Resource {UNKNOWN} cannot be found.",
    )
    assert await instance_count(api) == 5


@pytest.mark.parametrize(
    "extra, fault, code, message",
    [
        ({"flavorRef": 99}, "badRequest", 400, "Resource 99 cannot be found."),
        (
            {"volume": {"size": 2000}},
            "overLimit",
            413,
            "Volume 'size' cannot exceed maximum of 1024 GB, 2000 cannot be accepted.",
        ),
        ({"datastore": {"type": "nosuch"}}, "itemNotFound", 404, "Datastore 'nosuch' cannot be found."),
    ],
)
async def test_restore_request_faults_come_before_the_backup_checks_as_in_trove(api, extra, fault, code, message):
    """Trove checks the datastore, the databases and users, the flavor and the volume before it looks up the
    backup, so an unknown backup is only reported for a request that is otherwise fine."""
    body = restore_body(UNKNOWN)
    body["instance"].update(extra)
    assert_fault(await api.post("/instances", body), fault, code, message)
    assert await instance_count(api) == 0


# broken chains end in ERROR ------------------------------------------------------------------------
async def test_restore_ends_in_error_when_the_chain_loses_a_link_during_the_build(api, src):
    full = await completed(api, src, "full")
    inc = await completed(api, src, "inc", incremental=1)
    _, body, _ = await api.post("/instances", restore_body(inc["id"]))
    assert (await api.delete(f"/backups/{full['id']}"))[0] == 202  # cascades to inc
    api.advance(600)
    assert (await api.get(f"/instances/{body['instance']['id']}"))[1]["instance"]["status"] == "ERROR"


async def test_restore_ends_in_error_when_a_parent_in_the_chain_failed(api, src):
    failed = await backup(api, src, "failed-full")
    api.backend.backups.mark_fault(failed["id"])
    api.advance(60)
    inc = await completed(api, src, "inc", parent_id=failed["id"])
    assert inc["status"] == "COMPLETED" and inc["parent_id"] == failed["id"]
    status, body, _ = await api.post("/instances", restore_body(inc["id"]))
    assert status == 200
    api.advance(600)
    assert (await api.get(f"/instances/{body['instance']['id']}"))[1]["instance"]["status"] == "ERROR"
