"""An instance and its configuration group: attach, detach, RESTART_REQUIRED, defaults; upgrades, save_logs; no
silent no-ops on PATCH/PUT; Trove-only paths."""

from __future__ import annotations

import pytest
from support import ACCOUNT, TOKEN, UNAUTHORIZED, assert_fault

from simulator import DemoAccount, Durations, SimulatorConfig
from simulator.faults import fault_engine
from simulator.reference import catalog

MISSING = "00000000-0000-4000-8000-0000000000cf"
MYSQL_80 = catalog.get_version(catalog.DATASTORES[0], "8.0")
#: connect_timeout and wait_timeout apply at once; innodb_buffer_pool_size needs a restart.
DYNAMIC = {"connect_timeout": 120, "wait_timeout": 600}
RESTART = {"innodb_buffer_pool_size": 1073741824}


@pytest.fixture
def sim_config() -> SimulatorConfig:
    """Builds, restarts and upgrades (as long as a resize) take a while, so their statuses show."""
    return SimulatorConfig(
        seed=7,
        bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN),
        durations=Durations(build=60.0, reboot=10.0, resize=30.0),
    )


async def active_instance(api, **extra) -> dict:
    """A new instance, once its build is over."""
    inst = await api.create_instance(**extra)
    api.advance(60)
    return inst


async def make_group(api, values=None, **datastore) -> dict:
    body = {"name": "tuned", "values": DYNAMIC if values is None else values}
    if datastore:
        body["datastore"] = datastore
    status, answer, _ = await api.post("/configurations", {"configuration": body})
    assert status == 200, answer
    return answer["configuration"]


async def attach(api, instance_id: str, group_id, method: str = "PUT"):
    return await api.call(method, f"/instances/{instance_id}", json={"instance": {"configuration": group_id}})


async def shown(api, instance_id: str) -> dict:
    return (await api.get(f"/instances/{instance_id}"))[1]["instance"]


async def test_attach_dynamic_group_applies_at_once_and_the_instance_shows_it(api):
    inst, group = await active_instance(api), await make_group(api)
    status, body, _ = await attach(api, inst["id"], group["id"])
    assert (status, body) == (202, None)
    seen = await shown(api, inst["id"])
    assert seen["status"] == "ACTIVE"
    base = str(api.client.make_url("")).rstrip("/")
    assert seen["configuration"] == {
        "id": group["id"],
        "name": "tuned",
        "links": [
            {"href": f"{base}/v1.0/1234/configurations/{group['id']}", "rel": "self"},
            {"href": f"{base}/configurations/{group['id']}", "rel": "bookmark"},
        ],
    }
    assert (await api.get(f"/configurations/{group['id']}"))[1]["configuration"]["instance_count"] == 1
    assert (await api.get(f"/configurations/{group['id']}/instances"))[1] == {
        "instances": [{"id": inst["id"], "name": inst["name"]}]
    }


async def test_attach_with_patch_works_as_put(api):
    inst, group = await active_instance(api), await make_group(api)
    assert (await attach(api, inst["id"], group["id"], "PATCH"))[0] == 202
    assert (await shown(api, inst["id"]))["configuration"]["id"] == group["id"]


async def test_attach_group_needing_a_restart_waits_in_restart_required_until_restarted(api):
    inst, group = await active_instance(api), await make_group(api, {**DYNAMIC, **RESTART})
    assert (await attach(api, inst["id"], group["id"]))[0] == 202
    assert (await shown(api, inst["id"]))["status"] == "RESTART_REQUIRED"
    api.advance(3600)  # it waits for a restart, not for time
    assert (await shown(api, inst["id"]))["status"] == "RESTART_REQUIRED"
    assert (await api.post(f"/instances/{inst['id']}/action", {"restart": {}}))[0] == 202
    assert (await shown(api, inst["id"]))["status"] == "REBOOT"
    api.advance(10)
    seen = await shown(api, inst["id"])
    assert (seen["status"], seen["configuration"]["id"]) == ("ACTIVE", group["id"])


