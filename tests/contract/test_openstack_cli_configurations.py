"""`openstack database configuration ...` and `instance upgrade`, unmodified (about a second a call; independent
calls run side by side)."""

from __future__ import annotations

import json


def test_configuration_group_lifecycle(sim, account, token_cli):
    instance_id = token_cli.active_instance(sim, "cli-cfg")
    group = token_cli.json(
        "database",
        "configuration",
        "create",
        "tuned",
        '{"connect_timeout": 120}',
        "--datastore",
        "mysql",
        "--datastore-version",
        "5.7",
        "--description",
        "reports",
    )
    assert (group["name"], group["description"], json.loads(group["values"])) == (
        "tuned",
        "reports",
        {"connect_timeout": 120},
    )
    assert (group["datastore_name"], group["datastore_version_name"], group["instance_count"]) == ("mysql", "5.7", 0)
    group_id = group["id"]

    listed, shown, params, param = token_cli.json_all(
        ("database", "configuration", "list"),
        ("database", "configuration", "show", group_id),
        ("database", "configuration", "parameter", "list", "5.7", "--datastore", "mysql"),
        ("database", "configuration", "parameter", "show", "5.7", "max_connections", "--datastore", "mysql"),
    )
    assert [(c["ID"], c["Name"], c["Datastore Version Name"]) for c in listed] == [(group_id, "tuned", "5.7")]
    assert shown["id"] == group_id and json.loads(shown["values"]) == {"connect_timeout": 120}
    by_name = {p["Name"]: p for p in params}
    assert (by_name["max_connections"]["Min Size"], by_name["max_connections"]["Max Size"]) == (1, 65535)
    assert (by_name["sql_mode"]["Type"], by_name["sql_mode"]["Min Size"]) == ("string", "-")
    assert by_name["innodb_buffer_pool_size"]["Restart Required"] is True
    assert param == {"max": 65535, "min": 1, "name": "max_connections", "restart_required": False, "type": "integer"}

    token_cli.ok("database", "configuration", "attach", instance_id, group_id)
    instance, users_of_group, defaults = token_cli.json_all(
        ("database", "instance", "show", instance_id),
        ("database", "configuration", "instances", group_id),
        ("database", "configuration", "default", instance_id),
    )
    assert (instance["status"], instance["configuration"]) == ("ACTIVE", group_id)
    assert users_of_group == [{"ID": instance_id, "Name": "cli-cfg"}]
    assert (defaults["connect_timeout"], defaults["innodb_buffer_pool_size"]) == ("120", "300M")

    # `parameter set` merges (PATCH); a value that needs a restart waits for one.
    token_cli.ok("database", "configuration", "parameter", "set", group_id, '{"innodb_buffer_pool_size": 1073741824}')
    assert token_cli.json("database", "instance", "show", instance_id)["status"] == "RESTART_REQUIRED"
    out = token_cli.fails("database", "configuration", "detach", instance_id)
    assert (
        "The operation you have requested cannot be executed because the instance status is currently: "
        "RESTART_REQUIRED. (HTTP 400)"
    ) in out
    token_cli.ok("database", "instance", "restart", instance_id)
    token_cli.wait_for(sim, "instance", instance_id, "ACTIVE")

    # `configuration set` replaces every value (unsetting the others) and renames.
    token_cli.ok("database", "configuration", "set", group_id, '{"max_connections": 99}', "--name", "renamed")
    renamed = token_cli.json("database", "configuration", "show", group_id)
    assert (renamed["name"], json.loads(renamed["values"])) == ("renamed", {"max_connections": 99})
    token_cli.ok("database", "instance", "restart", instance_id)  # the unset buffer pool size needs one
    token_cli.wait_for(sim, "instance", instance_id, "ACTIVE")

    out = token_cli.fails("database", "configuration", "delete", group_id)
    assert "A configuration group cannot be deleted if it is associated with one or more non-terminated" in out
    token_cli.ok("database", "configuration", "detach", instance_id)
    assert "configuration" not in token_cli.json("database", "instance", "show", instance_id)
    token_cli.ok("database", "configuration", "delete", group_id)
    assert token_cli.json("database", "configuration", "list") == []


def test_configuration_refusals_print_trove_messages(sim, account, token_cli):
    out = token_cli.fails("database", "configuration", "create", "bad", '{"max_connections": "lots"}')
    assert (
        "The value provided for the configuration parameter max_connections is not of type integer. (HTTP 422)"
    ) in out
    version_id = sim.raw("GET", account, "/datastores/mysql")[1]["datastore"]["default_version"]
    params, missing = token_cli.run_all(
        [
            ("database", "configuration", "parameter", "list", version_id, "-f", "json"),
            ("database", "configuration", "parameter", "show", version_id, "query_cache_size"),
        ]
    )
    assert params.returncode == 0 and "query_cache_size" not in {p["Name"] for p in json.loads(params.stdout)}
    assert missing.returncode != 0 and "Resource query_cache_size cannot be found. (HTTP 404)" in missing.stderr


def test_instance_upgrade(sim, account, token_cli):
    instance_id = token_cli.active_instance(sim, "cli-upgrade")
    token_cli.ok("database", "instance", "upgrade", instance_id, "8.0")
    upgrading = token_cli.json("database", "instance", "show", instance_id)
    assert (upgrading["status"], upgrading["datastore_version"]) == ("UPGRADE", "8.0")
    assert token_cli.wait_for(sim, "instance", instance_id, "ACTIVE")["datastore_version"] == "8.0"
    out = token_cli.fails("database", "instance", "upgrade", instance_id, "9.9")
    assert "Datastore version '9.9' cannot be found. (HTTP 400)" in out
