"""HA instance groups (cloud-databases-api §7.11) through raw requests: create, list, show, delete, ACLs, the group
actions with each state on the simulator's clock, configuration groups, backups of a group, convert_to_ha, what a
node allows on its own, and every refusal."""

import pytest
from support import ACCOUNT, TOKEN, assert_fault

from simulator import DemoAccount, Durations, SimulatorConfig
from simulator.backend.ha import MAX_ACLS

UNKNOWN = "00000000-0000-4000-8000-000000000000"
NODE_REFUSED = "Operation not supported for instances that are part of an HA instance group"


@pytest.fixture
def sim_config():
    return SimulatorConfig(
        seed=7,
        bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN),
        durations=Durations(build=60, reboot=30, resize=45, shutdown=10, backup=20),
    )


def node(name, flavor="2", size=1):
    return {"name": name, "flavorRef": flavor, "volume": {"size": size}}


def ha_body(replicas=1, **extra):
    """The docs' create body; replicas is how many (or the list itself)."""
    nodes = replicas if isinstance(replicas, list) else [node(f"replica{i + 1}") for i in range(replicas)]
    spec = {
        "name": "ha-1",
        "datastore": {"type": "MYSQL", "version": "5.7"},
        "replica_source": [node("source")],
        "replicas": nodes,
        "networks": ["servicenet", "public"],
        "acls": [{"address": "10.0.0.0/8"}],
    }
    spec.update(extra)
    return {"ha": spec}


async def create(api, **kw) -> dict:
    status, body, _ = await api.post("/ha", ha_body(**kw))
    assert status == 202, body
    return body["ha_instance"]


async def active_group(api, **kw) -> dict:
    group = await create(api, **kw)
    api.advance(60)
    return await show(api, group["id"])


async def show(api, ha_id) -> dict:
    status, body, _ = await api.get(f"/ha/{ha_id}")
    assert status == 200, body
    return body["ha_instance"]


async def state(api, ha_id) -> str:
    return (await show(api, ha_id))["state"]


async def action(api, ha_id, body):
    return await api.post(f"/ha/{ha_id}/action", body)


# --- create, list, show, delete -----------------------------------------------------------------------------------


async def test_create_answers_202_with_the_group_in_build_and_no_nodes_yet(api):
    group = await create(api)
    assert (group["state"], group["name"], group["tenant_id"]) == ("BUILD", "ha-1", ACCOUNT)
    assert group["flavor"]["name"] == "1GB Instance"
    assert (group["datastore"], group["volume"], group["flavor"]["id"]) == (
        {"type": "mysql", "version": "5.7"},
        {"size": 1},
        2,
    )
    assert (group["replica_source"], group["replicas"], group["acls"], group["networks"]) == ([], [], [], [])


async def test_group_builds_then_shows_its_nodes_acls_and_networks(api):
    group = await create(api, replicas=2)
    shown = await show(api, group["id"])
    assert shown["state"] == "BUILD" and {n["status"] for n in shown["replicas"]} == {"BUILD"}
    api.advance(60)
    shown = await show(api, group["id"])
    assert shown["state"] == "ACTIVE"
    [source] = shown["replica_source"]
    assert (source["name"], source["status"], source["ha_id"]) == ("source", "ACTIVE", group["id"])
    assert [r["id"] for r in source["replicas"]] == [r["id"] for r in shown["replicas"]]
    assert {(r["name"], r["replica_of"]["id"], r["ha_id"]) for r in shown["replicas"]} == {
        ("replica1", source["id"], group["id"]),
        ("replica2", source["id"], group["id"]),
    }
    assert shown["acls"] == [{"type": "ALLOW", "address": "10.0.0.0/8"}]
    assert [(n["network"], n["access"], n["port"]) for n in shown["networks"]] == [
        ("servicenet", "read", 3307),
        ("servicenet", "write", 3306),
        ("public", "read", 3307),
        ("public", "write", 3306),
    ]
    assert shown["networks"][0]["address"].endswith(".publb.dfw.rackspaceclouddb.com")


async def test_list_groups_and_members_in_the_instance_list(api):
    group = await active_group(api)
    _, body, _ = await api.get("/ha")
    assert body == {
        "ha_instances": [
            {"datastore": {"type": "mysql", "version": "5.7"}, "id": group["id"], "name": "ha-1", "state": "ACTIVE"}
        ]
    }
    _, listed, _ = await api.get("/instances")
    assert {i["ha_id"] for i in listed["instances"]} == {group["id"]}
    _, listed, _ = await api.get("/instances?include_ha=false")
    assert listed["instances"] == []


