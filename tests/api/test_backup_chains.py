"""Incremental chains: parents, incremental:1, restoring each link exactly, cascade delete."""

import pytest
from support import ACCOUNT, TOKEN, assert_fault

from simulator import DemoAccount, Durations, SimulatorConfig

#: The API's names for a backup's kind (the model's full and incremental).
FULL, INCREMENTAL = "InnoBackupEx", "InnoBackupExIncremental"


@pytest.fixture
def sim_config():
    return SimulatorConfig(
        seed=11,
        bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN),
        durations=Durations(backup=20, backup_per_gb=10),
    )


async def backup(api, instance_id, name, **extra):
    status, body, _ = await api.post("/backups", {"backup": {"name": name, "instance": instance_id, **extra}})
    assert status == 202, body
    return body["backup"]


async def completed_backup(api, instance_id, name, **extra):
    b = await backup(api, instance_id, name, **extra)
    api.advance(60)
    assert (await api.get(f"/backups/{b['id']}"))[1]["backup"]["status"] == "COMPLETED"
    return b


async def state(api, instance_id):
    """What a client can see of an instance's data: databases, users with their grants."""
    dbs = (await api.get(f"/instances/{instance_id}/databases"))[1]["databases"]
    users = (await api.get(f"/instances/{instance_id}/users"))[1]["users"]
    return {"databases": dbs, "users": users}


async def login(api, instance_id, user, password):
    status, body, _ = await api.post(
        f"/_sim/accounts/{ACCOUNT}/instances/{instance_id}/login", {"user": user, "password": password}
    )
    assert status == 200, body
    return body["login"]


async def restore(api, backup_id, name="restored"):
    status, body, _ = await api.post(
        "/instances",
        {"instance": {"name": name, "flavorRef": 2, "volume": {"size": 2}, "restorePoint": {"backupRef": backup_id}}},
    )
    assert status == 200, body
    api.advance(600)
    shown = (await api.get(f"/instances/{body['instance']['id']}"))[1]["instance"]
    assert shown["status"] == "ACTIVE"
    return shown


async def ids_listed(api):
    return {b["id"] for b in (await api.get("/backups"))[1]["backups"]}


async def test_incremental_chain_restores_each_link_exactly_as_the_source_was(api):
    src = (
        await api.create_instance(
            databases=[{"name": "shop"}, {"name": "logs"}],
            users=[
                {"name": "alice", "password": "alice-1", "databases": [{"name": "shop"}]},
                {"name": "bob", "password": "bob-1", "databases": [{"name": "logs"}]},
            ],
        )
    )["id"]
    full = await completed_backup(api, src, "full")
    at_full = await state(api, src)

    # between full and inc1: add a database and a user, change alice's password, drop bob, drop logs
    await api.post(f"/instances/{src}/databases", {"databases": [{"name": "crm", "character_set": "latin1"}]})
    await api.post(
        f"/instances/{src}/users", {"users": [{"name": "carol", "password": "carol-1", "databases": [{"name": "crm"}]}]}
    )
    assert (await api.put(f"/instances/{src}/users", {"users": [{"name": "alice", "password": "alice-2"}]}))[0] == 202
    assert (await api.delete(f"/instances/{src}/users/bob"))[0] == 202
    assert (await api.delete(f"/instances/{src}/databases/logs"))[0] == 202
    inc1 = await completed_backup(api, src, "inc1", parent_id=full["id"])
    at_inc1 = await state(api, src)

    # between inc1 and inc2: bob comes back with a new password, carol gets shop, crm goes, alice changes again
    await api.post(f"/instances/{src}/users", {"users": [{"name": "bob", "password": "bob-2"}]})
    await api.put(f"/instances/{src}/users/carol/databases", {"databases": [{"name": "shop"}]})
    await api.delete(f"/instances/{src}/databases/crm")
    await api.put(f"/instances/{src}/users/alice", {"user": {"password": "alice-3"}})
    inc2 = await completed_backup(api, src, "inc2", incremental=1)
    at_inc2 = await state(api, src)
    assert (await api.get(f"/backups/{inc2['id']}"))[1]["backup"]["parent_id"] == inc1["id"]

    # after the last backup: more changes that no restore may show
    await api.put(f"/instances/{src}/users", {"users": [{"name": "alice", "password": "alice-4"}]})
    await api.post(f"/instances/{src}/databases", {"databases": [{"name": "later"}]})

    assert len({str(s) for s in (at_full, at_inc1, at_inc2)}) == 3
    r_full = (await restore(api, full["id"], "r-full"))["id"]
    r_inc1 = (await restore(api, inc1["id"], "r-inc1"))["id"]
    r_inc2 = (await restore(api, inc2["id"], "r-inc2"))["id"]
    assert await state(api, r_full) == at_full
    assert await state(api, r_inc1) == at_inc1
    assert await state(api, r_inc2) == at_inc2
    assert at_inc1["databases"] == [{"name": "crm"}, {"name": "shop"}]
    assert (await api.get(f"/instances/{r_inc1}/databases"))[1]["databases"] == [{"name": "crm"}, {"name": "shop"}]

    assert await login(api, r_full, "alice", "alice-1") and not await login(api, r_full, "alice", "alice-2")
    assert await login(api, r_full, "bob", "bob-1")
    assert await login(api, r_inc1, "alice", "alice-2") and not await login(api, r_inc1, "alice", "alice-1")
    assert await login(api, r_inc1, "carol", "carol-1")
    assert await login(api, r_inc2, "alice", "alice-3") and not await login(api, r_inc2, "alice", "alice-4")
    assert await login(api, r_inc2, "bob", "bob-2") and not await login(api, r_inc2, "bob", "bob-1")
    assert await login(api, src, "alice", "alice-4")


