"""The pytest plugin causes database failures with fault scenarios: an HA group fails over (the shipped ha_failover), a
replica breaks (replica_breaks), a replication source goes down and is ejected; the journal shows each step."""

from __future__ import annotations

CONFTEST = """
    import pytest
    from simulator import Durations, SimulatorConfig

    @pytest.fixture(scope="session")
    def cdbsim_config():
        return SimulatorConfig(durations=Durations(build=60, reboot=30, resize=45, shutdown=10))
"""

TESTS = '''
import pytest

HA = {"ha": {"name": "orders-ha", "datastore": {"type": "mysql", "version": "8.0"},
             "replica_source": [{"name": "node-a", "flavorRef": "2", "volume": {"size": 1}}],
             "replicas": [{"name": "node-b", "flavorRef": "2", "volume": {"size": 1}}]}}


def settle(cdbsim, seconds: float = 600) -> None:
    """Let every pending lifecycle step happen (the plugin's clock is manual)."""
    cdbsim.clock.advance(seconds)


def show(cdbsim, ha_id: str) -> dict:
    answer = cdbsim.call("GET", f"ha/{ha_id}")
    assert answer.status == 200, answer.body
    return answer.body["ha_instance"]


@pytest.mark.cdbsim(scenario="ha_failover")
def test_ha_failover_promotes_a_replica_rebuilds_a_node_and_the_journal_shows_each_step(cdbsim):
    answer = cdbsim.call("POST", "ha", HA)
    assert answer.status == 202, answer.body
    ha_id = answer.body["ha_instance"]["id"]
    settle(cdbsim)
    before = cdbsim.call("GET", "instances?include_ha=true").body["instances"]
    old_source = next(i["id"] for i in before if "replica_of" not in i)
    old_replica = next(i["id"] for i in before if "replica_of" in i)

    failing = show(cdbsim, ha_id)  # the rule fires as this request arrives
    assert failing["state"] == "HA_FAILOVER"
    assert [(n["id"], n["status"]) for n in failing["replica_source"]] == [(old_source, "SHUTDOWN")]
    assert [(n["id"], n["status"]) for n in failing["replicas"]] == [(old_replica, "PROMOTE")]

    cdbsim.clock.advance(30)
    rebuilding = show(cdbsim, ha_id)
    assert rebuilding["state"] == "ADDING_REPLICA"
    assert [n["id"] for n in rebuilding["replica_source"]] == [old_replica]  # the new source
    [rebuilt] = rebuilding["replicas"]
    assert rebuilt["id"] not in (old_source, old_replica)
    assert (rebuilt["status"], rebuilt["flavor"]["id"], rebuilt["volume"]["size"], rebuilt["replica_of"]["id"]) == (
        "BUILD", "2", 1, old_replica)

    settle(cdbsim)
    healed = show(cdbsim, ha_id)
    assert healed["state"] == "ACTIVE" and healed["replicas"][0]["status"] == "ACTIVE"
    assert cdbsim.call("GET", f"instances/{old_source}").status == 404  # the failed node is gone

    shows = cdbsim.journal.entries(route="show_ha_instance")
    fired = [e for e in shows if e["rule"]]
    assert [(e["rule"], e["action"]) for e in fired] == [("ha_failover/source-fails", "fail_source")]
    assert f"source {old_source} failed; replica {old_replica} is being promoted" in fired[0]["note"]
    assert [e["response"]["body"]["ha_instance"]["state"] for e in shows] == ["HA_FAILOVER", "ADDING_REPLICA",
                                                                              "ACTIVE"]
    assert cdbsim.scenarios()[0]["rules"][0]["hits"] == 1


@pytest.mark.cdbsim(scenario="replica_breaks")
def test_replica_breaks_when_the_replicas_are_listed(cdbsim):
    source = cdbsim.call("POST", "instances", {"instance": {"name": "src", "flavorRef": 2, "volume": {"size": 1}}})
    source_id = source.body["instance"]["id"]
    settle(cdbsim)
    replica = cdbsim.call("POST", "instances", {"instance": {"name": "rep", "replica_of": source_id}})
    assert replica.status == 200, replica.body
    settle(cdbsim)
    listed = cdbsim.call("GET", f"instances/{source_id}/replicas")
    assert [i["status"] for i in listed.body["instances"]] == ["ERROR"]
    entry = cdbsim.journal.entries(route="list_replicas")[-1]
    assert (entry["rule"], entry["action"]) == ("replica_breaks/replication-breaks", "break_replica")
    assert "(replication broken)" in entry["note"]


SOURCE_DOWN = """
name: source_down
rules:
  - name: source-stops
    match: {route: show_instance, json: {}}
    when: {times: 1}
    actions:
      - fail_source: {id: "{body.source}"}
"""


def test_a_source_that_goes_down_is_ejected_and_a_replica_takes_over(cdbsim):
    trove = cdbsim.trove_client()
    source = trove.instances.create("src", flavor_id="2", volume={"size": 1})
    settle(cdbsim)
    replica = trove.instances.create("rep", replica_of=source.id)
    settle(cdbsim)
    cdbsim.load_scenario(SOURCE_DOWN)
    # Any call matching the rule makes the failure happen; this one names the source in its (ignored) body.
    assert cdbsim.call("GET", f"instances/{replica.id}", json={"source": source.id}).status == 200
    assert trove.instances.get(source.id).status == "SHUTDOWN"
    trove.instances.eject_replica_source(source.id)
    assert trove.instances.get(replica.id).status == "EJECT"
    settle(cdbsim)
    promoted = trove.instances.get(replica.id)
    assert promoted.status == "ACTIVE" and not hasattr(promoted, "replica_of")
    note = cdbsim.journal.entries(route="show_instance")[0]["note"]
    assert f"source {source.id} is down (SHUTDOWN); eject it to promote a replica" in note
'''


def test_plugin_fails_over_an_ha_group_breaks_a_replica_and_ejects_a_down_source(inner):
    result = inner(TESTS, files={"conftest.py": CONFTEST})
    result.assert_outcomes(passed=3)