async def test_create_refusals(api):
    assert_fault(
        await api.post("/ha", ha_body(replicas=0)),
        "badRequest",
        400,
        "Validation error: ha['replicas'] [] should be non-empty",
    )
    assert_fault(
        await api.post("/ha", ha_body(replicas=3)),
        "badRequest",
        400,
        "An HA instance group has 1 or 2 replicas; replicas lists 3.",
    )
    assert_fault(
        await api.post("/ha", ha_body(replica_source=[node("a"), node("b")])),
        "badRequest",
        400,
        "An HA instance group has exactly one source; replica_source lists 2.",
    )
    assert_fault(
        await api.post("/ha", ha_body(replica_source=[node("s", flavor="3")])),
        "badRequest",
        400,
        "All nodes of an HA instance group must have the same flavor and volume size.",
    )
    assert_fault(
        await api.post("/ha", ha_body(replica_source=[node("s", flavor="1")], replicas=[node("r", flavor="1")])),
        "badRequest",
        400,
        "Replication needs a flavor of 1 GB or more; flavor 1 (512MB Instance) has 512 MB of RAM.",
    )
    assert_fault(
        await api.post("/ha", ha_body(acls=[{"address": "10.0.0.300/8"}])),
        "badRequest",
        400,
        "ACL address '10.0.0.300/8' is not an IPv4 CIDR such as 1.2.3.4/32.",
    )
    assert_fault(
        await api.post("/ha", ha_body(configuration=UNKNOWN)),
        "itemNotFound",
        404,
        f"Configuration group id: {UNKNOWN} could not be found.",
    )
    assert_fault(
        await api.post("/ha", ha_body(replica_source=[node("s", size=2000)], replicas=[node("r", size=2000)])),
        "overLimit",
        413,
        "Volume 'size' cannot exceed maximum of 1024 GB, 2000 cannot be accepted.",
    )
    assert_fault(
        await api.post("/ha", {"ha": {"name": "x"}}), "badRequest", 400, contains="'datastore' is a required property"
    )
    assert (await api.get("/ha"))[1] == {"ha_instances": []}


async def test_create_counts_every_node_against_the_instance_quota(api):
    api.backend.store.accounts.update_settings(ACCOUNT, settings={"quotas": {"instances": 2}})
    assert_fault(
        await api.post("/ha", ha_body(replicas=2)), "overLimit", 413, "Quota exceeded for resources: ['instances']."
    )


async def test_unknown_group_is_not_found(api):
    for call in (
        api.get(f"/ha/{UNKNOWN}"),
        api.delete(f"/ha/{UNKNOWN}"),
        api.get(f"/ha/{UNKNOWN}/acls"),
        api.get(f"/ha/{UNKNOWN}/backups"),
        action(api, UNKNOWN, {"restart": {}}),
    ):
        assert_fault(await call, "itemNotFound", 404, f"Resource {UNKNOWN} cannot be found.")


async def test_delete_shows_deleting_then_the_group_and_its_nodes_are_gone(api):
    group = await create(api)
    assert_fault(
        await api.delete(f"/ha/{group['id']}"),
        "unprocessableEntity",
        422,
        f"HA instance {group['id']} is not ready. (State is BUILD).",
    )
    api.advance(60)
    nodes = [n["id"] for n in (await show(api, group["id"]))["replica_source"]]
    assert (await api.delete(f"/ha/{group['id']}"))[0] == 202
    assert await state(api, group["id"]) == "DELETING"
    assert (await api.get(f"/instances/{nodes[0]}"))[1]["instance"]["status"] == "SHUTDOWN"
    api.advance(10)
    assert_fault(await api.get(f"/ha/{group['id']}"), "itemNotFound", 404, f"Resource {group['id']} cannot be found.")
    assert (await api.get("/instances"))[1]["instances"] == []


async def test_create_with_a_null_configuration_is_a_group_without_one(api):
    """cdbclient's create always sends "configuration", null when none is given."""
    group = await active_group(api, configuration=None)
    assert group["configuration"] is None and group["state"] == "ACTIVE"
    assert_fault(
        await api.post("/ha", ha_body(configuration=5)),
        "badRequest",
        400,
        "Validation error: ha['configuration'] 5 is not of type 'string', 'null'",
    )


