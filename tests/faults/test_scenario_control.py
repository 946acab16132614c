"""The /_sim/scenarios control calls: load from every kind of body, list with hit counts, clear with unused rules
(who may call them: tests/control/test_control_access.py)."""

from __future__ import annotations

import yaml
from support import assert_fault

from simulator.faults.scenario import SHIPPED_DIR

RULES = [
    {"name": "unavailable", "match": {"route": "list_flavors"}, "actions": [{"respond": 503}]},
    {"name": "never", "match": {"method": "DELETE"}, "actions": ["reset"]},
]
SCENARIO = {"name": "ctl", "seed": 3, "rules": RULES}


async def names(api, query="") -> list[tuple[str, str | None]]:
    status, body, _ = await api.get("/_sim/scenarios" + query)
    assert status == 200
    return [(s["name"], s["account_id"]) for s in body["scenarios"]]


async def test_load_scenario_by_name_path_yaml_json_and_raw_text(api, tmp_path):
    path = tmp_path / "ctl.yaml"
    path.write_text(yaml.safe_dump(SCENARIO))
    bodies = [
        {"name": "flaky_reads"},
        {"path": str(path), "account_id": "a1"},
        {"yaml": yaml.safe_dump(SCENARIO), "account_id": "a2"},
        {"scenario": SCENARIO, "account_id": "a3"},
    ]
    for body in bodies:
        status, answer, _ = await api.post("/_sim/scenarios", body)
        assert status == 201, answer
    status, answer, _ = await api.post("/_sim/scenarios?account_id=a4", SCENARIO)  # the scenario itself
    assert status == 201 and answer["scenario"]["account_id"] == "a4"
    status, answer, _ = await api.call(
        "POST",
        "/_sim/scenarios?account_id=a5",
        data=yaml.safe_dump(SCENARIO),
        headers={"Content-Type": "application/yaml"},
    )
    assert status == 201 and answer["scenario"]["origin"] == "<request body>"
    assert await names(api) == [
        ("flaky_reads", None),
        ("ctl", "a1"),
        ("ctl", "a2"),
        ("ctl", "a3"),
        ("ctl", "a4"),
        ("ctl", "a5"),
    ]
    status, body, _ = await api.get("/_sim/scenarios?account_id=a1")
    assert body["scenarios"][0]["origin"] == str(path)
    assert "restore_over_limit" in body["shipped"]


async def test_list_scenarios_shows_hits_per_rule(api):
    await api.post("/_sim/scenarios", SCENARIO)
    for _ in range(2):
        assert_fault(await api.get("/flavors"), "serviceUnavailable", 503, "The service is currently unavailable.")
    status, body, _ = await api.get("/_sim/scenarios/ctl")
    assert status == 200
    shown = body["scenario"]
    assert (shown["name"], shown["seed"], shown["hits"], shown["account_id"]) == ("ctl", 3, 2, None)
    assert shown["rules"] == [
        {"index": 0, "name": "unavailable", "matches": 2, "hits": 2, "exhausted": False},
        {"index": 1, "name": "never", "matches": 0, "hits": 0, "exhausted": False},
    ]


async def test_clear_one_scenario_reports_its_unused_rules(api):
    await api.post("/_sim/scenarios", SCENARIO)
    await api.post("/_sim/scenarios", {"name": "flaky_reads"})
    await api.get("/flavors")
    status, body, _ = await api.delete("/_sim/scenarios/ctl")
    assert status == 200
    assert body == {
        "cleared": [{"name": "ctl", "account_id": None, "hits": 1}],
        "unused_rules": [{"scenario": "ctl", "account_id": None, "index": 1, "rule": "never", "matches": 0, "hits": 0}],
    }
    assert await names(api) == [("flaky_reads", None)]


async def test_clear_one_accounts_scenarios_only(api):
    await api.post("/_sim/scenarios", {"scenario": SCENARIO, "account_id": "1234"})
    await api.post("/_sim/scenarios", {"scenario": SCENARIO, "account_id": "999"})
    await api.post("/_sim/scenarios", {"name": "flaky_reads"})
    _status, body, _ = await api.delete("/_sim/scenarios?account_id=1234")
    assert [c["account_id"] for c in body["cleared"]] == ["1234"]
    assert [u["rule"] for u in body["unused_rules"]] == ["unavailable", "never"]
    assert await names(api) == [("ctl", "999"), ("flaky_reads", None)]
    _status, body, _ = await api.delete("/_sim/scenarios")
    assert [c["name"] for c in body["cleared"]] == ["ctl", "flaky_reads"]
    assert await names(api) == []


async def test_clear_scenario_not_loaded_is_item_not_found(api):
    assert_fault(await api.delete("/_sim/scenarios/nothing"), "itemNotFound", 404, "Scenario nothing is not loaded.")
    assert_fault(
        await api.get("/_sim/scenarios/nothing?account_id=7"),
        "itemNotFound",
        404,
        "Scenario nothing is not loaded for account 7.",
    )


async def test_load_bad_scenario_is_bad_request_naming_the_place_and_keeps_the_loaded(api):
    await api.post("/_sim/scenarios", SCENARIO)
    await api.get("/flavors")
    bad = {
        "name": "ctl",
        "rules": [
            RULES[0],
            {
                "name": "oops",
                "match": {"route": "list_flavours"},
                "when": {"probability": 2},
                "actions": [{"respond": 503}],
            },
        ],
    }
    assert_fault(
        await api.post("/_sim/scenarios", bad),
        "badRequest",
        400,
        "Invalid scenario: 2 problems: <request body>: rules[1] 'oops': match.route: unknown route name "
        "'list_flavours' (did you mean: list_flavors?); <request body>: rules[1] 'oops': when.probability: "
        "must be between 0 and 1, got 2",
    )
    _status, body, _ = await api.get("/_sim/scenarios/ctl")
    assert body["scenario"]["rules"][0]["hits"] == 1
    assert_fault(await api.get("/flavors"), "serviceUnavailable", 503, "The service is currently unavailable.")


async def test_load_bad_requests_are_bad_request(api):
    cases = [
        ({"name": "nope"}, "There is no shipped scenario named 'nope' (shipped: "),
        ({"name": "flaky_reads", "yaml": "x"}, "Give exactly one of scenario, yaml, name or path"),
        ({"colour": 1}, "unknown field(s): colour"),
        ({"path": str(SHIPPED_DIR / "missing.yaml")}, f"{SHIPPED_DIR / 'missing.yaml'}: cannot read the file"),
        ({"yaml": "name: [unclosed"}, "<request body>: not valid YAML at line 1"),
    ]
    for body, text in cases:
        assert_fault(await api.post("/_sim/scenarios", body), "badRequest", 400, contains=text)
    assert_fault(await api.post("/_sim/scenarios"), "badRequest", 400, contains="Send a scenario")
    assert await names(api) == []
