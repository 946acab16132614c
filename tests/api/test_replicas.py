"""Replication: replicas of a source (replica_of), Cloud Databases' limits with their statuses and texts, what a replica
holds and follows, listing, detach, promote, eject, the source's delete refusal, and the upgrade action's upgraded
replica (VERIFY_UPGRADE until it is detached)."""

import pytest
from support import ACCOUNT, TOKEN, assert_fault

from simulator import DemoAccount, Durations, SimulatorConfig

UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def sim_config():
    return SimulatorConfig(
        seed=7,
        bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN),
        durations=Durations(build=60, reboot=30, resize=45, shutdown=10, backup=20),
    )


async def active(api, name="src", flavor=2, size=2, **extra) -> dict:
    inst = await api.create_instance(name=name, flavor=flavor, size=size, **extra)
    api.advance(60)
    return inst


async def replica(api, source_id, name="rep", **extra):
    return await api.post("/instances", {"instance": {"name": name, "replica_of": source_id, **extra}})


async def show(api, instance_id) -> dict:
    status, body, _ = await api.get(f"/instances/{instance_id}")
    assert status == 200, body
    return body["instance"]


async def pair(api) -> tuple[dict, dict]:
    """An ACTIVE source with a database and a user, and an ACTIVE replica of it."""
    src = await active(
        api,
        databases=[{"name": "orders"}],
        users=[{"name": "app", "password": "s3cret", "databases": [{"name": "orders"}]}],
    )
    status, body, _ = await replica(api, src["id"])
    assert status == 200, body
    api.advance(60)
    return src, body["instance"]


# --- create ------------------------------------------------------------------------------------------------------


async def test_replica_takes_flavor_volume_and_version_from_its_source_and_the_source_restarts(api):
    src = await active(api, flavor=3, size=5, datastore={"type": "mysql", "version": "5.7"})
    status, body, _ = await replica(api, src["id"])
    assert status == 200
    rep = body["instance"]
    assert (rep["status"], rep["flavor"]["id"], rep["volume"], rep["datastore"]) == (
        "BUILD",
        "3",
        {"size": 5},
        {"type": "mysql", "version": "5.7"},
    )
    assert rep["replica_of"]["id"] == src["id"]
    assert rep["replica_of"]["links"][0]["href"].endswith(f"/v1.0/{ACCOUNT}/instances/{src['id']}")
    assert (await show(api, src["id"]))["status"] == "RESTART"
    api.advance(30)
    assert (await show(api, src["id"]))["status"] == "ACTIVE"
    assert (await show(api, rep["id"]))["status"] == "BUILD"
    api.advance(30)
    assert (await show(api, rep["id"]))["status"] == "ACTIVE"


async def test_replica_request_may_name_flavor_and_volume_as_the_docs_example_does(api):
    src = await active(api)
    status, body, _ = await replica(api, src["id"], flavorRef="4", volume={"size": 3})
    assert status == 200 and (body["instance"]["flavor"]["id"], body["instance"]["volume"]) == ("4", {"size": 3})


async def test_troves_slave_of_creates_a_replica_too(api):
    src = await active(api)
    status, body, _ = await api.post("/instances", {"instance": {"name": "legacy", "slave_of": src["id"]}})
    assert status == 200 and body["instance"]["replica_of"]["id"] == src["id"]


async def test_replica_of_an_unknown_source_is_not_found(api):
    assert_fault(await replica(api, UNKNOWN), "itemNotFound", 404, f"Resource {UNKNOWN} cannot be found.")


async def test_replica_of_a_replica_is_troves_forbidden_which_answers_401(api):
    _, rep = await pair(api)
    assert_fault(
        await replica(api, rep["id"], name="chain"),
        "unauthorized",
        401,
        f"Cannot create a replica of a replica {rep['id']}.",
    )


async def test_replica_of_a_source_that_is_not_active_is_unprocessable(api):
    src = await api.create_instance()
    assert_fault(
        await replica(api, src["id"]),
        "unprocessableEntity",
        422,
        f"Instance {src['id']} is not currently available for an action to be performed (task status was BUILDING).",
    )


