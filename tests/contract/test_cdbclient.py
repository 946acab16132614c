"""cdbclient 1.0.9 (Rackspace's own client), unmodified, against the running simulator: every operation its library
offers that the API has (its /mgmt calls are Rackspace's operator API, not this one), each with what it really
sends (nulls for fields not given, PUT {"instance": {}} to detach a configuration, both replica names on a detach,
add_acls / delete_acls actions). cdb-cli's commands are in test_cdbclient_cli.py."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.contract

DYNAMIC = json.dumps({"connect_timeout": 120})


def wait(sim, fetch, status: str, key: str = "status", limit: int = 20) -> dict:
    """Poll fetch() as a client would, moving the clock on between polls, until its key shows status."""
    seen = []
    for _ in range(limit):
        item = fetch()
        seen.append(item[key])
        if item[key] == status:
            return item
        sim.advance(15)
    raise AssertionError(f"never reached {status}; saw {seen}")


def active_instance(sim, cdb, name="cdb-db", **extra) -> dict:
    inst = cdb("instances.create", name, "2", volume={"size": 2}, datastore="mysql", datastore_version="5.6", **extra)
    assert inst["status"] == "BUILD"
    return wait(sim, lambda: cdb("instances.get", inst["id"]), "ACTIVE")


def test_cdbclient_authenticates_with_its_api_key_and_finds_the_catalog_endpoint(cdb, account):
    assert cdb.endpoint == account.endpoint


def test_cdbclient_catalog_reads(cdb):
    assert len(cdb("flavors.list")) == 8
    assert cdb("flavors.get", 2)["name"] == "1GB Instance"
    mysql = cdb("datastores.get", "mysql")
    assert mysql["name"] == "mysql" and {d["name"] for d in cdb("datastores.list")["items"]} >= {"mysql", "percona"}
    versions = cdb("datastore_versions.list", "mysql")["items"]
    v56 = cdb("datastore_versions.get", "mysql", "5.6")
    assert v56["name"] == "5.6" and v56["id"] in {v["id"] for v in versions}
    assert cdb("datastore_versions.get_by_uuid", v56["id"])["name"] == "5.6"
    assert cdb("flavors.list_datastore_version_associated_flavors", "mysql", v56["id"])
    params = cdb("configuration_parameters.parameters", "mysql", "5.6")
    assert "connect_timeout" in {p["name"] for p in params}
    assert cdb("configuration_parameters.get_parameter", "mysql", "5.6", "connect_timeout")["type"] == "integer"
    assert cdb("configuration_parameters.parameters_by_version", v56["id"])
    assert cdb("configuration_parameters.get_parameter_by_version", v56["id"], "connect_timeout")["name"] == (
        "connect_timeout"
    )
    assert cdb("limits.list")
    assert cdb("versions.index")[0]["id"] == "v1.0"


def test_cdbclient_instances_databases_users_and_root(sim, cdb):
    inst = active_instance(sim, cdb, databases=[{"name": "orders"}])
    iid = inst["id"]
    assert [i["id"] for i in cdb("instances.list", include_replicas=True, include_ha=True)["items"]] == [iid]
    cdb("instances.edit", iid, name="renamed")
    assert cdb("instances.get", iid)["name"] == "renamed"

    cdb("databases.create", iid, [{"name": "stock", "character_set": "utf8"}])
    assert sorted(d["name"] for d in cdb("databases.list", iid)["items"]) == ["orders", "stock"]
    cdb("users.create", iid, [{"name": "alice", "password": "s3cret-pw", "databases": [{"name": "orders"}]}])
    assert [u["name"] for u in cdb("users.list", iid)["items"]] == ["alice"]
    assert cdb("users.get", iid, "alice")["name"] == "alice"
    cdb("users.grant", iid, "alice", ["stock"])
    assert sorted(d["name"] for d in cdb("users.list_access", iid, "alice")) == ["orders", "stock"]
    cdb("users.revoke", iid, "alice", "stock")
    cdb("users.change_passwords", iid, [{"name": "alice", "password": "n3w-pw"}])
    cdb("users.update_attributes", iid, "alice", newuserattr={"name": "bob"})
    assert [u["name"] for u in cdb("users.list", iid)["items"]] == ["bob"]
    cdb("users.delete", iid, "bob")
    cdb("databases.delete", iid, "stock")
    assert [d["name"] for d in cdb("databases.list", iid)["items"]] == ["orders"]

    name, password = cdb("root.create", iid)
    assert name == "root" and password
    assert cdb("root.is_root_enabled", iid)["rootEnabled"] is True

    cdb("instances.resize_instance", iid, 3)
    assert wait(sim, lambda: cdb("instances.get", iid), "ACTIVE")["flavor"]["id"] == "3"
    cdb("instances.resize_volume", iid, 4)
    assert wait(sim, lambda: cdb("instances.get", iid), "ACTIVE")["volume"]["size"] == 4
    cdb("instances.restart", iid)
    assert cdb("instances.get", iid)["status"] == "REBOOT"
    wait(sim, lambda: cdb("instances.get", iid), "ACTIVE")
    cdb("instances.delete", iid)
    sim.advance(15)
    assert cdb.fails("instances.get", iid).status == 404


def test_cdbclient_configurations_attach_and_both_detaches(sim, cdb):
    iid = active_instance(sim, cdb)["id"]
    group = cdb("configurations.create", "tuned", DYNAMIC, description="d", datastore="mysql", datastore_version="5.6")
    gid = group["id"]
    cdb("configurations.update", gid, json.dumps({"connect_timeout": 90}), name="tuned2")
    cdb("configurations.edit", gid, json.dumps({"wait_timeout": 600}))
    shown = cdb("configurations.get", gid)
    assert shown["name"] == "tuned2" and shown["values"] == {"connect_timeout": 90, "wait_timeout": 600}
    assert [c["id"] for c in cdb("configurations.list")["items"]] == [gid]
    version_id = cdb("datastore_versions.get", "mysql", "5.6")["id"]
    assert cdb("configurations.default", version_id, 2)["configuration"]

    cdb("instances.modify", iid, gid)  # PUT {"instance": {"configuration": id}}
    assert cdb("instances.get", iid)["configuration"]["id"] == gid
    assert [i["id"] for i in cdb("configurations.instances", gid)] == [iid]
    assert cdb("instances.configuration", iid)["configuration"]["wait_timeout"] == "600"
    cdb("instances.modify", iid)  # configuration-detach: PUT {"instance": {}}
    assert "configuration" not in cdb("instances.get", iid)
    cdb("instances.edit", iid, configuration=gid)
    cdb("instances.edit", iid, remove_configuration=True)  # PATCH {"instance": {"configuration": null}}
    assert "configuration" not in cdb("instances.get", iid)
    cdb("configurations.delete", gid)
    assert cdb.fails("configurations.get", gid).status == 404


def test_cdbclient_backups_copies_and_schedules(sim, cdb, account):
    iid = active_instance(sim, cdb)["id"]
    backup = cdb("backups.create", "nightly", instance=iid, description="before")  # is_automated: false
    done = wait(sim, lambda: cdb("backups.get", backup["id"]), "COMPLETED")
    assert done["instance_id"] == iid
    assert [b["id"] for b in cdb("backups.list")["items"]] == [backup["id"]]
    assert [b["id"] for b in cdb("instances.backups", iid)["items"]] == [backup["id"]]
    cdb("backups.backup_copy", backup["id"], "IAD")  # "name": null, "description": ""
    status, copies, _ = _region_get(sim, account, "iad", "/backups")
    assert status == 200 and [c["name"] for c in copies["backups"]] == ["nightly"]

    schedule = cdb("schedules.create_backup", instance_id=iid, day_of_week=0, hour=3, minute=0, copy_to="ORD")
    assert schedule["source"] == {"id": iid, "type": "instance"} and schedule["copy_to"] == ["ORD"]
    assert [s["id"] for s in cdb("schedules.list")["items"]] == [schedule["id"]]
    cdb("schedules.update", schedule["id"], full_backup_retention=3, hour=4, run_now=False, copy_to=None)
    shown = cdb("schedules.get", schedule["id"])
    assert (shown["hour"], shown["full_backup_retention"], shown["copy_to"]) == (4, 3, ["ORD"])
    cdb("schedules.update", schedule["id"], run_now=True)
    auto = [b for b in cdb("backups.list")["items"] if b["is_automated"]]
    assert len(auto) == 1
    wait(sim, lambda: cdb("backups.get", auto[0]["id"]), "COMPLETED")
    sim.advance(60)
    status, copies, _ = _region_get(sim, account, "ord", "/backups")
    assert [(c["name"], c["status"]) for c in copies["backups"]] == [(auto[0]["name"], "COMPLETED")]
    cdb("schedules.delete", schedule["id"])
    assert cdb("schedules.list")["items"] == []
    cdb("backups.delete", backup["id"])
    assert cdb.fails("backups.get", backup["id"]).status == 404


def _region_get(sim, account, region: str, path: str):
    """A GET on the account's endpoint in another region (to see copies there)."""
    from dataclasses import replace

    regional = replace(account, endpoint=account.endpoint.replace("/v1.0/", f"/{region}/v1.0/"))
    return sim.raw("GET", regional, path)