async def test_attach_when_a_group_is_attached_is_bad_request(api):
    inst, first, second = await active_instance(api), await make_group(api), await make_group(api)
    await attach(api, inst["id"], first["id"])
    assert_fault(
        await attach(api, inst["id"], second["id"]),
        "badRequest",
        400,
        f"Instance {inst['id']} already has a Configuration Group attached: {first['id']}.",
    )


async def test_attach_while_building_is_bad_request_with_the_task(api):
    group = await make_group(api)
    _, body, _ = await api.post("/instances", {"instance": {"name": "b", "flavorRef": 2, "volume": {"size": 1}}})
    assert_fault(
        await attach(api, body["instance"]["id"], group["id"]),
        "badRequest",
        400,
        "The operation you have requested cannot be executed because the instance status is currently: BUILDING.",
    )


async def test_attach_or_detach_while_restart_is_required_is_bad_request(api):
    inst, group = await active_instance(api), await make_group(api, RESTART)
    await attach(api, inst["id"], group["id"])
    message = (
        "The operation you have requested cannot be executed because the instance status is currently: "
        "RESTART_REQUIRED."
    )
    assert_fault(await attach(api, inst["id"], ""), "badRequest", 400, message)


async def test_attach_group_of_another_datastore_version_is_bad_request(api):
    inst = await active_instance(api)
    group = await make_group(api, type="mysql", version="5.7")
    assert_fault(
        await attach(api, inst["id"], group["id"]),
        "badRequest",
        400,
        f"Datastore Version on Configuration {group['datastore_version_id']} does not match the Datastore "
        f"Version on the instance {MYSQL_80.id}.",
    )


async def test_attach_unknown_group_is_not_found(api):
    inst = await active_instance(api)
    assert_fault(
        await attach(api, inst["id"], MISSING),
        "itemNotFound",
        404,
        f"Configuration group id: {MISSING} could not be found.",
    )


@pytest.mark.parametrize("detach", ["", None], ids=["cloud-databases-empty-string", "troveclient-null"])
async def test_detach_dynamic_group_returns_to_defaults_at_once(api, detach):
    inst, group = await active_instance(api), await make_group(api)
    await attach(api, inst["id"], group["id"])
    assert (await attach(api, inst["id"], detach))[0] == 202
    seen = await shown(api, inst["id"])
    assert (seen["status"], "configuration" in seen) == ("ACTIVE", False)
    defaults = (await api.get(f"/instances/{inst['id']}/configuration"))[1]["instance"]["configuration"]
    assert (defaults["connect_timeout"], defaults["wait_timeout"]) == ("15", "3600")
    assert (await api.get(f"/configurations/{group['id']}"))[1]["configuration"]["instance_count"] == 0


async def test_put_of_an_empty_instance_detaches_the_group_as_trove_and_cdbclient_do(api):
    """cdbclient's configuration-detach is PUT {"instance": {}}: Trove's update reads no configuration as none."""
    inst, group = await active_instance(api), await make_group(api)
    await attach(api, inst["id"], group["id"])
    status, body, _ = await api.put(f"/instances/{inst['id']}", {"instance": {}})
    assert (status, body) == (202, None)
    seen = await shown(api, inst["id"])
    assert (seen["status"], "configuration" in seen, seen["name"]) == ("ACTIVE", False, inst["name"])
    assert (await api.get(f"/configurations/{group['id']}"))[1]["configuration"]["instance_count"] == 0


async def test_patch_of_an_empty_instance_is_still_bad_request(api):
    inst = await active_instance(api)
    assert_fault(
        await api.patch(f"/instances/{inst['id']}", {"instance": {}}),
        "badRequest",
        400,
        "Validation error: instance needs at least one of 'name', 'configuration'.",
    )


async def test_detach_group_without_defaults_for_its_values_needs_a_restart(api):
    inst, group = await active_instance(api), await make_group(api, {"collation_server": "latin1_swedish_ci"})
    await attach(api, inst["id"], group["id"])
    assert (await shown(api, inst["id"]))["status"] == "ACTIVE"
    await attach(api, inst["id"], None)
    assert (await shown(api, inst["id"]))["status"] == "RESTART_REQUIRED"