async def test_a_third_replica_is_refused(api):
    src = await active(api)
    assert (await replica(api, src["id"], name="r1"))[0] == 200
    api.advance(60)
    assert (await replica(api, src["id"], name="r2"))[0] == 200
    api.advance(60)
    assert_fault(
        await replica(api, src["id"], name="r3"),
        "badRequest",
        400,
        f"Instance {src['id']} has 2 replica(s); a source can have at most 2.",
    )


async def test_replica_count_over_the_limit_is_refused(api):
    src = await active(api)
    assert_fault(
        await replica(api, src["id"], replica_count=3),
        "badRequest",
        400,
        f"Instance {src['id']} has 0 replica(s); a source can have at most 2.",
    )


async def test_replica_count_two_names_them_name_1_and_name_2(api):
    src = await active(api)
    status, body, _ = await replica(api, src["id"], name="r", replica_count=2)
    assert status == 200 and body["instance"]["name"] == "r-1"
    api.advance(60)
    _, listed, _ = await api.get(f"/instances/{src['id']}/replicas")
    assert sorted(i["name"] for i in listed["instances"]) == ["r-1", "r-2"]


async def test_replica_needs_a_flavor_of_one_gb_or_more(api):
    src = await active(api, flavor=1)
    assert_fault(
        await replica(api, src["id"]),
        "badRequest",
        400,
        "Replication needs a flavor of 1 GB or more; flavor 1 (512MB Instance) has 512 MB of RAM.",
    )
    src2 = await active(api, name="big")
    assert_fault(await replica(api, src2["id"], flavorRef=1), "badRequest", 400, contains="flavor 1 (512MB")


async def test_replica_runs_its_sources_datastore_and_version(api):
    src = await active(api, datastore={"type": "mysql", "version": "5.7"})
    assert_fault(
        await replica(api, src["id"], datastore={"type": "mysql", "version": "8.0"}),
        "badRequest",
        400,
        "A replica runs its source's datastore version (mysql 5.7); '8.0' was requested.",
    )
    assert_fault(
        await replica(api, src["id"], datastore={"type": "percona"}),
        "badRequest",
        400,
        "A replica runs its source's datastore (mysql 5.7); 'percona' was requested.",
    )
    assert (await replica(api, src["id"], datastore={"type": "MySQL", "version": "5.7"}))[0] == 200


async def test_replica_with_users_or_databases_is_refused(api):
    src = await active(api)
    assert_fault(
        await replica(api, src["id"], databases=[{"name": "x1"}]),
        "badRequest",
        400,
        "Cannot create a replica with users or databases.",
    )


async def test_replica_of_that_is_not_an_id_is_a_validation_error(api):
    assert_fault(await replica(api, "not-a-uuid"), "badRequest", 400, contains="instance['replica_of'] 'not-a-uuid'")


async def test_replica_counts_against_the_instance_quota(api):
    src = await active(api)
    api.backend.store.accounts.update_settings(ACCOUNT, settings={"quotas": {"instances": 1}})
    assert_fault(await replica(api, src["id"]), "overLimit", 413, "Quota exceeded for resources: ['instances'].")


# --- what a replica holds ----------------------------------------------------------------------------------------


async def test_replica_starts_with_the_sources_databases_users_passwords_and_grants(api):
    _, rep = await pair(api)
    _, dbs, _ = await api.get(f"/instances/{rep['id']}/databases")
    assert dbs["databases"] == [{"name": "orders"}]
    _, users, _ = await api.get(f"/instances/{rep['id']}/users")
    assert users["users"] == [{"name": "app", "host": "%", "databases": [{"name": "orders"}]}]
    assert api.backend.users.check_login(ACCOUNT, rep["id"], "app", "s3cret")