@pytest.mark.parametrize(
    "scheduled_backup",
    [
        {"hour": 2, "minute": 30, "day_of_week": 0, "full_backup_retention": 3},
        {"hour": "2", "minute": "30", "day_of_week": "0", "full_backup_retention": "3"},  # cdb-cli's options, as text
    ],
    ids=["numbers", "cdb-cli-text"],
)
async def test_create_with_a_scheduled_backup_time_gives_the_group_that_schedule(api, scheduled_backup):
    group = await create(api, scheduled_backup=scheduled_backup)
    [schedule] = (await api.get("/schedules"))[1]["schedules"]
    assert (schedule["source"], schedule["instance_id"]) == ({"id": group["id"], "type": "ha"}, None)
    assert (schedule["day_of_week"], schedule["hour"], schedule["minute"], schedule["full_backup_retention"]) == (
        0,
        2,
        30,
        3,
    )


@pytest.mark.parametrize(
    "scheduled_backup",
    [
        {"enabled": False},
        {"hour": None, "minute": None, "day_of_week": None, "full_backup_retention": None},  # cdb-cli without options
        {},  # cdbclient's library default
    ],
    ids=["disabled", "cdb-cli-no-time", "library-default"],
)
async def test_create_with_a_scheduled_backup_without_a_time_makes_no_schedule(api, scheduled_backup):
    await create(api, scheduled_backup=scheduled_backup)
    assert (await api.get("/schedules"))[1] == {"schedules": []}


async def test_create_with_part_of_a_scheduled_backup_time_is_bad_request(api):
    assert_fault(
        await api.post("/ha", ha_body(scheduled_backup={"hour": "2"})),
        "badRequest",
        400,
        "scheduled_backup needs day_of_week, hour and minute; missing: day_of_week, minute.",
    )
    assert_fault(
        await api.post("/ha", ha_body(scheduled_backup={"hour": "two"})),
        "badRequest",
        400,
        "Validation error: ha['scheduled_backup']['hour'] 'two' does not match '^[0-9]+$'",
    )
    assert (await api.get("/ha"))[1]["ha_instances"] == []


# --- ACLs ------------------------------------------------------------------------------------------------------------


async def test_acls_add_list_delete_and_acl_not_found(api):
    group = await create(api, acls=[])
    assert_fault(
        await api.post(f"/ha/{group['id']}/acls", {"address": "1.2.3.4/32"}),
        "unprocessableEntity",
        422,
        f"ACLs cannot be added to HA instance {group['id']} while it is being built (state was BUILD).",
    )
    api.advance(60)
    status, body, _ = await api.post(f"/ha/{group['id']}/acls", {"address": "1.2.3.4/32"})
    assert (status, body) == (200, None)
    assert (await api.get(f"/ha/{group['id']}/acls"))[1] == {"acls": [{"type": "ALLOW", "address": "1.2.3.4/32"}]}
    assert_fault(
        await api.post(f"/ha/{group['id']}/acls", {"address": "nowhere"}),
        "badRequest",
        400,
        "ACL address 'nowhere' is not an IPv4 CIDR such as 1.2.3.4/32.",
    )
    # The docs' example sends the address encoded three times (1.2.3.4%25252F32).
    assert (await api.delete(f"/ha/{group['id']}/acls/1.2.3.4%25252F32"))[0] == 202
    assert (await api.get(f"/ha/{group['id']}/acls"))[1] == {"acls": []}
    assert_fault(
        await api.delete(f"/ha/{group['id']}/acls/1.2.3.4%2F32"),
        "itemNotFound",
        404,
        f"ACLNotFound: ACL 1.2.3.4/32 cannot be found on HA instance {group['id']}.",
    )