async def test_changing_an_attached_group_applies_dynamic_values_at_once(api):
    inst, group = await active_instance(api), await make_group(api)
    await attach(api, inst["id"], group["id"])
    assert (await api.patch(f"/configurations/{group['id']}", {"configuration": {"values": {"max_connections": 77}}}))[
        0
    ] == 200
    assert (await shown(api, inst["id"]))["status"] == "ACTIVE"
    defaults = (await api.get(f"/instances/{inst['id']}/configuration"))[1]["instance"]["configuration"]
    assert (defaults["max_connections"], defaults["connect_timeout"]) == ("77", "120")


async def test_changing_an_attached_group_with_a_restart_value_needs_a_restart(api):
    inst, group = await active_instance(api), await make_group(api)
    await attach(api, inst["id"], group["id"])
    assert (await api.put(f"/configurations/{group['id']}", {"configuration": {"values": RESTART}}))[0] == 202
    assert (await shown(api, inst["id"]))["status"] == "RESTART_REQUIRED"


async def test_delete_group_while_attached_is_bad_request(api):
    inst, group = await active_instance(api), await make_group(api)
    await attach(api, inst["id"], group["id"])
    assert_fault(
        await api.delete(f"/configurations/{group['id']}"),
        "badRequest",
        400,
        "A configuration group cannot be deleted if it is associated with one or more non-terminated "
        "instances. Detach the configuration group from all non-terminated instances and please try again.",
    )
    await attach(api, inst["id"], "")
    assert (await api.delete(f"/configurations/{group['id']}"))[0] == 202


async def test_create_instance_with_a_group_shows_it_and_builds_to_active(api):
    group = await make_group(api, {**DYNAMIC, **RESTART})
    status, body, _ = await api.post(
        "/instances",
        {"instance": {"name": "tuned-db", "flavorRef": 2, "volume": {"size": 1}, "configuration": group["id"]}},
    )
    assert status == 200 and body["instance"]["configuration"]["id"] == group["id"]
    api.advance(60)
    assert (await shown(api, body["instance"]["id"]))["status"] == "ACTIVE"  # the build applies it


async def test_create_instance_with_unknown_group_is_not_found(api):
    assert_fault(
        await api.post(
            "/instances", {"instance": {"name": "x", "flavorRef": 2, "volume": {"size": 1}, "configuration": MISSING}}
        ),
        "itemNotFound",
        404,
        f"Configuration group id: {MISSING} could not be found.",
    )
    assert (await api.get("/instances"))[1]["instances"] == []


async def test_default_configuration_follows_the_flavor_and_is_all_strings(api):
    small, large = await active_instance(api, flavor=2), await active_instance(api, flavor=5)
    small_cfg = (await api.get(f"/instances/{small['id']}/configuration"))[1]["instance"]["configuration"]
    large_cfg = (await api.get(f"/instances/{large['id']}/configuration"))[1]["instance"]["configuration"]
    assert (small_cfg["innodb_buffer_pool_size"], large_cfg["innodb_buffer_pool_size"]) == ("300M", "2400M")
    assert (small_cfg["max_connections"], large_cfg["max_connections"]) == ("200", "1600")
    assert all(isinstance(v, str) for v in small_cfg.values())
    assert {"basedir", "datadir", "port", "server_id", "tmpdir", "user"} <= set(small_cfg)
    assert "query_cache_size" not in small_cfg  # MySQL 8.0 has no query cache


async def test_default_configuration_of_unknown_instance_is_not_found(api):
    assert_fault(
        await api.get(f"/instances/{MISSING}/configuration"),
        "itemNotFound",
        404,
        f"Resource {MISSING} cannot be found.",
    )


async def test_backups_do_not_carry_the_group_a_restored_instance_starts_with_defaults(api):
    inst, group = await active_instance(api), await make_group(api)
    await attach(api, inst["id"], group["id"])
    _, body, _ = await api.post("/backups", {"backup": {"name": "b", "instance": inst["id"]}})
    api.advance(0)
    status, body, _ = await api.post(
        "/instances",
        {
            "instance": {
                "name": "restored",
                "flavorRef": 2,
                "volume": {"size": 2},
                "restorePoint": {"backupRef": body["backup"]["id"]},
            }
        },
    )
    assert status == 200 and "configuration" not in body["instance"]
    api.advance(600)
    restored = body["instance"]["id"]
    assert "configuration" not in await shown(api, restored)
    defaults = (await api.get(f"/instances/{restored}/configuration"))[1]["instance"]["configuration"]
    assert (defaults["connect_timeout"], defaults["wait_timeout"]) == ("15", "3600")


