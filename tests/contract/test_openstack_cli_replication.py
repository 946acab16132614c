"""`openstack database instance create --replica-of / list / show / detach / promote / eject`, unmodified (about a
second a call; independent calls run side by side)."""

from __future__ import annotations


def test_replica_create_list_show_promote_and_detach(sim, account, token_cli):
    source = token_cli.active_instance(sim, "cli-src")
    # No --flavor and no --size: the replica takes both from its source (the CLI sends replica_count 1).
    replica = token_cli.json("database", "instance", "create", "cli-rep", "--replica-of", source)
    assert (replica["status"], replica["replica_of"], replica["flavor"], replica["volume"]) == ("BUILD", source, "2", 1)
    token_cli.wait_for(sim, "instance", replica["id"], "ACTIVE")

    listed, shown = token_cli.json_all(("database", "instance", "list"), ("database", "instance", "show", source))
    roles = {i["ID"]: i["Role"] for i in listed}
    assert roles == {source: "primary", replica["id"]: "replica"}
    assert shown["replicas"] == replica["id"]

    token_cli.ok("database", "instance", "promote", replica["id"])
    promoted = token_cli.wait_for(sim, "instance", replica["id"], "ACTIVE")
    assert promoted["replicas"] == source and "replica_of" not in promoted
    assert token_cli.json("database", "instance", "show", source)["replica_of"] == replica["id"]

    token_cli.ok("database", "instance", "detach", source)
    detached = token_cli.wait_for(sim, "instance", source, "ACTIVE")
    assert "replica_of" not in detached
    out = token_cli.fails("database", "instance", "detach", source)
    assert f"Instance {source} is not a replica. (HTTP 400)" in out


def test_replica_refusals_and_a_source_with_replicas_is_not_deleted(sim, account, token_cli):
    source = token_cli.active_instance(sim, "cli-src2")
    replica = token_cli.json("database", "instance", "create", "cli-rep2", "--replica-of", source)
    token_cli.wait_for(sim, "instance", replica["id"], "ACTIVE")
    chain, delete, eject = token_cli.run_all(
        [
            ("database", "instance", "create", "chain", "--replica-of", replica["id"]),
            ("database", "instance", "delete", source),
            ("database", "instance", "eject", source),
        ]
    )
    assert f"Cannot create a replica of a replica {replica['id']}. (HTTP 401)" in chain.stdout + chain.stderr
    assert "Detach replicas before deleting replica source." in delete.stdout + delete.stderr
    assert (
        f"Replica Source {source} cannot be ejected as it has a current heartbeat (HTTP 400)"
        in eject.stdout + eject.stderr
    )


def test_eject_a_source_that_went_down(sim, account, token_cli):
    source = token_cli.active_instance(sim, "cli-src3")
    replica = token_cli.json("database", "instance", "create", "cli-rep3", "--replica-of", source)
    token_cli.wait_for(sim, "instance", replica["id"], "ACTIVE")
    # The source's database stops answering when the CLI next looks it up (a failure only a test can cause).
    sim.control(
        "POST",
        "/_sim/scenarios",
        {
            "account_id": account.account_id,
            "scenario": {
                "name": "source_down",
                "rules": [
                    {
                        "match": {"route": "show_instance", "path": f"*/instances/{source}"},
                        "when": {"times": 1},
                        "actions": ["fail_source"],
                    }
                ],
            },
        },
    )
    token_cli.ok("database", "instance", "eject", source)
    assert token_cli.json("database", "instance", "show", replica["id"])["status"] == "EJECT"
    promoted = token_cli.wait_for(sim, "instance", replica["id"], "ACTIVE")
    assert "replica_of" not in promoted
    ejected = token_cli.json("database", "instance", "show", source)
    assert ejected["status"] == "SHUTDOWN" and "replicas" not in ejected