async def test_add_acls_and_delete_acls_actions_behave_as_the_acl_routes(api):
    """cdbclient's add_acls / remove_acls: several addresses through POST /ha/{id}/action, with the ACL routes'
    checks and results (202, as every action)."""
    group = await create(api, acls=[])
    assert_fault(
        await action(api, group["id"], {"add_acls": {"addresses": ["1.2.3.4/32"]}}),
        "unprocessableEntity",
        422,
        f"ACLs cannot be added to HA instance {group['id']} while it is being built (state was BUILD).",
    )
    api.advance(60)
    status, body, _ = await action(api, group["id"], {"add_acls": {"addresses": ["1.2.3.4/32", "10.0.0.0/8"]}})
    assert (status, body) == (202, None)
    assert (await action(api, group["id"], {"add_acls": {"addresses": ["10.0.0.0/8"]}}))[0] == 202  # kept once
    assert (await api.get(f"/ha/{group['id']}/acls"))[1] == {
        "acls": [{"type": "ALLOW", "address": "1.2.3.4/32"}, {"type": "ALLOW", "address": "10.0.0.0/8"}]
    }
    assert_fault(
        await action(api, group["id"], {"add_acls": {"addresses": ["5.6.7.8/32", "nowhere"]}}),
        "badRequest",
        400,
        "ACL address 'nowhere' is not an IPv4 CIDR such as 1.2.3.4/32.",
    )
    assert_fault(
        await action(api, group["id"], {"delete_acls": {"addresses": ["1.2.3.4/32", "9.9.9.9/32"]}}),
        "itemNotFound",
        404,
        f"ACLNotFound: ACL 9.9.9.9/32 cannot be found on HA instance {group['id']}.",
    )
    assert len((await api.get(f"/ha/{group['id']}/acls"))[1]["acls"]) == 2  # a refused request removes none
    assert (await action(api, group["id"], {"delete_acls": {"addresses": ["1.2.3.4/32", "10.0.0.0/8"]}}))[0] == 202
    assert (await api.get(f"/ha/{group['id']}/acls"))[1] == {"acls": []}


@pytest.mark.parametrize(
    "body, message",
    [
        ({"add_acls": {}}, "Validation error: add_acls 'addresses' is a required property"),
        ({"add_acls": {"addresses": []}}, "Validation error: add_acls['addresses'] [] should be non-empty"),
        (
            {"delete_acls": {"addresses": "1.2.3.4/32"}},
            "Validation error: delete_acls['addresses'] '1.2.3.4/32' is not of type 'array'",
        ),
    ],
)
async def test_acl_actions_with_a_malformed_body_are_bad_request(api, body, message):
    group = await active_group(api)
    assert_fault(await action(api, group["id"], body), "badRequest", 400, message)


# --- group actions -----------------------------------------------------------------------------------------------


async def test_actions_are_refused_while_the_group_builds(api):
    group = await create(api)
    assert_fault(
        await action(api, group["id"], {"restart": {}}),
        "unprocessableEntity",
        422,
        f"HA instance {group['id']} is not currently available for an action to be performed (state was BUILD).",
    )


async def test_unknown_action_is_bad_request(api):
    group = await active_group(api)
    assert_fault(
        await action(api, group["id"], {"reboot": {}}),
        "badRequest",
        400,
        "Invalid HA instance action: 'reboot' (one of add_replica, remove_replica, resize_volumes, "
        "resize_flavor, restart, upgrade, add_acls, delete_acls).",
    )


async def test_add_replica_goes_adding_replica_then_active(api):
    group = await active_group(api)
    status, body, _ = await action(api, group["id"], {"add_replica": {"replica_details": node("new-replica2")}})
    assert (status, body) == (202, None)
    shown = await show(api, group["id"])
    assert shown["state"] == "ADDING_REPLICA"
    assert {(r["name"], r["status"]) for r in shown["replicas"]} == {("replica1", "ACTIVE"), ("new-replica2", "BUILD")}
    api.advance(60)
    shown = await show(api, group["id"])
    assert shown["state"] == "ACTIVE" and {r["status"] for r in shown["replicas"]} == {"ACTIVE"}
    assert_fault(
        await action(api, group["id"], {"add_replica": {"replica_details": node("third")}}),
        "badRequest",
        400,
        f"HA instance {group['id']} already has 2 replicas; a group has at most 2.",
    )


async def test_add_replica_of_another_shape_is_refused(api):
    group = await active_group(api)
    assert_fault(
        await action(api, group["id"], {"add_replica": {"replica_details": node("x", flavor="3")}}),
        "badRequest",
        400,
        f"A replica of HA instance {group['id']} has the group's flavor (2) and volume size (1).",
    )