async def test_model_fault_on_a_group_change_leaves_its_instances_in_error(api):
    inst, group = await active_instance(api), await make_group(api)
    await attach(api, inst["id"], group["id"])
    fault_engine(api.app).load(
        {
            "name": "t",
            "seed": 0,
            "rules": [
                {"match": {"route": "edit_configuration"}, "actions": [{"model_fault": {"message": "overrides lost"}}]}
            ],
        }
    )
    assert (await api.patch(f"/configurations/{group['id']}", {"configuration": {"values": {"max_connections": 10}}}))[
        0
    ] == 200
    assert (await shown(api, inst["id"]))["status"] == "ERROR"
    assert api.backend.store.instances.get("1234", inst["id"])["fault"] == "overrides lost"


async def test_model_fault_on_attach_leaves_the_instance_in_error(api):
    inst, group = await active_instance(api), await make_group(api)
    fault_engine(api.app).load(
        {"name": "t", "seed": 0, "rules": [{"match": {"route": "put_instance"}, "actions": ["model_fault"]}]}
    )
    assert (await attach(api, inst["id"], group["id"]))[0] == 202
    assert (await shown(api, inst["id"]))["status"] == "ERROR"


# --- upgrades, save_logs, the rest of the actions -------------------------------------------------------------


async def test_upgrade_in_place_goes_upgrade_then_active_on_the_new_version(api):
    inst = await active_instance(api, datastore={"type": "mysql", "version": "5.7"})
    status, body, _ = await api.patch(f"/instances/{inst['id']}", {"instance": {"datastore_version": "8.0"}})
    assert (status, body) == (202, None)
    seen = await shown(api, inst["id"])
    assert (seen["status"], seen["datastore"]) == ("UPGRADE", {"type": "mysql", "version": "8.0"})
    assert_fault(
        await api.post(f"/instances/{inst['id']}/action", {"restart": {}}),
        "unprocessableEntity",
        422,
        f"Instance {inst['id']} is not currently available for an action to be performed (task status was UPGRADING).",
    )
    api.advance(3600)
    assert (await shown(api, inst["id"]))["status"] == "ACTIVE"
    assert (await api.get(f"/instances/{inst['id']}/configuration"))[1]["instance"]["configuration"].get(
        "query_cache_size"
    ) is None


async def test_upgrade_in_place_accepts_the_version_id(api):
    inst = await active_instance(api, datastore={"type": "mysql", "version": "5.7"})
    assert (await api.put(f"/instances/{inst['id']}", {"instance": {"datastore_version": MYSQL_80.id}}))[0] == 202
    assert (await shown(api, inst["id"]))["datastore"]["version"] == "8.0"


async def test_upgrade_to_unknown_version_is_bad_request(api):
    inst = await active_instance(api)
    assert_fault(
        await api.patch(f"/instances/{inst['id']}", {"instance": {"datastore_version": "9.9"}}),
        "badRequest",
        400,
        "Datastore version '9.9' cannot be found.",
    )


@pytest.mark.parametrize("version", ["5.7", "8.0"])
async def test_upgrade_to_an_older_or_the_same_version_is_bad_request(api, version):
    inst = await active_instance(api)
    assert_fault(
        await api.patch(f"/instances/{inst['id']}", {"instance": {"datastore_version": version}}),
        "badRequest",
        400,
        f"Datastore version '{version}' is not newer than the instance's current "
        f"version '8.0': an instance can only be upgraded, never downgraded.",
    )
    assert (await shown(api, inst["id"]))["datastore"]["version"] == "8.0"


async def test_upgrade_while_building_is_unprocessable(api):
    _, body, _ = await api.post(
        "/instances",
        {
            "instance": {
                "name": "b",
                "flavorRef": 2,
                "volume": {"size": 1},
                "datastore": {"type": "mysql", "version": "5.7"},
            }
        },
    )
    iid = body["instance"]["id"]
    assert_fault(
        await api.patch(f"/instances/{iid}", {"instance": {"datastore_version": "8.0"}}),
        "unprocessableEntity",
        422,
        f"Instance {iid} is not currently available for an action to be performed (task status was BUILDING).",
    )


