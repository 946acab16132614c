"""Fault scenarios that make databases fail: the shipped ha_failover fails an HA group over (the new source, the
rebuilt node and the journal), replica_breaks breaks a replica, and a scenario's fail_source/break_replica parse,
name their target and say when there is nothing to fail."""

import pytest
from support import ACCOUNT, TOKEN, assert_fault

from simulator import DemoAccount, Durations, SimulatorConfig
from simulator.faults.actions import Failure
from simulator.faults.scenario import ScenarioError, build_scenario
from simulator.routes import OPERATIONS

HA = {
    "ha": {
        "name": "orders-ha",
        "datastore": {"type": "mysql", "version": "8.0"},
        "replica_source": [{"name": "node-a", "flavorRef": "2", "volume": {"size": 1}}],
        "replicas": [{"name": "node-b", "flavorRef": "2", "volume": {"size": 1}}],
    }
}


@pytest.fixture
def sim_config():
    return SimulatorConfig(
        seed=7,
        bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN),
        durations=Durations(build=60, reboot=30, resize=45, shutdown=10),
    )


async def load(api, name_or_doc):
    body = {"name": name_or_doc} if isinstance(name_or_doc, str) else {"scenario": name_or_doc}
    status, answer, _ = await api.post("/_sim/scenarios", {**body, "account_id": ACCOUNT})
    assert status == 201, answer


async def journal(api, route: str) -> list[dict]:
    _, body, _ = await api.get(f"/_sim/journal?account_id={ACCOUNT}&route={route}")
    return body["journal"]


async def test_ha_failover_gives_a_new_source_and_a_rebuilt_node_and_the_journal_shows_each_step(api):
    _, body, _ = await api.post("/ha", HA)
    ha_id = body["ha_instance"]["id"]
    api.advance(60)
    _, group, _ = await api.get(f"/ha/{ha_id}")
    old_source, old_replica = group["ha_instance"]["replica_source"][0]["id"], group["ha_instance"]["replicas"][0]["id"]
    await load(api, "ha_failover")

    _, failing, _ = await api.get(f"/ha/{ha_id}")
    assert failing["ha_instance"]["state"] == "HA_FAILOVER"
    api.advance(30)
    _, rebuilding, _ = await api.get(f"/ha/{ha_id}")
    group = rebuilding["ha_instance"]
    assert (group["state"], group["replica_source"][0]["id"]) == ("ADDING_REPLICA", old_replica)
    [rebuilt] = group["replicas"]
    assert (rebuilt["status"], rebuilt["replica_of"]["id"], rebuilt["flavor"]["id"]) == ("BUILD", old_replica, "2")
    api.advance(60)
    _, healed, _ = await api.get(f"/ha/{ha_id}")
    assert healed["ha_instance"]["state"] == "ACTIVE"
    assert [n["id"] for n in healed["ha_instance"]["replicas"]] == [rebuilt["id"]]
    assert_fault(
        await api.get(f"/instances/{old_source}"), "itemNotFound", 404, f"Resource {old_source} cannot be found."
    )

    shows = await journal(api, "show_ha_instance")
    states = [(e["rule"], e["response"]["body"]["ha_instance"]["state"]) for e in shows]
    assert states == [
        (None, "ACTIVE"),
        ("ha_failover/source-fails", "HA_FAILOVER"),
        (None, "ADDING_REPLICA"),
        (None, "ACTIVE"),
    ]
    fired = shows[1]
    assert fired["action"] == "fail_source"
    assert (
        f"fail_source: HA {ha_id}: source {old_source} failed; replica {old_replica} is being promoted "
        f"(HA_FAILOVER), then a new node is built (ADDING_REPLICA)"
    ) in fired["note"]


async def test_replica_breaks_scenario_breaks_the_first_replica(api):
    src = await api.create_instance(name="src")
    api.advance(60)
    _, body, _ = await api.post("/instances", {"instance": {"name": "rep", "replica_of": src["id"]}})
    api.advance(60)
    await load(api, "replica_breaks")
    _, listed, _ = await api.get(f"/instances/{src['id']}/replicas")
    assert [(i["id"], i["status"]) for i in listed["instances"]] == [(body["instance"]["id"], "ERROR")]
    [entry] = await journal(api, "list_replicas")
    assert (entry["rule"], entry["action"]) == ("replica_breaks/replication-breaks", "break_replica")


async def test_a_failure_without_a_target_is_noted_and_the_request_goes_on(api):
    await load(
        api, {"name": "nothing_to_fail", "rules": [{"match": {"route": "list_flavors"}, "actions": ["fail_source"]}]}
    )
    assert (await api.get("/flavors"))[0] == 200
    [entry] = await journal(api, "list_flavors")
    assert "fail_source: no target (give id, or match a route with an ha_id or instance_id)" in entry["note"]
    inst = await api.create_instance()
    api.advance(60)
    await load(
        api,
        {
            "name": "not_a_source",
            "rules": [{"match": {"route": "show_instance"}, "actions": [{"fail_source": {"id": "{instance_id}"}}]}],
        },
    )
    assert (await api.get(f"/instances/{inst['id']}"))[1]["instance"]["status"] == "ACTIVE"
    note = (await journal(api, "show_instance"))[-1]["note"]
    assert f"fail_source skipped: Instance {inst['id']} is not a replication source." in note


def test_failure_actions_parse_and_refuse_unknown_fields():
    names = {op.name for op in OPERATIONS}
    rule = build_scenario(
        {
            "name": "s",
            "rules": [{"actions": [{"fail_source": {"id": "{body.ha}", "message": "disk gone"}}, "break_replica"]}],
        },
        names,
        "<test>",
    ).rules[0]
    assert (rule.plan.fail_source, rule.plan.break_replica) == (Failure("{body.ha}", "disk gone"), Failure())
    assert rule.plan.summary(None) == "fail_source, break_replica"
    with pytest.raises(ScenarioError) as err:
        build_scenario({"name": "s", "rules": [{"actions": [{"fail_source": {"node": "x"}}]}]}, names, "<test>")
    assert "actions[0].fail_source.node" in err.value.message


async def test_model_faults_end_an_ha_operation_and_a_backup_copy_in_their_error_states(api):
    await load(
        api,
        {
            "name": "ha_and_copy_fail",
            "rules": [{"match": {"route": ["ha_action", "backup_action"]}, "actions": ["model_fault"]}],
        },
    )
    _, body, _ = await api.post("/ha", HA)
    ha_id = body["ha_instance"]["id"]
    api.advance(60)
    assert (await api.post(f"/ha/{ha_id}/action", {"resize_volumes": {"size": 3}}))[0] == 202
    api.advance(45)
    assert (await api.get(f"/ha/{ha_id}"))[1]["ha_instance"]["state"] == "VOLUME_RESIZE_ERROR"
    [entry] = await journal(api, "ha_action")
    assert f"model fault: HA group {ha_id}'s RESIZING_VOLUME ends in VOLUME_RESIZE_ERROR" in entry["note"]

    inst = await api.create_instance()
    api.advance(60)
    _, body, _ = await api.post("/backups", {"backup": {"name": "b", "instance": inst["id"]}})
    api.advance(60)
    assert (
        await api.post(f"/backups/{body['backup']['id']}/action", {"copy-backup": {"target_backup_region": "ORD"}})
    )[0] == 202
    api.advance(60)
    ord_api = api.as_account(ACCOUNT, TOKEN)
    ord_api.url = lambda path: f"/ord/v1.0/{ACCOUNT}{path}"
    _, copies, _ = await ord_api.get("/backups")
    assert [b["status"] for b in copies["backups"]] == ["COPY_ERROR"]