async def test_remove_replica_detaches_it_into_a_standalone_instance(api):
    group = await active_group(api, replicas=2)
    gone = group["replicas"][1]["id"]
    assert (await action(api, group["id"], {"remove_replica": gone}))[0] == 202
    assert await state(api, group["id"]) == "REMOVING_REPLICA"
    assert (await api.get(f"/instances/{gone}"))[1]["instance"]["status"] == "DETACH_REPLICA"
    api.advance(30)
    shown = await show(api, group["id"])
    assert shown["state"] == "ACTIVE" and [r["id"] for r in shown["replicas"]] == [group["replicas"][0]["id"]]
    alone = (await api.get(f"/instances/{gone}"))[1]["instance"]
    assert (alone["status"], "ha_id" in alone, "replica_of" in alone) == ("ACTIVE", False, False)
    last = group["replicas"][0]["id"]
    assert_fault(
        await action(api, group["id"], {"remove_replica": last}),
        "badRequest",
        400,
        f"HA instance {group['id']} keeps at least 1 replica: add another before removing this one.",
    )
    assert_fault(
        await action(api, group["id"], {"remove_replica": UNKNOWN}),
        "itemNotFound",
        404,
        f"Instance {UNKNOWN} is not a replica of HA instance {group['id']}.",
    )


async def test_resize_volumes_and_flavor(api):
    group = await active_group(api)
    assert_fault(
        await action(api, group["id"], {"resize_volumes": {"size": 1}}),
        "badRequest",
        400,
        "The new volume 'size' must be larger than the current volume size of '1'.",
    )
    assert (await action(api, group["id"], {"resize_volumes": {"size": 4}}))[0] == 202
    shown = await show(api, group["id"])
    assert shown["state"] == "RESIZING_VOLUME" and shown["replica_source"][0]["status"] == "RESIZE"
    api.advance(45)
    shown = await show(api, group["id"])
    assert (shown["state"], shown["volume"], shown["replicas"][0]["volume"]["size"]) == ("ACTIVE", {"size": 4}, 4)
    assert_fault(
        await action(api, group["id"], {"resize_flavor": "2"}),
        "badRequest",
        400,
        "The new flavor id must be different than the current flavor id of '2'.",
    )
    assert_fault(await action(api, group["id"], {"resize_flavor": "1"}), "badRequest", 400, contains="1 GB or more")
    assert (await action(api, group["id"], {"resize_flavor": "3"}))[0] == 202
    assert await state(api, group["id"]) == "RESIZING_FLAVOR"
    api.advance(45)
    shown = await show(api, group["id"])
    assert (shown["state"], shown["flavor"]["id"], shown["replica_source"][0]["flavor"]["id"]) == ("ACTIVE", 3, "3")


async def test_restart_goes_reboot_then_active(api):
    group = await active_group(api)
    assert (await action(api, group["id"], {"restart": {}}))[0] == 202
    shown = await show(api, group["id"])
    assert shown["state"] == "REBOOT" and {n["status"] for n in shown["replicas"] + shown["replica_source"]} == {
        "REBOOT"
    }
    api.advance(30)
    assert await state(api, group["id"]) == "ACTIVE"


async def test_upgrade_answers_the_group_in_upgrading(api):
    group = await active_group(api, datastore={"type": "mysql", "version": "5.6"})
    status, body, _ = await action(
        api, group["id"], {"upgrade": {"datastore_type": "mysql", "datastore_version": "5.7"}}
    )
    assert status == 202
    assert body == {
        "ha_instance": {
            "datastore": {"type": "mysql", "version": "5.7"},
            "id": group["id"],
            "name": "ha-1",
            "state": "UPGRADING",
            "tenant_id": ACCOUNT,
        }
    }
    api.advance(45)
    shown = await show(api, group["id"])
    assert (shown["state"], shown["replica_source"][0]["datastore"]["version"]) == ("ACTIVE", "5.7")
    assert_fault(
        await action(api, group["id"], {"upgrade": {"datastore_version": "8.0"}}),
        "badRequest",
        400,
        contains="Upgrading mysql 5.7 to mysql 8.0 is not supported",
    )


async def test_configuration_attach_needs_a_restart_and_detach(api):
    group = await active_group(api)
    _, body, _ = await api.post(
        "/configurations",
        {
            "configuration": {
                "name": "tuned",
                "values": {"innodb_buffer_pool_size": 1073741824},
                "datastore": {"type": "mysql", "version": "5.7"},
            }
        },
    )
    config_id = body["configuration"]["id"]
    assert (await api.patch(f"/ha/{group['id']}", {"ha_instance": {"configuration": config_id}}))[0] == 202
    shown = await show(api, group["id"])
    assert (shown["state"], shown["configuration"]["id"], shown["configuration"]["name"]) == (
        "RESTART_REQUIRED",
        config_id,
        "tuned",
    )
    assert shown["replica_source"][0]["configuration"]["id"] == config_id
    assert (await action(api, group["id"], {"restart": {}}))[0] == 202
    api.advance(30)
    assert await state(api, group["id"]) == "ACTIVE"
    assert (await api.patch(f"/ha/{group['id']}", {"ha_instance": {"configuration": ""}}))[0] == 202
    assert (await show(api, group["id"]))["configuration"] is None
    assert_fault(
        await api.patch(f"/ha/{group['id']}", {"ha_instance": {"name": "x"}}),
        "badRequest",
        400,
        contains="Validation error:",
    )