async def test_upgrade_action_off_the_documented_paths_is_bad_request(api):
    inst = await active_instance(api)
    assert_fault(
        await api.post(f"/instances/{inst['id']}/action", {"upgrade": {"datastore_version": "5.7"}}),
        "badRequest",
        400,
        "Upgrading mysql 8.0 to mysql 5.7 is not supported; the upgrades offered are "
        "MySQL 5.1 to 5.7, MySQL 5.6 to 5.7 or MariaDB 10.4enc, MariaDB 10 and 10.1 to 10.4, MariaDB 10.4 "
        "to 10.4enc.",
    )


async def test_upgrade_action_without_a_version_is_bad_request(api):
    inst = await active_instance(api)
    assert_fault(
        await api.post(f"/instances/{inst['id']}/action", {"upgrade": {}}),
        "badRequest",
        400,
        "Validation error: upgrade 'datastore_version' is a required property",
    )


async def test_save_logs_is_accepted_behind_the_action_gate(api):
    inst = await active_instance(api)
    status, body, _ = await api.post(f"/instances/{inst['id']}/action", {"save_logs": {"allow_ha": True}})
    assert (status, body) == (202, None)
    assert_fault(
        await api.post(f"/instances/{inst['id']}/action", {"save_logs": {"bucket": "x"}}),
        "badRequest",
        400,
        "Validation error: save_logs Additional properties are not allowed ('bucket' was unexpected)",
    )
    _, body, _ = await api.post("/instances", {"instance": {"name": "b", "flavorRef": 2, "volume": {"size": 1}}})
    assert_fault(
        await api.post(f"/instances/{body['instance']['id']}/action", {"save_logs": {}}),
        "unprocessableEntity",
        422,
        contains="(task status was BUILDING)",
    )


# --- no silent no-ops ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
async def test_update_instance_with_a_field_it_does_not_model_is_bad_request_naming_it(api, method):
    inst = await active_instance(api)
    assert_fault(
        await api.call(method, f"/instances/{inst['id']}", json={"instance": {"bogus_field": 1}}),
        "badRequest",
        400,
        "Validation error: instance Additional properties are not allowed ('bogus_field' was unexpected)",
    )
    assert_fault(
        await api.call(
            method, f"/instances/{inst['id']}", json={"instance": {"name": "n", "access": {"is_public": True}}}
        ),
        "badRequest",
        400,
        "Validation error: instance Additional properties are not allowed ('access' was unexpected)",
    )
    assert (await shown(api, inst["id"]))["name"] == inst["name"]


async def test_update_instance_with_two_attributes_besides_the_name_is_bad_request(api):
    inst, group = await active_instance(api), await make_group(api)
    assert_fault(
        await api.put(
            f"/instances/{inst['id']}",
            {"instance": {"name": "n", "configuration": group["id"], "datastore_version": "8.0"}},
        ),
        "badRequest",
        400,
        "Only one attribute (except 'name') is allowed to update.",
    )


async def test_rename_with_attach_does_both(api):
    inst, group = await active_instance(api), await make_group(api)
    assert (await api.put(f"/instances/{inst['id']}", {"instance": {"name": "n2", "configuration": group["id"]}}))[
        0
    ] == 202
    seen = await shown(api, inst["id"])
    assert (seen["name"], seen["configuration"]["id"]) == ("n2", group["id"])


@pytest.mark.parametrize(
    "path",
    [
        "/clusters",
        "/clusters/abc",
        "/mgmt/instances",
        "/quotas/1234",
        "/modules",
        "/instances/{id}/log",
        "/instances/{id}/modules",
    ],
)
async def test_trove_only_paths_say_they_are_not_part_of_cloud_databases(api, path):
    inst = await active_instance(api)
    path = path.replace("{id}", inst["id"])
    for method in ("GET", "POST"):
        assert_fault(
            await api.call(method, path),
            "itemNotFound",
            404,
            f"{path} is part of OpenStack Trove, not of the Cloud Databases v1.0 API: there is no such resource here.",
        )