async def test_replica_follows_what_is_created_and_dropped_on_its_source(api):
    src, rep = await pair(api)
    assert (await api.post(f"/instances/{src['id']}/databases", {"databases": [{"name": "audit"}]}))[0] == 202
    assert (
        await api.post(
            f"/instances/{src['id']}/users",
            {"users": [{"name": "report", "password": "pw1", "databases": [{"name": "audit"}]}]},
        )
    )[0] == 202
    assert (await api.delete(f"/instances/{src['id']}/databases/orders"))[0] == 202
    assert (await api.put(f"/instances/{src['id']}/users/app", {"user": {"password": "rotated"}}))[0] == 202
    _, dbs, _ = await api.get(f"/instances/{rep['id']}/databases")
    assert dbs["databases"] == [{"name": "audit"}]
    _, users, _ = await api.get(f"/instances/{rep['id']}/users")
    assert [(u["name"], u["databases"]) for u in users["users"]] == [("app", []), ("report", [{"name": "audit"}])]
    assert api.backend.users.check_login(ACCOUNT, rep["id"], "app", "rotated")


@pytest.mark.parametrize(
    "method, path, payload",
    [
        ("POST", "/databases", {"databases": [{"name": "x1"}]}),
        ("DELETE", "/databases/orders", None),
        ("POST", "/users", {"users": [{"name": "u1", "password": "pw"}]}),
        ("PUT", "/users/app", {"user": {"password": "new"}}),
        ("PUT", "/users", {"users": [{"name": "app", "password": "new"}]}),
        ("DELETE", "/users/app", None),
        ("PUT", "/users/app/databases", {"databases": [{"name": "orders"}]}),
        ("DELETE", "/users/app/databases/orders", None),
        ("POST", "/root", None),
    ],
)
async def test_database_and_user_writes_on_a_replica_are_refused(api, method, path, payload):
    src, rep = await pair(api)
    assert_fault(
        await api.call(method, f"/instances/{rep['id']}{path}", json=payload),
        "badRequest",
        400,
        f"Instance {rep['id']} is a replica of {src['id']}: databases and users are managed on the source "
        f"and replicate to its replicas.",
    )


# --- listing ------------------------------------------------------------------------------------------------------


async def test_views_show_replicas_on_the_source_and_replica_of_on_the_replica(api):
    src, rep = await pair(api)
    shown = await show(api, src["id"])
    assert [(r["id"], r["name"]) for r in shown["replicas"]] == [(rep["id"], "rep")]
    assert [link["rel"] for link in shown["replicas"][0]["links"]] == ["self", "bookmark"]
    assert "replica_of" not in shown
    assert (await show(api, rep["id"]))["replica_of"]["id"] == src["id"]
    _, listed, _ = await api.get("/instances")
    by_id = {i["id"]: i for i in listed["instances"]}
    assert by_id[src["id"]]["replicas"][0]["id"] == rep["id"]
    assert by_id[rep["id"]]["replica_of"]["id"] == src["id"]


async def test_include_replicas_false_hides_replicas(api):
    src, rep = await pair(api)
    _, listed, _ = await api.get("/instances?include_replicas=false")
    assert [i["id"] for i in listed["instances"]] == [src["id"]]
    _, listed, _ = await api.get("/instances?include_replicas=true")
    assert {i["id"] for i in listed["instances"]} == {src["id"], rep["id"]}


async def test_list_replicas_of_a_source(api):
    src, rep = await pair(api)
    status, body, _ = await api.get(f"/instances/{src['id']}/replicas")
    assert status == 200 and [i["id"] for i in body["instances"]] == [rep["id"]]
    assert body["instances"][0]["replica_of"]["id"] == src["id"]
    assert (await api.get(f"/instances/{rep['id']}/replicas"))[1] == {"instances": []}
    assert_fault(
        await api.get(f"/instances/{UNKNOWN}/replicas"), "itemNotFound", 404, f"Resource {UNKNOWN} cannot be found."
    )