# --- backups of a group ---------------------------------------------------------------------------------------------


async def test_backup_of_a_group_is_taken_from_a_replica_and_listed_under_the_group(api):
    group = await active_group(api)
    status, body, _ = await api.post(
        "/backups", {"backup": {"instance": None, "name": "ha-backup1", "source": {"type": "ha", "id": group["id"]}}}
    )
    assert status == 202
    backup = body["backup"]
    assert (backup["instance_id"], backup["source"], backup["status"]) == (
        None,
        {"type": "ha", "id": group["id"]},
        "NEW",
    )
    shown = await show(api, group["id"])
    assert shown["state"] == "BACKUP" and shown["replicas"][0]["status"] == "BACKUP"
    api.advance(30)
    assert await state(api, group["id"]) == "ACTIVE"
    _, listed, _ = await api.get(f"/ha/{group['id']}/backups")
    assert [(b["id"], b["status"]) for b in listed["backups"]] == [(backup["id"], "COMPLETED")]
    status, restored, _ = await api.post(
        "/instances",
        {
            "instance": {
                "name": "from-ha",
                "flavorRef": 2,
                "volume": {"size": 1},
                "restorePoint": {"backupRef": backup["id"]},
            }
        },
    )
    assert status == 200, restored


async def test_backup_of_a_single_node_is_refused(api):
    group = await active_group(api)
    node_id = group["replicas"][0]["id"]
    assert_fault(
        await api.post("/backups", {"backup": {"instance": node_id, "name": "b"}}),
        "notImplemented",
        501,
        contains=NODE_REFUSED,
    )


# --- what a node allows -----------------------------------------------------------------------------------------------


async def test_a_node_takes_databases_and_users_on_the_source_only(api):
    group = await active_group(api)
    source, replica = group["replica_source"][0]["id"], group["replicas"][0]["id"]
    assert (await api.post(f"/instances/{source}/databases", {"databases": [{"name": "shop"}]}))[0] == 202
    assert (await api.post(f"/instances/{source}/users", {"users": [{"name": "app", "password": "pw"}]}))[0] == 202
    assert (await api.get(f"/instances/{replica}/databases"))[1]["databases"] == [{"name": "shop"}]
    assert_fault(
        await api.post(f"/instances/{replica}/databases", {"databases": [{"name": "x1"}]}),
        "notImplemented",
        501,
        f"{NODE_REFUSED}: on HA group {group['id']} only creating databases and "
        f"users on the source is allowed; instance {replica} is a replica.",
    )
    assert_fault(
        await api.delete(f"/instances/{source}/databases/shop"),
        "notImplemented",
        501,
        contains="instance " + source + " is the source.",
    )


@pytest.mark.parametrize(
    "method, path, payload",
    [
        ("POST", "/action", {"restart": {}}),
        ("POST", "/action", {"resize": {"volume": {"size": 5}}}),
        ("POST", "/action", {"promote_to_replica_source": {}}),
        ("PATCH", "", {"instance": {"name": "renamed"}}),
        ("PATCH", "", {"instance": {"replica_of": ""}}),
        ("DELETE", "", None),
    ],
)
async def test_a_node_refuses_instance_operations(api, method, path, payload):
    group = await active_group(api)
    replica = group["replicas"][0]["id"]
    assert_fault(
        await api.call(method, f"/instances/{replica}{path}", json=payload),
        "notImplemented",
        501,
        f"{NODE_REFUSED}: instance {replica} is a node of HA group {group['id']}; use the group's "
        f"operations (/ha/{group['id']}).",
    )


async def test_a_node_saves_logs_when_allowed_for_ha(api):
    group = await active_group(api)
    source = group["replica_source"][0]["id"]
    assert (await api.post(f"/instances/{source}/action", {"save_logs": {"allow_ha": True}}))[0] == 202
    assert_fault(
        await api.post(f"/instances/{source}/action", {"save_logs": {}}), "notImplemented", 501, contains=NODE_REFUSED
    )