async def test_trove_only_paths_still_need_a_token(api):
    assert_fault(await api.as_account("1234", None).get("/clusters"), "unauthorized", 401, UNAUTHORIZED)


async def test_unknown_paths_keep_the_plain_not_found(api):
    assert_fault(await api.get("/nothing-here"), "itemNotFound", 404, "The resource could not be found.")


async def test_the_sandbox_seed_instance_has_a_configuration_group_attached(aiohttp_client):
    from support import Api

    from simulator import create_app

    api = Api(
        await aiohttp_client(create_app(SimulatorConfig(seed=7, bootstrap=DemoAccount()))), token=DemoAccount().token
    )
    instances = (await api.get("/instances"))[1]["instances"]
    assert [i["name"] for i in instances] == ["demo-source"]
    seen = await shown(api, instances[0]["id"])
    assert (seen["status"], seen["configuration"]["name"]) == ("ACTIVE", "MySQL Tuned Config")
    group = (await api.get(f"/configurations/{seen['configuration']['id']}"))[1]["configuration"]
    assert (group["datastore_version_name"], group["instance_count"]) == ("5.6", 1)


async def test_coverage_report_sees_restart_required_and_upgrade(api):
    from simulator.coverage import Coverage
    from simulator.keys import JOURNAL

    inst = await active_instance(api, datastore={"type": "mysql", "version": "5.7"})
    plain = await active_instance(api, name="plain", datastore={"type": "mysql", "version": "5.7"})
    group = await make_group(api, RESTART, type="mysql", version="5.7")
    assert (await shown(api, inst["id"]))["status"] == "ACTIVE"
    await attach(api, inst["id"], group["id"])
    await shown(api, inst["id"])
    await api.post(f"/instances/{inst['id']}/action", {"restart": {}})
    api.advance(10)
    await shown(api, inst["id"])
    await shown(api, plain["id"])
    await api.patch(f"/instances/{plain['id']}", {"instance": {"datastore_version": "8.0"}})  # no group attached
    api.advance(30)
    await shown(api, plain["id"])
    coverage = Coverage()
    coverage.add_test(api.app[JOURNAL].entries())
    seen = coverage.report()["lifecycle"]["exercised"]
    for label in (
        "instance ACTIVE -> RESTART_REQUIRED",
        "instance RESTART_REQUIRED -> REBOOT",
        "instance ACTIVE -> UPGRADE",
        "instance UPGRADE -> ACTIVE",
    ):
        assert seen.get(label) == 1, (label, seen)
    assert {"create_configuration", "put_instance", "patch_instance"} <= set(
        coverage.report()["operations"]["exercised"]
    )


async def test_an_upgrade_that_would_leave_a_group_of_another_version_attached_is_refused(api):
    inst = await active_instance(api, datastore={"type": "mysql", "version": "5.7"})
    group = await make_group(api, type="mysql", version="5.7")
    await attach(api, inst["id"], group["id"])
    api.advance(10)
    version_57 = (await api.get(f"/configurations/{group['id']}"))[1]["configuration"]["datastore_version_id"]
    version_80 = next(
        v["id"] for v in (await api.get("/datastores/mysql/versions"))[1]["versions"] if v["name"] == "8.0"
    )
    status, body, _ = await api.patch(f"/instances/{inst['id']}", {"instance": {"datastore_version": "8.0"}})
    assert_fault(
        (status, body),
        "badRequest",
        400,
        f"Configuration group {group['id']} is for another datastore version: detach it before upgrading "
        f"(Datastore Version on Configuration {version_57} does not match the Datastore Version on the "
        f"instance {version_80}).",
    )
    shown_now = await shown(api, inst["id"])
    assert shown_now["datastore"]["version"] == "5.7" and shown_now["configuration"]["id"] == group["id"]
    await api.put(f"/instances/{inst['id']}", {"instance": {"configuration": ""}})
    api.advance(10)
    assert (await api.patch(f"/instances/{inst['id']}", {"instance": {"datastore_version": "8.0"}}))[0] == 202
