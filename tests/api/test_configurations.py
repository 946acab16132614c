"""Configuration groups and datastore parameters: Trove's configuration service, answer by answer."""

from __future__ import annotations

import pytest
from support import assert_fault

from simulator.reference import catalog
from simulator.reference.parameters import PARAMETERS

MYSQL = catalog.DATASTORES[0]
MYSQL_57 = catalog.get_version(MYSQL, "5.7")
MYSQL_80 = catalog.get_version(MYSQL, "8.0")
MISSING = "00000000-0000-4000-8000-0000000000cf"


async def make_group(api, values=None, **extra) -> dict:
    """Create a group (MySQL 8.0 unless told otherwise) and return its body."""
    spec = {
        "name": extra.pop("name", "tuned"),
        "values": {"connect_timeout": 120} if values is None else values,
        **extra,
    }
    status, body, _ = await api.post("/configurations", {"configuration": spec})
    assert status == 200, body
    return body["configuration"]


async def test_create_configuration_answers_200_with_its_values_and_no_instances(api):
    status, body, _ = await api.post(
        "/configurations",
        {
            "configuration": {
                "name": "tuned",
                "description": "for reports",
                "values": {"max_connections": 300, "sql_mode": "ANSI"},
                "datastore": {"type": "mysql", "version": "5.7"},
            }
        },
    )
    assert status == 200
    group = body["configuration"]
    assert set(group) == {
        "id",
        "name",
        "description",
        "created",
        "updated",
        "datastore_name",
        "datastore_version_id",
        "datastore_version_name",
        "instance_count",
        "values",
    }
    assert (group["name"], group["description"], group["instance_count"]) == ("tuned", "for reports", 0)
    assert (group["datastore_name"], group["datastore_version_name"]) == ("mysql", "5.7")
    assert group["datastore_version_id"] == MYSQL_57.id
    assert group["values"] == {"max_connections": 300, "sql_mode": "ANSI"}


async def test_create_configuration_without_datastore_takes_the_default_version(api):
    group = await make_group(api)
    assert (group["datastore_name"], group["datastore_version_name"]) == ("mysql", "8.0")
    assert group["description"] is None


async def test_create_configuration_accepts_datastore_and_version_ids(api):
    group = await make_group(api, datastore={"type": MYSQL.id, "version": MYSQL_57.id})
    assert group["datastore_version_id"] == MYSQL_57.id


async def test_create_configuration_unknown_datastore_is_not_found(api):
    assert_fault(
        await api.post(
            "/configurations", {"configuration": {"name": "x", "values": {}, "datastore": {"type": "oracle"}}}
        ),
        "itemNotFound",
        404,
        "Datastore 'oracle' cannot be found.",
    )


async def test_create_configuration_unknown_datastore_version_is_bad_request(api):
    assert_fault(
        await api.post(
            "/configurations",
            {"configuration": {"name": "x", "values": {}, "datastore": {"type": "mysql", "version": "9.9"}}},
        ),
        "badRequest",
        400,
        "Datastore version '9.9' cannot be found.",
    )


async def test_create_configuration_without_values_is_bad_request(api):
    assert_fault(
        await api.post("/configurations", {"configuration": {"name": "x"}}),
        "badRequest",
        400,
        "Validation error: configuration 'values' is a required property",
    )


async def test_create_configuration_with_a_field_it_does_not_model_is_bad_request_naming_it(api):
    assert_fault(
        await api.post("/configurations", {"configuration": {"name": "x", "values": {}, "colour": 1}}),
        "badRequest",
        400,
        "Validation error: configuration Additional properties are not allowed ('colour' was unexpected)",
    )
    assert (await api.get("/configurations"))[1]["configurations"] == []


@pytest.mark.parametrize(
    "values, message",
    [
        (
            {"innodb_bogus": 1},
            "The configuration parameter innodb_bogus is not supported for this datastore: mysql 8.0.",
        ),
        (
            {"query_cache_size": 1024},  # MySQL 8.0 has no query cache
            "The configuration parameter query_cache_size is not supported for this datastore: mysql 8.0.",
        ),
        (
            {"max_connections": "300"},
            "The value provided for the configuration parameter max_connections is not of type integer.",
        ),
        (
            {"max_connections": True},
            "The value provided for the configuration parameter max_connections is not of type integer.",
        ),
        (
            {"max_connections": 3.5},
            "The value provided for the configuration parameter max_connections is not of type integer.",
        ),
        ({"sql_mode": 1}, "The value provided for the configuration parameter sql_mode is not of type string."),
        (
            {"connect_timeout": 1},
            "The value for the configuration parameter connect_timeout is less than the minimum allowed: 2",
        ),
        (
            {"max_connections": 70000},
            "The value for the configuration parameter max_connections is greater than the maximum allowed: 65535",
        ),
    ],
)
async def test_create_configuration_checks_values_against_the_parameters(api, values, message):
    assert_fault(
        await api.post("/configurations", {"configuration": {"name": "x", "values": values}}),
        "unprocessableEntity",
        422,
        message,
    )
    assert (await api.get("/configurations"))[1]["configurations"] == []