def test_cdbclient_replicas_and_detach_as_it_sends_it(sim, cdb):
    src = active_instance(sim, cdb, name="src")
    replicas = []
    for name in ("rep1", "rep2"):
        rep = cdb("instances.create", name, "2", replica_of=src["id"])
        replicas.append(rep["id"])
        wait(sim, lambda rid=rep["id"]: cdb("instances.get", rid), "ACTIVE")
    assert sorted(r["id"] for r in cdb("instances.list_replicas", src["id"])["items"]) == sorted(replicas)
    listed = cdb("instances.list", include_replicas=False)["items"]
    assert [i["id"] for i in listed] == [src["id"]]
    # detach-replica: PATCH {"instance": {"slave_of": null, "replica_of": null, "rm_master_replica_config": false}}
    cdb("instances.edit", replicas[0], detach_replica_source=True)
    cdb("instances.edit", replicas[1], detach_replica_source=True, rm_master_replica_config=True)
    assert [cdb("instances.get", rid)["status"] for rid in replicas] == ["DETACH_REPLICA"] * 2
    for rid in replicas:
        assert "replica_of" not in wait(sim, lambda rid=rid: cdb("instances.get", rid), "ACTIVE")
    assert cdb("instances.list_replicas", src["id"])["items"] == []


def test_cdbclient_ha_groups_acls_actions_backups_and_schedules(sim, cdb):
    node = {"flavorRef": "2", "volume": {"size": 1}}
    ha = cdb(
        "ha.create",
        "ha-1",
        {"type": "mysql", "version": "5.6"},
        [{"name": "src", **node}],
        [{"name": "rep1", **node}],
        networks=["servicenet"],
        acls=["10.0.0.0/8"],
    )  # "configuration": null
    hid = ha["id"]
    assert ha["state"] == "BUILD"
    refused = cdb.fails("ha.add_acls", hid, ["1.2.3.4/32"])
    assert (refused.cls, refused.status, refused.message) == (
        "UnprocessableEntity",
        422,
        f"ACLs cannot be added to HA instance {hid} while it is being built (state was BUILD).",
    )
    wait(sim, lambda: cdb("ha.show", hid), "ACTIVE", key="state")
    assert [h["id"] for h in cdb("ha.list")["items"]] == [hid]

    cdb("ha.add_acl", hid, "1.2.3.4/32")
    cdb("ha.add_acls", hid, ["5.6.7.8/32", "9.9.9.0/24"])
    assert [a["address"] for a in cdb("ha.list_acl", hid)] == ["10.0.0.0/8", "1.2.3.4/32", "5.6.7.8/32", "9.9.9.0/24"]
    cdb("ha.remove_acl", hid, "1.2.3.4/32")  # the slash sent as %25252F
    cdb("ha.remove_acls", hid, ["5.6.7.8/32", "9.9.9.0/24"])
    assert [a["address"] for a in cdb("ha.list_acl", hid)] == ["10.0.0.0/8"]
    missing = cdb.fails("ha.remove_acls", hid, ["5.6.7.8/32"])
    assert (missing.status, missing.message) == (
        404,
        f"ACLNotFound: ACL 5.6.7.8/32 cannot be found on HA instance {hid}.",
    )

    group = cdb("configurations.create", "ha-tuned", DYNAMIC, datastore="mysql", datastore_version="5.6")
    cdb("ha.edit", hid, configuration=group["id"])
    assert cdb("ha.show", hid)["configuration"]["id"] == group["id"]
    cdb("ha.edit", hid, remove_configuration=True)
    assert cdb("ha.show", hid)["configuration"] is None

    cdb("ha.add_replica", hid, {"name": "rep2", **node})
    shown = wait(sim, lambda: cdb("ha.show", hid), "ACTIVE", key="state")
    cdb("ha.remove_replica", hid, shown["replicas"][-1]["id"])
    wait(sim, lambda: cdb("ha.show", hid), "ACTIVE", key="state")
    cdb("ha.resize_volumes", hid, 2)
    assert wait(sim, lambda: cdb("ha.show", hid), "ACTIVE", key="state")["volume"]["size"] == 2
    cdb("ha.resize_flavor", hid, "3")
    assert wait(sim, lambda: cdb("ha.show", hid), "ACTIVE", key="state")["flavor"]["id"] == 3
    cdb("ha.restart", hid)
    wait(sim, lambda: cdb("ha.show", hid), "ACTIVE", key="state")

    backup = cdb("backups.create", "ha-backup", ha_instance=hid)
    assert backup["source"] == {"type": "ha", "id": hid}
    wait(sim, lambda: cdb("backups.get", backup["id"]), "COMPLETED")
    schedule = cdb("schedules.create_backup", source_id=hid, source_type="ha", day_of_week=7, hour=0, minute=5)
    assert (schedule["instance_id"], schedule["source"]) == (None, {"id": hid, "type": "ha"})
    cdb("schedules.update", schedule["id"], run_now=True)
    auto = wait(sim, lambda: cdb("ha.backups", hid)["items"][0], "COMPLETED")
    assert auto["is_automated"] and auto["source"] == {"type": "ha", "id": hid}
    assert len(cdb("ha.backups", hid)["items"]) == 2

    cdb("ha.delete", hid)
    for _ in range(5):
        sim.advance(15)
    assert cdb.fails("ha.show", hid).status == 404
    assert cdb("schedules.list")["items"] == []


def test_cdbclient_convert_to_ha(sim, cdb):
    src = active_instance(sim, cdb, name="src")
    rep = cdb("instances.create", "rep", "2", replica_of=src["id"])
    wait(sim, lambda: cdb("instances.get", rep["id"]), "ACTIVE")
    answer = cdb("instances.convert_to_ha", src["id"], "ha-c", networks=["servicenet"], acls=["10.0.0.0/8"])
    hid = answer["ha_instance"]["id"]
    assert answer["ha_instance"]["state"] == "BUILD"
    group = wait(sim, lambda: cdb("ha.show", hid), "ACTIVE", key="state")
    assert group["replica_source"][0]["id"] == src["id"] and group["replicas"][0]["id"] == rep["id"]
