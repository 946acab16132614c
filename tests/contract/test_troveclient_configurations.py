"""python-troveclient, unmodified: configuration groups, datastore parameters, attach/detach, RESTART_REQUIRED,
the default configuration, and in-place upgrades."""

from __future__ import annotations

import json

import pytest
from keystoneauth1 import session, token_endpoint
from troveclient import exceptions
from troveclient.v1 import client

#: innodb_buffer_pool_size needs a restart; the others apply at once.
RESTART_VALUE = {"innodb_buffer_pool_size": 1073741824}


def token_client(account) -> client.Client:
    return client.Client(session=session.Session(auth=token_endpoint.Token(account.endpoint, account.token)))


def active_instance(sim, tc: client.Client, name: str, version: str = "5.7", **extra):
    inst = tc.instances.create(
        name, flavor_id="2", volume={"size": 1}, datastore="mysql", datastore_version=version, **extra
    )
    sim.wait_for(tc.instances.get, inst.id, "ACTIVE")
    return inst


def test_configuration_group_lifecycle(sim, account):
    tc = token_client(account)
    inst = active_instance(sim, tc, "cfg-db")

    group = tc.configurations.create(
        "tuned", json.dumps({"connect_timeout": 120}), description="reports", datastore="mysql", datastore_version="5.7"
    )
    assert (group.name, group.description, group.values, group.instance_count) == (
        "tuned",
        "reports",
        {"connect_timeout": 120},
        0,
    )
    assert (group.datastore_name, group.datastore_version_name) == ("mysql", "5.7")
    assert [c.id for c in tc.configurations.list()] == [group.id]

    tc.instances.update(inst.id, configuration=group.id)  # PUT {"instance": {"configuration": id}}
    shown = tc.instances.get(inst.id)
    assert (shown.status, shown.configuration["id"], shown.configuration["name"]) == ("ACTIVE", group.id, "tuned")
    assert tc.configurations.get(group.id).instance_count == 1
    assert [(i.id, i.name) for i in tc.configurations.instances(group.id)] == [(inst.id, "cfg-db")]
    defaults = tc.instances.configuration(inst.id).configuration
    assert (defaults["connect_timeout"], defaults["max_connections"]) == ("120", "200")

    # PATCH (edit) merges; a value that needs a restart puts the instance in RESTART_REQUIRED until restarted.
    tc.configurations.edit(group.id, json.dumps(RESTART_VALUE))
    assert tc.configurations.get(group.id).values == {"connect_timeout": 120, **RESTART_VALUE}
    assert tc.instances.get(inst.id).status == "RESTART_REQUIRED"
    # PUT (update) replaces all values (and renames).
    tc.configurations.update(group.id, json.dumps({"max_connections": 99}), name="renamed")
    replaced = tc.configurations.get(group.id)
    assert (replaced.name, replaced.values) == ("renamed", {"max_connections": 99})
    tc.instances.restart(inst.id)
    assert tc.instances.get(inst.id).status == "REBOOT"
    sim.wait_for(tc.instances.get, inst.id, "ACTIVE")
    assert tc.instances.configuration(inst.id).configuration["max_connections"] == "99"

    with pytest.raises(exceptions.BadRequest) as err:
        tc.configurations.delete(group.id)
    assert err.value.message.startswith("A configuration group cannot be deleted if it is associated with one")
    tc.instances.update(inst.id, remove_configuration=True)  # PUT {"instance": {"configuration": null}}
    detached = tc.instances.get(inst.id)
    assert (detached.status, hasattr(detached, "configuration")) == ("ACTIVE", False)
    tc.configurations.delete(group.id)
    with pytest.raises(exceptions.NotFound):
        tc.configurations.get(group.id)


def test_configuration_values_are_checked_against_the_parameters(account):
    tc = token_client(account)
    with pytest.raises(exceptions.UnprocessableEntity) as err:
        tc.configurations.create("bad", json.dumps({"max_connections": 0}), datastore="mysql", datastore_version="5.7")
    assert err.value.message == (
        "The value for the configuration parameter max_connections is less than the minimum allowed: 1"
    )
    with pytest.raises(exceptions.UnprocessableEntity) as err:
        tc.configurations.create("bad", json.dumps({"no_such_setting": 1}))
    assert err.value.message == (
        "The configuration parameter no_such_setting is not supported for this datastore: mysql 8.0."
    )
    assert tc.configurations.list() == []


def test_datastore_parameters_by_name_and_by_version_id(account):
    tc = token_client(account)
    params = tc.configuration_parameters.parameters("mysql", "5.7")
    assert {"max_connections", "innodb_buffer_pool_size", "sql_mode"} <= {p.name for p in params}
    version_id = tc.datastores.get("mysql").default_version
    by_id = tc.configuration_parameters.parameters_by_version(version_id)
    assert "query_cache_size" not in {p.name for p in by_id}  # the default, 8.0, has no query cache
    one = tc.configuration_parameters.get_parameter("mysql", "5.7", "innodb_buffer_pool_size")
    assert (one.type, one.restart_required, one.min) == ("integer", True, 0)
    same = tc.configuration_parameters.get_parameter_by_version(version_id, "max_connections")
    assert (same.min, same.max, same.restart_required) == (1, 65535, False)
    with pytest.raises(exceptions.NotFound):
        tc.configuration_parameters.get_parameter("mysql", "5.7", "no_such_setting")


def test_instance_created_with_a_group_attach_refusals(sim, account):
    tc = token_client(account)
    group = tc.configurations.create(
        "ro", json.dumps({"wait_timeout": 300}), datastore="mysql", datastore_version="5.7"
    )
    inst = tc.instances.create(
        "with-group",
        flavor_id="2",
        volume={"size": 1},
        datastore="mysql",
        datastore_version="5.7",
        configuration=group.id,
    )
    assert inst.configuration["id"] == group.id
    with pytest.raises(exceptions.BadRequest) as err:  # still building
        tc.instances.update(inst.id, configuration=group.id)
    assert err.value.message == (f"Instance {inst.id} already has a Configuration Group attached: {group.id}.")
    sim.wait_for(tc.instances.get, inst.id, "ACTIVE")
    other = tc.configurations.create("other", json.dumps({}))  # MySQL 8.0
    tc.instances.update(inst.id, remove_configuration=True)
    with pytest.raises(exceptions.BadRequest) as err:
        tc.instances.update(inst.id, configuration=other.id)
    assert err.value.message.startswith(
        f"Datastore Version on Configuration {other.datastore_version_id} does "
        f"not match the Datastore Version on the instance"
    )


def test_upgrade_in_place(sim, account):
    tc = token_client(account)
    inst = active_instance(sim, tc, "old-db")
    tc.instances.upgrade(inst.id, "8.0")  # PATCH {"instance": {"datastore_version": "8.0"}}
    upgrading = tc.instances.get(inst.id)
    assert (upgrading.status, upgrading.datastore["version"]) == ("UPGRADE", "8.0")
    sim.wait_for(tc.instances.get, inst.id, "ACTIVE")
    with pytest.raises(exceptions.BadRequest) as err:
        tc.instances.upgrade(inst.id, "5.7")
    assert err.value.message == (
        "Datastore version '5.7' is not newer than the instance's current version "
        "'8.0': an instance can only be upgraded, never downgraded."
    )
    with pytest.raises(exceptions.BadRequest) as err:
        tc.instances.upgrade(inst.id, "9.9")
    assert err.value.message == "Datastore version '9.9' cannot be found."