# --- detach, promote, eject, delete --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, field, value", [("PATCH", "replica_of", ""), ("PATCH", "slave_of", ""), ("PUT", "replica_of", None)]
)
async def test_detach_goes_detach_replica_then_active_and_standalone(api, method, field, value):
    src, rep = await pair(api)
    status, body, _ = await api.call(method, f"/instances/{rep['id']}", json={"instance": {field: value}})
    assert (status, body) == (202, None)
    assert (await show(api, rep["id"]))["status"] == "DETACH_REPLICA"
    api.advance(30)
    detached = await show(api, rep["id"])
    assert detached["status"] == "ACTIVE" and "replica_of" not in detached
    assert "replicas" not in await show(api, src["id"])
    assert (await api.post(f"/instances/{rep['id']}/databases", {"databases": [{"name": "own"}]}))[0] == 202
    assert (await api.delete(f"/instances/{src['id']}"))[0] == 202


@pytest.mark.parametrize(
    "spec",
    [
        {"slave_of": None, "replica_of": None, "rm_master_replica_config": False},
        {"slave_of": None, "replica_of": None, "rm_master_replica_config": True},
        {"slave_of": None, "replica_of": None},
    ],
    ids=["cdbclient", "cdbclient-rm-master-config", "both-names"],
)
async def test_detach_as_cdbclient_sends_it_is_one_detach(api, spec):
    """cdbclient's detach-replica sends both names (Trove's old slave_of and new replica_of) and Rackspace's
    rm_master_replica_config: one attribute, one detach."""
    _, rep = await pair(api)
    status, body, _ = await api.patch(f"/instances/{rep['id']}", {"instance": spec})
    assert (status, body) == (202, None)
    assert (await show(api, rep["id"]))["status"] == "DETACH_REPLICA"
    api.advance(30)
    assert "replica_of" not in await show(api, rep["id"])


@pytest.mark.parametrize(
    "spec, message",
    [
        (
            {"rm_master_replica_config": True},
            "rm_master_replica_config is only allowed with a replica detach (replica_of: null).",
        ),
        (
            {"replica_of": None, "rm_master_replica_config": "yes"},
            "Validation error: instance['rm_master_replica_config'] 'yes' is not of type 'boolean'",
        ),
        (
            {"replica_of": None, "slave_of": None, "name": "n", "configuration": None},
            "Only one attribute (except 'name') is allowed to update.",
        ),
    ],
)
async def test_detach_bodies_that_say_more_or_less_are_refused(api, spec, message):
    _, rep = await pair(api)
    assert_fault(await api.patch(f"/instances/{rep['id']}", {"instance": spec}), "badRequest", 400, message)
    assert (await show(api, rep["id"]))["status"] == "ACTIVE"


async def test_detach_with_a_source_id_is_refused(api):
    src, rep = await pair(api)
    assert_fault(
        await api.patch(f"/instances/{rep['id']}", {"instance": {"replica_of": src["id"]}}),
        "badRequest",
        400,
        f'An instance cannot be made a replica after it is created: send replica_of "" or null to '
        f"detach instance {rep['id']} from its source.",
    )


async def test_delete_of_a_source_with_replicas_is_forbidden(api):
    src, rep = await pair(api)
    assert_fault(
        await api.delete(f"/instances/{src['id']}"), "forbidden", 403, "Detach replicas before deleting replica source."
    )
    assert (await api.delete(f"/instances/{rep['id']}"))[0] == 202
    api.advance(10)
    assert (await api.delete(f"/instances/{src['id']}"))[0] == 202


async def test_promote_makes_the_replica_the_source_and_the_old_source_its_replica(api):
    src, rep = await pair(api)
    assert (await api.post(f"/instances/{rep['id']}/action", {"promote_to_replica_source": {}}))[0] == 202
    assert {(await show(api, i))["status"] for i in (src["id"], rep["id"])} == {"PROMOTE"}
    api.advance(30)
    new_source, old_source = await show(api, rep["id"]), await show(api, src["id"])
    assert (new_source["status"], "replica_of" in new_source) == ("ACTIVE", False)
    assert [r["id"] for r in new_source["replicas"]] == [src["id"]]
    assert old_source["replica_of"]["id"] == rep["id"]
    assert_fault(
        await api.post(f"/instances/{src['id']}/databases", {"databases": [{"name": "x1"}]}),
        "badRequest",
        400,
        contains="is a replica of",
    )


