"""Faker demo data: the same seed gives the same data, with weeks of history and backup chains that restore."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from support import ACCOUNT, assert_fault, found

from simulator import SimulatorConfig, create_app
from simulator.backend import Backend
from simulator.clock import Clock, parse_time
from simulator.config import SANDBOX_DURATIONS
from simulator.demo import DemoSpec, describe, seed_demo
from simulator.ids import Ids
from simulator.keys import BACKEND, STORE
from simulator.repos.store import Store
from simulator.serve.cli import build_parser, main
from simulator.serve.options import config_from_args

NOW = "2025-06-01T12:00:00Z"


def fresh_backend() -> Backend:
    store = Store.open(":memory:")
    return Backend(store, Clock("manual", parse_time(NOW)), Ids(), SimulatorConfig(durations=SANDBOX_DURATIONS))


def dump(backend: Backend) -> dict:
    """Every row of the simulated world, in a stable order."""
    state = backend.store.state
    return {t: sorted(map(repr, backend.store.db[t].rows)) for t in state.tables()}


def test_demo_same_seed_gives_the_same_data_twice():
    first, second = fresh_backend(), fresh_backend()
    summary_1 = seed_demo(first, DemoSpec(seed=11, accounts=2, instances=2, chains=2))
    summary_2 = seed_demo(second, DemoSpec(seed=11, accounts=2, instances=2, chains=2))
    assert summary_1 == summary_2
    assert dump(first) == dump(second)
    assert len(dump(first)["backups"]) >= 4


def test_demo_other_seed_gives_other_data():
    first, second = fresh_backend(), fresh_backend()
    one = seed_demo(first, DemoSpec(seed=1, accounts=1, instances=1, chains=0))
    two = seed_demo(second, DemoSpec(seed=2, accounts=1, instances=1, chains=0))
    assert one["accounts"][0]["account_id"] != two["accounts"][0]["account_id"]
    assert dump(first) != dump(second)


def test_demo_history_spreads_over_past_weeks_with_chained_backups():
    backend = fresh_backend()
    summary = seed_demo(backend, DemoSpec(seed=3, accounts=3, instances=3, chains=3, weeks=6))
    now = parse_time(NOW)
    created = [parse_time(i["created"]) for a in summary["accounts"] for i in a["instances"]]
    assert all(now - dt.timedelta(weeks=6) <= c <= now for c in created)
    assert max(created) - min(created) > dt.timedelta(weeks=2)
    rows = {r["id"]: r for r in backend.store.db["backups"].rows}
    assert rows and all(r["status"] == "COMPLETED" for r in rows.values())
    fulls = [r for r in rows.values() if r["parent_id"] is None]
    assert len(fulls) == 9  # 3 chains in each of 3 accounts
    for row in rows.values():
        if row["parent_id"]:
            parent = rows[row["parent_id"]]
            assert row["backup_type"] == "incremental" and parent["instance_id"] == row["instance_id"]
            assert parent["created_at"] < row["created_at"]
    backups = [b for a in summary["accounts"] for i in a["instances"] for b in i["backups"]]
    spread = [parse_time(b["created"]) for b in backups]
    assert max(spread) - min(spread) > dt.timedelta(weeks=1)
    for account in summary["accounts"]:
        assert account["token"] and account["api_key"] and account["password"]
        for instance in account["instances"]:
            assert instance["databases"] and instance["users"]


def test_demo_refuses_bad_counts():
    with pytest.raises(Exception, match=re.escape("'accounts' must be an integer from 1 to 50.")):
        seed_demo(fresh_backend(), DemoSpec(accounts=0))
    with pytest.raises(Exception, match=re.escape("'chains' must be an integer from 0 to 12.")):
        seed_demo(fresh_backend(), DemoSpec(chains=13))


async def test_seed_demo_control_call_makes_data_that_restores(api):
    status, body, _ = await api.post("/_sim/demo", {"seed": 5, "accounts": 1, "instances": 1, "chains": 1})
    assert status == 201
    account = body["demo"]["accounts"][0]
    instance = account["instances"][0]
    *_, last = instance["backups"]
    assert last["type"] == "incremental"
    owner = api.as_account(account["account_id"], account["token"])
    status, restored, _ = await owner.post(
        "/instances",
        {
            "instance": {
                "name": "restored",
                "flavorRef": 2,
                "volume": {"size": 50},
                "restorePoint": {"backupRef": last["id"]},
            }
        },
    )
    assert status == 200, restored
    api.advance(3600)
    restored_id = restored["instance"]["id"]
    assert (await owner.get(f"/instances/{restored_id}"))[1]["instance"]["status"] == "ACTIVE"
    names = [d["name"] for d in (await owner.get(f"/instances/{restored_id}/databases"))[1]["databases"]]
    assert sorted(names) == sorted(instance["databases"])
    user = instance["users"][0]
    status, login, _ = await api.post(
        f"/_sim/accounts/{account['account_id']}/instances/{restored_id}/login",
        {"user": user["name"], "password": user["password"]},
    )
    assert (status, login) == (200, {"login": True})


async def test_seed_demo_control_call_twice_with_one_seed_is_refused(api):
    await api.post("/_sim/demo", {"seed": 8, "accounts": 1, "instances": 0, "chains": 0})
    status, body, _ = await api.post("/_sim/demo", {"seed": 8, "accounts": 1, "instances": 0, "chains": 0})
    assert_fault((status, body), "badRequest", 400, contains="Demo data for seed 8 is already there")
    assert_fault(
        await api.post("/_sim/demo", {"seed": 9, "colour": 1}),
        "badRequest",
        400,
        "Unknown field(s) for demo data: colour.",
    )
    assert_fault(
        await api.post("/_sim/demo", {"instances": 0, "chains": 1}),
        "badRequest",
        400,
        "Backup chains need at least one instance per account.",
    )


def test_demo_cli_seed_writes_the_state_file_and_prints_credentials(tmp_path, capsys):
    db = str(tmp_path / "demo.db")
    assert main(["seed", "--db", db, "--seed", "4", "--accounts", "2", "--instances", "1", "--chains", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("demo data for seed 4:") and out.count("\naccount ") == 2 and "password" in out
    store = Store.open(db)
    try:
        assert store.db["accounts"].count == 2 and store.db["backups"].count >= 4
    finally:
        store.close()
    assert main(["seed", "--db", db, "--seed", "4", "--accounts", "2"]) == 2
    assert "Demo data for seed 4 is already there" in capsys.readouterr().err


def test_demo_serve_flag_seeds_once_per_state_file(tmp_path):
    db = str(tmp_path / "sandbox.db")
    args = build_parser().parse_args(["serve", "--demo", "--db", db, "--seed", "6"])
    config = config_from_args(args)
    assert config.demo is True
    for _ in range(2):  # a restart on the same file keeps the data and makes no more
        app = create_app(config)
        accounts = [a["id"] for a in app[BACKEND].identity.accounts()]
        app[STORE].close()
    assert len(accounts) == 4 and ACCOUNT in accounts
    assert build_parser().parse_args(["serve"]).demo is False


def test_demo_two_seeds_share_one_store():
    backend = fresh_backend()
    one = seed_demo(backend, DemoSpec(seed=1, accounts=3, instances=1, chains=1))
    two = seed_demo(backend, DemoSpec(seed=2, accounts=3, instances=1, chains=1))
    ids = [a["account_id"] for a in one["accounts"] + two["accounts"]]
    assert len(set(ids)) == 6 and backend.store.db["accounts"].count == 6


async def test_seed_demo_on_a_clock_too_early_for_its_history_is_bad_request(api):
    status, _, _ = await api.put("/_sim/clock", {"now": "0001-01-08T00:00:00Z"})
    assert status == 200
    assert_fault(
        await api.post("/_sim/demo", {"seed": 1, "weeks": 2}),
        "badRequest",
        400,
        "The clock (0001-01-08) is too early for 2 weeks of history.",
    )


def test_demo_first_instance_of_each_account_runs_with_a_configuration_group():
    backend = fresh_backend()
    summary = seed_demo(backend, DemoSpec(seed=5, accounts=2, instances=2, chains=1))
    for acct in summary["accounts"]:
        first = acct["instances"][0]
        row = found(backend.store.instances.get(acct["account_id"], first["id"]))
        assert (row["status"], row["task"], row["configuration_id"]) == ("ACTIVE", None, first["configuration"]["id"])
        group = backend.configurations.get(acct["account_id"], first["configuration"]["id"])
        assert (group["datastore_version_id"], group["instance_count"]) == (row["datastore_version_id"], 1)
        assert all("configuration" not in inst for inst in acct["instances"][1:])


def test_demo_holds_a_replicated_pair_and_an_ha_group():
    backend = fresh_backend()
    summary = seed_demo(backend, DemoSpec(seed=5, accounts=1, instances=1, chains=1))
    acct = summary["accounts"][0]
    source = acct["instances"][0]
    [replica] = source["replicas"]
    row = found(backend.store.instances.get(acct["account_id"], replica["id"]))
    assert (row["status"], row["replica_of"]) == ("ACTIVE", source["id"])
    assert backend.store.instances.database_names(replica["id"]) == set(source["databases"])
    [ha] = acct["ha"]
    group = backend.ha.get(acct["account_id"], ha["id"])
    assert (group["state"], len(group["replica_source"]), len(group["replicas"])) == ("ACTIVE", 1, 2)
    assert f"HA group {ha['id']}" in describe(summary) and f"replica {replica['id']}" in describe(summary)