# --- convert a replication set ----------------------------------------------------------------------------------------


async def test_convert_to_ha_turns_a_replicated_pair_into_a_group(api):
    src = await api.create_instance(name="src", flavor=2, size=1)
    api.advance(60)
    _, body, _ = await api.post("/instances", {"instance": {"name": "rep", "replica_of": src["id"]}})
    rep = body["instance"]
    api.advance(60)
    status, body, _ = await api.post(
        f"/instances/{rep['id']}/action",
        {
            "convert_to_ha": {
                "name": "ha-convert-1",
                "acls": [{"address": "10.0.0.0/0"}],
                "networks": ["public", "servicenet"],
            }
        },
    )
    assert status == 202
    group = body["ha_instance"]
    assert (group["state"], group["name"], group["replica_source"][0]["id"], group["replicas"][0]["id"]) == (
        "BUILD",
        "ha-convert-1",
        src["id"],
        rep["id"],
    )
    assert group["replica_source"][0]["status"] == "CONVERT_TO_HA"
    api.advance(30)
    shown = await show(api, group["id"])
    assert shown["state"] == "ACTIVE" and shown["replica_source"][0]["ha_id"] == group["id"]


async def test_convert_to_ha_of_a_standalone_instance_is_refused(api):
    inst = await api.create_instance()
    api.advance(60)
    assert_fault(
        await api.post(f"/instances/{inst['id']}/action", {"convert_to_ha": {"name": "x"}}),
        "badRequest",
        400,
        f"Instance {inst['id']} is not part of a replication set: convert_to_ha turns a source and its "
        f"replicas into an HA instance group.",
    )
    assert_fault(
        await api.post(f"/instances/{inst['id']}/action", {"convert_to_ha": {}}),
        "badRequest",
        400,
        "Validation error: convert_to_ha 'name' is a required property",
    )


async def test_convert_to_ha_of_a_pair_of_different_shapes_is_refused(api):
    src = await api.create_instance(name="src", flavor=2, size=1)
    api.advance(60)
    assert (await api.post("/instances", {"instance": {"name": "rep", "replica_of": src["id"], "flavorRef": 3}}))[
        0
    ] == 200
    api.advance(60)
    assert_fault(
        await api.post(f"/instances/{src['id']}/action", {"convert_to_ha": {"name": "x"}}),
        "badRequest",
        400,
        "All nodes of an HA instance group must have the same flavor and volume size: resize the "
        "source or its replicas first.",
    )


async def test_replica_of_a_node_is_refused(api):
    group = await active_group(api)
    source = group["replica_source"][0]["id"]
    assert_fault(
        await api.post("/instances", {"instance": {"name": "x", "replica_of": source}}),
        "badRequest",
        400,
        f"Instance {source} is a node of HA instance group {group['id']}: add a replica to the group instead "
        f"(POST /ha/{group['id']}/action with add_replica).",
    )


# --- failures ---------------------------------------------------------------------------------------------------


async def test_a_broken_replica_shows_replication_error_and_can_be_removed(api):
    group = await active_group(api, replicas=2)
    broken = group["replicas"][0]["id"]
    api.backend.failures.break_replica(ACCOUNT, broken, "broken")
    assert await state(api, group["id"]) == "REPLICATION_ERROR"
    assert (await action(api, group["id"], {"remove_replica": broken}))[0] == 202
    api.advance(30)
    assert await state(api, group["id"]) == "ACTIVE"


async def test_failover_promotes_a_replica_and_rebuilds_a_node(api):
    group = await active_group(api)
    old_source, replica = group["replica_source"][0]["id"], group["replicas"][0]["id"]
    api.backend.failures.fail_source(ACCOUNT, group["id"], "source died")
    shown = await show(api, group["id"])
    assert shown["state"] == "HA_FAILOVER"
    assert shown["replica_source"][0]["status"] == "SHUTDOWN" and shown["replicas"][0]["status"] == "PROMOTE"
    api.advance(30)
    shown = await show(api, group["id"])
    assert shown["state"] == "ADDING_REPLICA"
    assert [n["id"] for n in shown["replica_source"]] == [replica]
    [rebuilt] = shown["replicas"]
    assert (rebuilt["status"], rebuilt["flavor"]["id"], rebuilt["replica_of"]["id"]) == ("BUILD", "2", replica)
    assert (await api.get(f"/instances/{old_source}"))[1]["instance"]["status"] == "SHUTDOWN"
    api.advance(60)
    shown = await show(api, group["id"])
    assert shown["state"] == "ACTIVE" and shown["replicas"][0]["status"] == "ACTIVE"
    assert_fault(
        await api.get(f"/instances/{old_source}"), "itemNotFound", 404, f"Resource {old_source} cannot be found."
    )