async def test_incremental_backup_with_parent_id_is_incremental_of_that_parent(api):
    src = (await api.create_instance())["id"]
    full = await completed_backup(api, src, "full")
    inc = await backup(api, src, "inc", parent_id=full["id"])
    assert inc["parent_id"] == full["id"] and inc["type"] == INCREMENTAL
    assert full["type"] == FULL


async def test_incremental_one_picks_the_newest_completed_backup_of_the_instance(api):
    src = (await api.create_instance())["id"]
    first = await completed_backup(api, src, "first")
    second = await completed_backup(api, src, "second", incremental=1)
    assert second["parent_id"] == first["id"]
    third = await completed_backup(api, src, "third", incremental=1)
    assert third["parent_id"] == second["id"] and third["type"] == INCREMENTAL


async def test_incremental_one_without_a_completed_backup_makes_a_full_one(api):
    src = (await api.create_instance())["id"]
    failed = await backup(api, src, "failed")
    api.backend.backups.mark_fault(failed["id"])
    api.advance(60)
    b = await backup(api, src, "first", incremental=1)
    assert b["parent_id"] is None and b["type"] == FULL


async def test_incremental_zero_with_no_parent_is_full(api):
    src = (await api.create_instance())["id"]
    await completed_backup(api, src, "first")
    b = await backup(api, src, "again", incremental=0)
    assert b["parent_id"] is None and b["type"] == FULL


async def test_delete_backup_cascades_to_its_whole_subtree_only(api):
    src = (await api.create_instance())["id"]
    other = (await api.create_instance(name="other"))["id"]
    full = await completed_backup(api, src, "full")
    inc1 = await completed_backup(api, src, "inc1", parent_id=full["id"])
    await completed_backup(api, src, "inc2", parent_id=inc1["id"])
    branch = await completed_backup(api, other, "branch", parent_id=full["id"])
    unrelated = await completed_backup(api, src, "unrelated")
    assert (await api.delete(f"/backups/{inc1['id']}"))[0] == 202
    assert await ids_listed(api) == {full["id"], branch["id"], unrelated["id"]}
    assert (await api.delete(f"/backups/{full['id']}"))[0] == 202
    assert await ids_listed(api) == {unrelated["id"]}


async def test_delete_backup_with_a_running_descendant_is_unprocessable_and_deletes_nothing(api):
    src = (await api.create_instance())["id"]
    full = await completed_backup(api, src, "full")
    inc1 = await completed_backup(api, src, "inc1", parent_id=full["id"])
    running = await backup(api, src, "inc2", parent_id=inc1["id"])
    assert_fault(
        await api.delete(f"/backups/{full['id']}"),
        "unprocessableEntity",
        422,
        f"Backup {running['id']} cannot be deleted because it is running.",
    )
    assert await ids_listed(api) == {full["id"], inc1["id"], running["id"]}
    api.advance(60)
    assert (await api.delete(f"/backups/{full['id']}"))[0] == 202
    assert await ids_listed(api) == set()


async def test_chain_depth_is_unlimited(api):
    src = (await api.create_instance())["id"]
    chain = [await completed_backup(api, src, "full")]
    for i in range(8):
        await api.post(f"/instances/{src}/databases", {"databases": [{"name": f"d{i}"}]})
        chain.append(await completed_backup(api, src, f"inc{i}", incremental=1))
    assert [b["parent_id"] for b in chain[1:]] == [b["id"] for b in chain[:-1]]
    restored = await restore(api, chain[-1]["id"])
    names = [d["name"] for d in (await api.get(f"/instances/{restored['id']}/databases"))[1]["databases"]]
    assert names == [f"d{i}" for i in range(8)]
