"""Each journal entry holds the lifecycle transitions its request carried out (what the coverage report counts)."""

from __future__ import annotations

from support import ACCOUNT

from simulator.coverage import Coverage
from simulator.keys import JOURNAL
from simulator.reference.lifecycle import labels


def moves(entry: dict) -> list[tuple]:
    return [(i["kind"], i["before"], i["after"]) for i in entry.get("lifecycle") or []]


async def test_lifecycle_journal_entry_holds_the_transitions_its_request_carried_out(api):
    status, body, _ = await api.post("/instances", {"instance": {"name": "a", "flavorRef": 1, "volume": {"size": 1}}})
    assert status == 200, body
    instance_id = body["instance"]["id"]
    api.clock.advance(600)  # the build falls due; the next request carries it out
    await api.get(f"/instances/{instance_id}")
    entries = api.app[JOURNAL].entries()
    assert moves(entries[-2]) == [("instance", None, "BUILD")]
    assert moves(entries[-1]) == [("instance", "BUILD", "ACTIVE")]
    assert entries[-1]["lifecycle"][0]["resource_id"] == instance_id


async def test_lifecycle_a_settle_outside_a_request_goes_with_the_next_entry(api):
    instance = await api.create_instance()  # advances the clock and settles directly, as a test may
    await api.get("/flavors")
    assert ("instance", "BUILD", "ACTIVE") in moves(api.app[JOURNAL].entries()[-1])
    await api.delete(f"/instances/{instance['id']}")
    assert moves(api.app[JOURNAL].entries()[-1]) == [("instance", "ACTIVE", "SHUTDOWN")]


async def test_lifecycle_rows_an_account_snapshot_puts_back_are_no_transition(api):
    status, body, _ = await api.post("/_sim/snapshots", {"name": "empty", "account_id": ACCOUNT})
    assert status == 201, body
    await api.create_instance()
    await api.get("/flavors")  # carries the build's end
    status, body, _ = await api.post("/_sim/snapshots/empty/restore")
    assert status == 200, body
    assert (await api.get("/instances"))[1] == {"instances": []}
    restore = api.app[JOURNAL].entries()[-2]
    assert restore["path"].endswith("/restore") and moves(restore) == []  # no "instance ACTIVE -> deleted"


async def test_lifecycle_backups_show_backup_on_their_instance_while_they_run(api):
    instance = await api.create_instance()
    status, body, _ = await api.post("/backups", {"backup": {"name": "b", "instance": instance["id"]}})
    assert status == 202, body
    api.advance(600)
    await api.get(f"/backups/{body['backup']['id']}")
    coverage = Coverage()
    coverage.add_test(api.app[JOURNAL].entries())
    seen = coverage.report()["lifecycle"]
    assert {
        k: seen["exercised"][k]
        for k in ("instance ACTIVE -> BACKUP", "instance BACKUP -> ACTIVE", "backup (full) NEW -> COMPLETED")
    } == {"instance ACTIVE -> BACKUP": 1, "instance BACKUP -> ACTIVE": 1, "backup (full) NEW -> COMPLETED": 1}
    assert seen["other"] == {"backup NEW -> BUILDING": 1}


def test_lifecycle_labels_name_a_restores_and_a_replicas_build():
    restore = {"kind": "instance", "before": "BUILD", "after": "ACTIVE", "detail": {"restore": "incremental"}}
    assert labels(restore) == ["restore from incremental backup: BUILD -> ACTIVE", "instance BUILD -> ACTIVE"]
    gone = {"kind": "instance", "before": "BUILD", "after": "ERROR", "detail": {"restore": "unknown"}}
    assert labels(gone) == ["restore: BUILD -> ERROR", "instance BUILD -> ERROR"]
    replica = {"kind": "instance", "before": "BUILD", "after": "ACTIVE", "detail": {"replica_of": "x"}}
    assert labels(replica) == ["replica BUILD -> ACTIVE", "instance BUILD -> ACTIVE"]
    assert labels({"kind": "ha", "before": "DELETING", "after": None}) == ["ha DELETING -> deleted"]
    assert labels({"kind": "instance", "before": None, "after": "BUILD"}) == []


async def test_lifecycle_the_dashboards_coverage_counts_the_accounts_own_transitions(api):
    from simulator.dashboard.journal_view import coverage

    status, body, _ = await api.post("/_sim/accounts", {"account_id": "other", "token": "other-token"})
    assert status == 201, body
    other = api.as_account("other", "other-token")
    status, body, _ = await other.post("/instances", {"instance": {"name": "b", "flavorRef": 1, "volume": {"size": 1}}})
    assert status == 200, body
    api.clock.advance(600)
    await api.get("/flavors")  # this account's request carries out the other's build
    mine = coverage(api.app, ACCOUNT, [])["lifecycle"]["exercised"]
    theirs = coverage(api.app, "other", [])["lifecycle"]["exercised"]
    assert "instance BUILD -> ACTIVE" not in mine
    assert theirs["instance BUILD -> ACTIVE"] == 1
