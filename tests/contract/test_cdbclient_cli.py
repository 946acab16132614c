"""cdb-cli (cdbclient 1.0.9's command), unmodified, against the running simulator: its commands for every operation
the API has, with RAX-KSKEY auth through the simulator's identity (--os-auth-system rax). Its configuration-parameter
create/modify/delete are Rackspace's operator (/mgmt) API, not this one. ha-redis-create fails inside cdb-cli itself
before it sends anything (its arguments lack the `configuration` that ha-mysql-create reads); the other ha-redis
commands are ha-mysql's under another name and are run here on a MySQL group."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.contract


def wait(sim, cli, status: str, *show: str, key: str = "status", limit: int = 12) -> dict:
    """`cdb-cli --json <show...>` after moving the clock on, until its key shows status."""
    seen = []
    for _ in range(limit):
        item = cli.json(*show)
        seen.append(item[key])
        if item[key] == status:
            return item
        sim.advance(15)
    raise AssertionError(f"{show} never reached {status}; saw {seen}")


def create(sim, cli, name: str, *extra: str) -> dict:
    inst = cli.json("create", name, "2", "--size", "2", "--datastore", "mysql", "--datastore_version", "5.6", *extra)
    assert inst["status"] == "BUILD"
    return wait(sim, cli, "ACTIVE", "show", inst["id"])


def test_cdb_cli_forked_from_its_zygote_prints_and_exits_as_when_run_alone(cdbclient_venv, account, tmp_path, cdb_cli):
    """The zygote (cli_zygote.py) only saves cdb-cli's start-up: a command forked from it prints the same output and
    exits with the same code as the console script started on its own, for an answer and for a refusal."""
    from contract.cdbclient_env import CdbCli

    alone = CdbCli(cdbclient_venv, tmp_path, account)
    for args in (("--json", "flavor-show", "2"), ("show", "no-such-instance")):
        forked, started = cdb_cli(*args), alone(*args)
        assert (forked.returncode, forked.stdout, forked.stderr) == (started.returncode, started.stdout, started.stderr)
    assert started.returncode == 1 and "No instance with a name or ID of 'no-such-instance' exists." in started.stderr


def test_cdb_cli_catalog_and_limits(cdb_cli):
    assert len(cdb_cli.json("flavor-list")) == 8
    assert cdb_cli.json("flavor-show", "2")["name"] == "1GB Instance"
    assert "mysql" in {d["name"] for d in cdb_cli.json("datastore-list")}
    shown = cdb_cli.ok("--json", "datastore-show", "mysql")  # the datastore, then each version, as JSON one by one
    assert json.JSONDecoder().raw_decode(shown)[0]["name"] == "mysql" and '"5.6"' in shown
    versions = cdb_cli.json("datastore-version-list", "mysql")
    v56 = cdb_cli.json("datastore-version-show", "5.6", "--datastore", "mysql")
    assert v56["id"] in {v["id"] for v in versions}
    assert cdb_cli.json("flavor-list", "--datastore_type", "mysql", "--datastore_version_id", v56["id"])
    params = cdb_cli.json("configuration-parameter-list", "5.6", "--datastore", "mysql")
    assert "connect_timeout" in {p["name"] for p in params}
    shown = cdb_cli.json("configuration-parameter-show", "5.6", "connect_timeout", "--datastore", "mysql")
    assert shown["name"] == "connect_timeout"
    assert cdb_cli.json("configuration-default-dsversion-flavor", v56["id"], "2")
    assert '"verb": "POST"' in cdb_cli.ok("--json", "limit-list")
    assert cdb_cli.json("versions-list")[0]["id"] == "v1.0"


def test_cdb_cli_instances_databases_users_root(sim, cdb_cli):
    inst = create(sim, cdb_cli, "cli-db", "--databases", "orders", "--users", "alice:s3cret-pw")
    iid = inst["id"]
    assert [i["id"] for i in cdb_cli.json("list")] == [iid]
    cdb_cli.ok("update", iid, "--name", "renamed")
    assert cdb_cli.json("show", iid)["name"] == "renamed"
    cdb_cli.ok("database-create", iid, "stock", "--character_set", "utf8")
    assert sorted(d["name"] for d in cdb_cli.json("database-list", iid)) == ["orders", "stock"]
    cdb_cli.ok("user-create", iid, "bob", "pw-bob-1", "--databases", "orders")
    assert sorted(u["name"] for u in cdb_cli.json("user-list", iid)) == ["alice", "bob"]
    assert cdb_cli.json("user-show", iid, "bob")["name"] == "bob"
    cdb_cli.ok("user-grant-access", iid, "bob", "stock")
    assert sorted(d["name"] for d in cdb_cli.json("user-show-access", iid, "bob")) == ["orders", "stock"]
    cdb_cli.ok("user-revoke-access", iid, "bob", "stock")
    cdb_cli.ok("user-update-attributes", iid, "bob", "--new_name", "carol")
    cdb_cli.ok("user-delete", iid, "carol")
    cdb_cli.ok("database-delete", iid, "stock")
    assert cdb_cli.json("root-enable", iid)["name"] == "root"
    assert cdb_cli.json("root-show", iid) == {"is_root_enabled": True}
    cdb_cli.ok("resize-instance", iid, "3")
    assert wait(sim, cdb_cli, "ACTIVE", "show", iid)["flavor"] == "3"  # show prints the flavor's id
    cdb_cli.ok("resize-flavor", iid, "2")
    assert wait(sim, cdb_cli, "ACTIVE", "show", iid)["flavor"] == "2"
    cdb_cli.ok("resize-volume", iid, "4")
    assert wait(sim, cdb_cli, "ACTIVE", "show", iid)["volume"] == 4
    cdb_cli.ok("restart", iid)
    wait(sim, cdb_cli, "ACTIVE", "show", iid)
    cdb_cli.ok("delete", iid)
    sim.advance(15)
    assert f"No instance with a name or ID of '{iid}' exists." in cdb_cli.fails("show", iid)


def test_cdb_cli_configurations_attach_and_detach(sim, cdb_cli):
    iid = create(sim, cdb_cli, "cli-db")["id"]
    group = cdb_cli.json(
        "configuration-create",
        "tuned",
        json.dumps({"connect_timeout": 120}),
        "--datastore",
        "mysql",
        "--datastore_version",
        "5.6",
        "--description",
        "d",
    )
    gid = group["id"]
    cdb_cli.ok("configuration-update", gid, json.dumps({"connect_timeout": 90}), "--name", "tuned2")
    cdb_cli.ok("configuration-patch", gid, json.dumps({"wait_timeout": 600}))
    assert cdb_cli.json("configuration-show", gid)["name"] == "tuned2"
    assert [c["id"] for c in cdb_cli.json("configuration-list")] == [gid]
    cdb_cli.ok("configuration-attach", iid, gid)
    assert [i["id"] for i in cdb_cli.json("configuration-instances", gid)] == [iid]
    assert cdb_cli.json("configuration-default", iid)["wait_timeout"] == "600"
    cdb_cli.ok("configuration-detach", iid)  # PUT {"instance": {}}
    assert "configuration" not in cdb_cli.json("show", iid)
    cdb_cli.ok("update", iid, "--configuration", gid)
    cdb_cli.ok("update", iid, "--remove_configuration")  # PATCH {"instance": {"configuration": null}}
    assert "configuration" not in cdb_cli.json("show", iid)
    cdb_cli.ok("configuration-delete", gid)


def test_cdb_cli_backups_and_schedules(sim, cdb_cli, account):
    iid = create(sim, cdb_cli, "cli-db")["id"]
    backup = cdb_cli.json("backup-create", "nightly", "--instance", iid, "--description", "before")
    wait(sim, cdb_cli, "COMPLETED", "backup-show", backup["id"])
    assert [b["id"] for b in cdb_cli.json("backup-list")] == [backup["id"]]
    assert [b["id"] for b in cdb_cli.json("backup-list-instance", iid)] == [backup["id"]]
    cdb_cli.ok("backup-copy", backup["id"], "IAD")
    iad = account.endpoint.replace("/v1.0/", "/iad/v1.0/")
    from dataclasses import replace

    assert [b["name"] for b in sim.raw("GET", replace(account, endpoint=iad), "/backups")[1]["backups"]] == ["nightly"]
    assert "Specify either an instance" in cdb_cli.fails("schedule-create-backup", "--day", "0")
    schedule = cdb_cli.json(
        "schedule-create-backup", "--instance_id", iid, "--day", "0", "--hour", "3", "--minute", "0"
    )  # source_id, source_type and copy_to sent as null
    assert schedule["source"] == {"id": iid, "type": "instance"} and schedule["copy_to"] == []
    assert [s["id"] for s in cdb_cli.json("schedule-list")] == [schedule["id"]]
    cdb_cli.ok(
        "schedule-update", schedule["id"], "--hour", "4", "--full-backup-retention", "3", "--copy-to", "IAD,ORD"
    )  # run_now false, copy_to "IAD,ORD" unsplit
    shown = cdb_cli.json("schedule-show", schedule["id"])
    assert (shown["hour"], shown["full_backup_retention"], shown["copy_to"]) == (4, 3, ["IAD", "ORD"])
    cdb_cli.ok("schedule-update", schedule["id"], "--run-now")
    assert len(cdb_cli.json("backup-list")) == 2
    cdb_cli.ok("schedule-delete", schedule["id"])
    assert cdb_cli.json("schedule-list") == []
    cdb_cli.ok("backup-delete", backup["id"])


def test_cdb_cli_replicas_detach_and_convert_to_ha(sim, cdb_cli):
    src = create(sim, cdb_cli, "src")
    rep = cdb_cli.json("create", "rep", "2", "--replica_of", src["id"])
    wait(sim, cdb_cli, "ACTIVE", "show", rep["id"])
    assert [r["id"] for r in cdb_cli.json("replica-list", src["id"])] == [rep["id"]]
    cdb_cli.ok("detach-replica", rep["id"])  # slave_of, replica_of null and rm_master_replica_config false
    assert cdb_cli.json("show", rep["id"])["status"] == "DETACH_REPLICA"
    assert "replica_of" not in wait(sim, cdb_cli, "ACTIVE", "show", rep["id"])
    rep2 = cdb_cli.json("create", "rep2", "2", "--replica_of", src["id"])
    wait(sim, cdb_cli, "ACTIVE", "show", rep2["id"])
    cdb_cli.ok("update", rep2["id"], "--detach-replica-source")
    assert "replica_of" not in wait(sim, cdb_cli, "ACTIVE", "show", rep2["id"])
    rep3 = cdb_cli.json("create", "rep3", "2", "--replica_of", src["id"])
    wait(sim, cdb_cli, "ACTIVE", "show", rep3["id"])
    ha = cdb_cli.json("convert-to-ha", src["id"], "ha-c", "--acls", "10.0.0.0/8", "--networks", "servicenet")
    assert ha["state"] == "BUILD"


def test_cdb_cli_ha_groups(sim, cdb_cli):
    assert "configuration" in cdb_cli.fails(
        "ha-redis-create", "--name", "r", "--source_name", "s", "--source_flavor_id", "2", "--number_of_replicas", "1"
    )
    created = cdb_cli.json(
        "ha-mysql-create",
        "--name",
        "ha-cli",
        "--source_name",
        "src",
        "--source_flavor_id",
        "2",
        "--source_size",
        "1",
        "--number_of_replicas",
        "1",
        "--acls",
        "10.0.0.0/8",
        "--networks",
        "servicenet",
        "--datastore-version",
        "5.6",
    )  # "configuration": null
    hid = created["id"]
    wait(sim, cdb_cli, "ACTIVE", "ha-mysql-show", hid, key="state")
    assert [h["id"] for h in cdb_cli.json("ha-mysql-list")] == [hid]
    assert [h["id"] for h in cdb_cli.json("ha-redis-list")] == [hid]
    assert cdb_cli.json("ha-redis-show", hid)["id"] == hid
    group = cdb_cli.json(
        "configuration-create",
        "ha-tuned",
        json.dumps({"connect_timeout": 120}),
        "--datastore",
        "mysql",
        "--datastore_version",
        "5.6",
    )
    cdb_cli.ok("ha-mysql-configuration-attach", hid, group["id"])
    assert cdb_cli.json("ha-mysql-show", hid)["configuration"] == group["id"]
    cdb_cli.ok("ha-mysql-configuration-detach", hid)
    assert cdb_cli.json("ha-mysql-show", hid)["configuration"] is None
    cdb_cli.ok("ha-mysql-add-replica", hid, "--replica_name", "rep2", "--replica_flavor_id", "2", "--replica_size", "1")
    shown = wait(sim, cdb_cli, "ACTIVE", "ha-mysql-show", hid, key="state")
    replicas = re.findall(r'"id": "([^"]+)"', shown["replicas"])  # show prints the nodes as JSON text
    assert len(replicas) == 2
    cdb_cli.ok("ha-mysql-remove-replica", hid, replicas[-1])
    wait(sim, cdb_cli, "ACTIVE", "ha-mysql-show", hid, key="state")
    cdb_cli.ok("ha-mysql-resize-volumes", hid, "2")
    wait(sim, cdb_cli, "ACTIVE", "ha-mysql-show", hid, key="state")
    cdb_cli.ok("ha-mysql-resize-flavor", hid, "3")
    wait(sim, cdb_cli, "ACTIVE", "ha-mysql-show", hid, key="state")
    cdb_cli.ok("ha-mysql-restart", hid)
    wait(sim, cdb_cli, "ACTIVE", "ha-mysql-show", hid, key="state")
    backup = cdb_cli.json("backup-create", "ha-backup", "--ha_instance", hid)
    wait(sim, cdb_cli, "COMPLETED", "backup-show", backup["id"])
    assert [b["id"] for b in cdb_cli.json("ha-mysql-backup-list", hid)] == [backup["id"]]
    schedule = cdb_cli.json(
        "schedule-create-backup",
        "--source_id",
        hid,
        "--source_type",
        "ha",
        "--day",
        "7",
        "--hour",
        "0",
        "--minute",
        "5",
    )
    assert schedule["source"] == {"id": hid, "type": "ha"}
    cdb_cli.ok("ha-redis-delete", hid)
    sim.advance(60)
    assert "cannot be found" in cdb_cli.fails("ha-mysql-show", hid)