async def test_create_configuration_parameter_names_are_case_insensitive(api):
    group = await make_group(api, values={"MAX_CONNECTIONS": 50})
    assert group["values"] == {"MAX_CONNECTIONS": 50}


async def test_a_parameter_named_in_two_cases_is_stored_once(api):
    status, body, _ = await api.post(
        "/configurations", {"configuration": {"name": "g", "values": {"max_connections": 50, "MAX_CONNECTIONS": 60}}}
    )
    assert_fault(
        (status, body),
        "unprocessableEntity",
        422,
        "The configuration parameter max_connections is given twice (as max_connections and "
        "MAX_CONNECTIONS: names are matched whatever their case) with different values.",
    )
    group = await make_group(api, values={"max_connections": 50, "Max_Connections": 50})
    assert group["values"] == {"max_connections": 50}
    assert (await api.patch(f"/configurations/{group['id']}", {"configuration": {"values": {"MAX_CONNECTIONS": 70}}}))[
        0
    ] == 200
    shown = (await api.get(f"/configurations/{group['id']}"))[1]["configuration"]
    assert shown["values"] == {"MAX_CONNECTIONS": 70}


async def test_query_cache_is_a_parameter_of_mysql_57_but_not_80(api):
    group = await make_group(api, values={"query_cache_size": 1024}, datastore={"type": "mysql", "version": "5.7"})
    assert group["values"] == {"query_cache_size": 1024}


async def test_list_configurations_shows_no_values_and_pages_by_id(api):
    ids = sorted([(await make_group(api, name=f"g{n}"))["id"] for n in range(3)])
    status, body, _ = await api.get("/configurations?limit=2")
    assert status == 200
    assert [g["id"] for g in body["configurations"]] == ids[:2]
    assert "values" not in body["configurations"][0] and "instance_count" not in body["configurations"][0]
    assert body["links"][0]["rel"] == "next" and f"marker={ids[1]}" in body["links"][0]["href"]
    status, body, _ = await api.get(f"/configurations?limit=2&marker={ids[1]}")
    assert [g["id"] for g in body["configurations"]] == ids[2:] and "links" not in body


async def test_show_configuration_has_values_and_instance_count(api):
    group = await make_group(api, values={"wait_timeout": 600, "collation_server": "latin1_swedish_ci"})
    status, body, _ = await api.get(f"/configurations/{group['id']}")
    assert status == 200
    assert body["configuration"] == group


async def test_show_configuration_unknown_is_not_found(api):
    assert_fault(
        await api.get(f"/configurations/{MISSING}"),
        "itemNotFound",
        404,
        f"Configuration group with ID {MISSING} could not be found.",
    )


async def test_patch_configuration_merges_values_and_answers_200_without_a_body(api):
    group = await make_group(api, values={"connect_timeout": 120, "wait_timeout": 600})
    api.clock.advance(60)
    status, body, resp = await api.patch(
        f"/configurations/{group['id']}", {"configuration": {"values": {"wait_timeout": 900, "max_connections": 99}}}
    )
    assert (status, body, resp.content_length) == (200, None, 0)
    shown = (await api.get(f"/configurations/{group['id']}"))[1]["configuration"]
    assert shown["values"] == {"connect_timeout": 120, "max_connections": 99, "wait_timeout": 900}
    assert shown["updated"] > group["updated"] and shown["created"] == group["created"]


async def test_patch_configuration_with_a_bad_value_changes_nothing(api):
    group = await make_group(api)
    assert_fault(
        await api.patch(
            f"/configurations/{group['id']}", {"configuration": {"values": {"wait_timeout": 600, "connect_timeout": 0}}}
        ),
        "unprocessableEntity",
        422,
        "The value for the configuration parameter connect_timeout is less than the minimum allowed: 2",
    )
    assert (await api.get(f"/configurations/{group['id']}"))[1]["configuration"]["values"] == group["values"]


async def test_patch_configuration_without_values_is_bad_request(api):
    group = await make_group(api)
    assert_fault(
        await api.patch(f"/configurations/{group['id']}", {"configuration": {"name": "renamed"}}),
        "badRequest",
        400,
        "Validation error: configuration 'values' is a required property; "
        "configuration Additional properties are not allowed ('name' was unexpected)",
    )


async def test_put_configuration_replaces_values_name_and_description_202(api):
    group = await make_group(api, values={"connect_timeout": 120, "wait_timeout": 600})
    status, body, _ = await api.put(
        f"/configurations/{group['id']}",
        {"configuration": {"name": "renamed", "description": "new", "values": {"max_connections": 10}}},
    )
    assert (status, body) == (202, None)
    shown = (await api.get(f"/configurations/{group['id']}"))[1]["configuration"]
    assert (shown["name"], shown["description"], shown["values"]) == ("renamed", "new", {"max_connections": 10})