async def test_promote_of_a_non_replica_is_refused(api):
    src = await active(api)
    assert_fault(
        await api.post(f"/instances/{src['id']}/action", {"promote_to_replica_source": {}}),
        "badRequest",
        400,
        f"Instance {src['id']} is not a replica.",
    )


async def test_eject_of_a_source_with_a_heartbeat_is_refused(api):
    src, rep = await pair(api)
    assert_fault(
        await api.post(f"/instances/{src['id']}/action", {"eject_replica_source": {}}),
        "badRequest",
        400,
        f"Replica Source {src['id']} cannot be ejected as it has a current heartbeat",
    )
    assert_fault(
        await api.post(f"/instances/{rep['id']}/action", {"eject_replica_source": {}}),
        "badRequest",
        400,
        f"Instance {rep['id']} is not a replica source.",
    )


async def test_eject_of_a_source_that_went_down_promotes_a_replica(api):
    src, rep = await pair(api)
    api.backend.failures.fail_source(ACCOUNT, src["id"], "injected")
    assert (await show(api, src["id"]))["status"] == "SHUTDOWN"
    assert (await api.post(f"/instances/{src['id']}/action", {"eject_replica_source": {}}))[0] == 202
    assert (await show(api, rep["id"]))["status"] == "EJECT"
    api.advance(30)
    new_source, ejected = await show(api, rep["id"]), await show(api, src["id"])
    assert (new_source["status"], "replica_of" in new_source, "replicas" in new_source) == ("ACTIVE", False, False)
    assert (ejected["status"], "replica_of" in ejected, "replicas" in ejected) == ("SHUTDOWN", False, False)
    assert (await api.delete(f"/instances/{src['id']}"))[0] == 202


async def test_a_broken_replica_is_in_error_and_stops_following(api):
    src, rep = await pair(api)
    api.backend.failures.break_replica(ACCOUNT, rep["id"], "replication broke")
    assert (await show(api, rep["id"]))["status"] == "ERROR"
    await api.post(f"/instances/{src['id']}/databases", {"databases": [{"name": "later"}]})
    assert api.backend.store.instances.database_names(rep["id"]) == {"orders"}


# --- the upgrade action ---------------------------------------------------------------------------------------------


async def test_upgrade_action_builds_an_upgraded_replica_that_waits_in_verify_upgrade(api):
    src = await active(api, datastore={"type": "mysql", "version": "5.6"}, databases=[{"name": "orders"}])
    status, body, _ = await api.post(
        f"/instances/{src['id']}/action", {"upgrade": {"datastore_type": "mysql", "datastore_version": "5.7"}}
    )
    assert status == 202
    upgraded = body["instance"]
    assert (upgraded["status"], upgraded["datastore"], upgraded["replica_of"]["id"]) == (
        "BUILD",
        {"type": "mysql", "version": "5.7"},
        src["id"],
    )
    assert (await show(api, src["id"]))["status"] == "VERIFY_UPGRADE"
    api.advance(60)
    assert (await show(api, upgraded["id"]))["status"] == "VERIFY_UPGRADE"
    assert (await api.get(f"/instances/{upgraded['id']}/databases"))[1]["databases"] == [{"name": "orders"}]
    assert (await api.patch(f"/instances/{upgraded['id']}", {"instance": {"replica_of": ""}}))[0] == 202
    api.advance(30)
    shown = await show(api, upgraded["id"])
    assert (shown["status"], shown["datastore"]["version"], "replica_of" in shown) == ("ACTIVE", "5.7", False)
    assert (await show(api, src["id"]))["status"] == "ACTIVE"


async def test_upgrade_action_of_a_source_or_replica_is_refused(api):
    src = await active(api, datastore={"type": "mysql", "version": "5.6"})
    assert (await replica(api, src["id"]))[0] == 200
    api.advance(60)
    assert_fault(
        await api.post(f"/instances/{src['id']}/action", {"upgrade": {"datastore_version": "5.7"}}),
        "badRequest",
        400,
        f"Instance {src['id']} is part of a replication set: the upgrade action builds "
        f"an upgraded replica, so a source or a replica cannot be upgraded this way.",
    )