# --- the coverage report -----------------------------------------------------------------------------------------


async def test_coverage_report_knows_the_replication_and_ha_transitions(api):
    from simulator.coverage import LIFECYCLE, Coverage
    from simulator.keys import JOURNAL

    group = await create(api)
    await show(api, group["id"])
    api.advance(60)
    await show(api, group["id"])
    await action(api, group["id"], {"resize_volumes": {"size": 2}})
    api.advance(45)
    await show(api, group["id"])
    await api.delete(f"/ha/{group['id']}")
    api.advance(10)
    await api.get(f"/ha/{group['id']}")
    src = await api.create_instance(name="src")
    api.advance(60)
    await api.get(f"/instances/{src['id']}")
    _, body, _ = await api.post("/instances", {"instance": {"name": "rep", "replica_of": src["id"]}})
    rep = body["instance"]["id"]
    api.advance(60)
    await api.get(f"/instances/{src['id']}")
    await api.get(f"/instances/{rep}")
    await api.post(f"/instances/{rep}/action", {"promote_to_replica_source": {}})
    api.advance(30)
    await api.get(f"/instances/{rep}")
    await api.patch(f"/instances/{src['id']}", {"instance": {"replica_of": ""}})
    api.advance(30)
    await api.get(f"/instances/{src['id']}")
    coverage = Coverage()
    coverage.add_test(api.app[JOURNAL].entries())
    seen = coverage.report()["lifecycle"]["exercised"]
    # What the model carried out: the group's replica node and the replica both build; a promote runs on the whole
    # set (the source and its replica).
    expected = {
        "ha BUILD -> ACTIVE": 1,
        "ha ACTIVE -> RESIZING_VOLUME": 1,
        "ha RESIZING_VOLUME -> ACTIVE": 1,
        "ha ACTIVE -> DELETING": 1,
        "ha DELETING -> deleted": 1,
        "replica BUILD -> ACTIVE": 2,
        "instance ACTIVE -> RESTART": 1,
        "instance RESTART -> ACTIVE": 1,
        "instance ACTIVE -> PROMOTE": 2,
        "instance PROMOTE -> ACTIVE": 2,
        "instance ACTIVE -> DETACH_REPLICA": 1,
        "instance DETACH_REPLICA -> ACTIVE": 1,
    }
    for label, count in expected.items():
        assert label in LIFECYCLE and seen.get(label) == count, (label, seen)


async def test_acls_are_kept_as_the_network_they_name_once_each_and_capped(api):
    spellings = [{"address": "10.0.0.1/8"}, {"address": "10.0.0.0/08"}, {"address": "1.2.3.4/32"}]
    group = await create(api, acls=spellings)
    assert [a["address"] for a in (await show(api, group["id"]))["acls"]] == ["10.0.0.0/8", "1.2.3.4/32"]
    api.advance(600)
    assert (await api.post(f"/ha/{group['id']}/acls", {"address": "10.9.9.9/8"}))[0] == 200  # the same network
    assert [a["address"] for a in (await api.get(f"/ha/{group['id']}/acls"))[1]["acls"]] == ["10.0.0.0/8", "1.2.3.4/32"]
    assert (await api.delete(f"/ha/{group['id']}/acls/10.1.2.3%252F8"))[0] == 202  # any spelling of it
    for n in range(MAX_ACLS - 1):
        assert (await api.post(f"/ha/{group['id']}/acls", {"address": f"172.16.{n}.0/24"}))[0] == 200
    assert_fault(
        await api.post(f"/ha/{group['id']}/acls", {"address": "192.168.0.0/16"}),
        "overLimit",
        413,
        f"An HA instance group holds at most {MAX_ACLS} ACLs; this would make {MAX_ACLS + 1}.",
    )
    many = [{"address": f"172.17.{n}.0/24"} for n in range(MAX_ACLS + 1)]
    assert_fault(
        await api.post("/ha", ha_body(acls=many)),
        "overLimit",
        413,
        f"An HA instance group holds at most {MAX_ACLS} ACLs; this would make {MAX_ACLS + 1}.",
    )