async def test_put_configuration_without_values_clears_them(api):
    group = await make_group(api)
    assert (await api.put(f"/configurations/{group['id']}", {"configuration": {"name": "empty"}}))[0] == 202
    shown = (await api.get(f"/configurations/{group['id']}"))[1]["configuration"]
    assert (shown["name"], shown["values"]) == ("empty", {})


async def test_put_configuration_unknown_is_not_found(api):
    assert_fault(
        await api.put(f"/configurations/{MISSING}", {"configuration": {"values": {}}}),
        "itemNotFound",
        404,
        f"Configuration group with ID {MISSING} could not be found.",
    )


async def test_delete_configuration_202_then_gone(api):
    group = await make_group(api)
    status, body, _ = await api.delete(f"/configurations/{group['id']}")
    assert (status, body) == (202, None)
    assert_fault(
        await api.get(f"/configurations/{group['id']}"),
        "itemNotFound",
        404,
        f"Configuration group with ID {group['id']} could not be found.",
    )
    assert_fault(
        await api.delete(f"/configurations/{group['id']}"),
        "itemNotFound",
        404,
        f"Configuration group with ID {group['id']} could not be found.",
    )


async def test_list_configuration_instances_of_an_unused_group_is_empty(api):
    group = await make_group(api)
    status, body, _ = await api.get(f"/configurations/{group['id']}/instances")
    assert (status, body) == (200, {"instances": []})


async def test_configurations_of_another_account_are_not_found(api):
    group = await make_group(api)
    api.backend.identity.create_account("other", token="other-token")
    other = api.as_account("other", "other-token")
    assert_fault(
        await other.get(f"/configurations/{group['id']}"),
        "itemNotFound",
        404,
        f"Configuration group with ID {group['id']} could not be found.",
    )
    assert (await other.get("/configurations"))[1]["configurations"] == []


# --- datastore parameters --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "version", [v for ds in catalog.DATASTORES for v in ds.versions], ids=lambda v: f"{v.datastore_name}-{v.name}"
)
async def test_every_catalog_version_lists_its_parameters_by_name_and_by_id(api, version):
    by_name = await api.get(f"/datastores/{version.datastore_name}/versions/{version.name}/parameters")
    by_id = await api.get(f"/datastores/versions/{version.id}/parameters")
    assert by_name[0] == by_id[0] == 200
    assert by_name[1] == by_id[1]
    params = by_name[1]["configuration-parameters"]
    assert len(params) == len(PARAMETERS[version.id]) > 100
    for p in params:
        assert p["type"] in ("integer", "string") and isinstance(p["restart_required"], bool)
        assert ("min" in p) == ("max" in p) == (p["type"] == "integer")


async def test_show_parameter_is_the_bare_object_of_the_docs(api):
    status, body, _ = await api.get("/datastores/mysql/versions/5.6/parameters/innodb_file_per_table")
    assert (status, body) == (
        200,
        {"max": 1, "min": 0, "name": "innodb_file_per_table", "restart_required": True, "type": "integer"},
    )
    status, body, _ = await api.get(f"/datastores/versions/{MYSQL_80.id}/parameters/sql_mode")
    assert (status, body) == (200, {"name": "sql_mode", "restart_required": False, "type": "string"})


async def test_show_unknown_parameter_is_not_found(api):
    assert_fault(
        await api.get("/datastores/mysql/versions/8.0/parameters/query_cache_size"),
        "itemNotFound",
        404,
        "Resource query_cache_size cannot be found.",
    )


async def test_parameters_of_unknown_versions_are_not_found(api):
    assert_fault(
        await api.get("/datastores/mysql/versions/9.9/parameters"),
        "itemNotFound",
        404,
        "Datastore version '9.9' cannot be found.",
    )
    assert_fault(
        await api.get(f"/datastores/versions/{MISSING}/parameters"),
        "itemNotFound",
        404,
        f"Datastore version '{MISSING}' cannot be found.",
    )
    assert_fault(
        await api.get("/datastores/oracle/versions/1/parameters/x"),
        "itemNotFound",
        404,
        "Datastore 'oracle' cannot be found.",
    )


async def test_version_defaults_for_a_flavor_carry_each_parameters_details(api):
    status, body, _ = await api.get(f"/datastore/version/{MYSQL_57.id}/configuration/2")
    assert status == 200
    assert (body["datastore"], body["datastore_version"], body["flavor"]) == ("mysql", "5.7", 2)
    config = body["configuration"]
    assert config["basedir"] == {"default": "/usr"}
    assert config["max_connections"] == {
        "default": "200",
        "type": "integer",
        "restart_required": False,
        "min": 1,
        "max": 65535,
    }
    assert config["innodb_buffer_pool_size"]["default"] == "300M"
    assert config["innodb_buffer_pool_size"]["restart_required"] is True
    # The docs' example has one: without an instance it comes from the version and flavor, the same each time.
    assert config["server_id"]["default"].isdigit() and 1 <= int(config["server_id"]["default"]) <= 100000
