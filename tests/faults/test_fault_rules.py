"""Rule semantics without a server: match, when (times, after, every, probability, window) and the engine's order."""

from __future__ import annotations

import json

import pytest

from simulator.clock import Clock, parse_time
from simulator.faults.engine import FaultEngine
from simulator.faults.rules import MISSING, RequestFacts, is_subset, lookup
from simulator.faults.scenario import build_scenario
from simulator.pipeline.body import RequestBody
from simulator.repos.store import Store
from simulator.routes import OPERATIONS

API_ROUTES = {op.name for op in OPERATIONS}


def facts(
    method="GET", path="/v1.0/1234/instances", route="list_instances", account="1234", body=None, headers=None
) -> RequestFacts:
    raw = json.dumps(body).encode() if body is not None else b""
    return RequestFacts(
        method=method,
        path=path,
        route=route,
        account_id=account,
        headers={k.lower(): v for k, v in (headers or {}).items()},
        request_body=RequestBody(raw),
    )


def rule_of(match=None, when=None):
    doc = {"name": "s", "rules": [{"match": match or {}, "when": when or {}, "actions": [{"respond": 503}]}]}
    return build_scenario(doc, API_ROUTES, "<test>").rules[0]


@pytest.fixture
def engine():
    store = Store.open(":memory:")
    yield FaultEngine(store, Clock("manual", parse_time("2024-01-01T00:00:00Z")), API_ROUTES)
    store.close()


def fired(engine, requests) -> list[bool]:
    return [engine.decide(f) is not None for f in requests]


def test_lookup_dotted_path_reaches_objects_and_list_items():
    body = {"instance": {"restorePoint": {"backupRef": "b1"}, "databases": [{"name": "shop"}]}}
    assert lookup(body, "instance.restorePoint.backupRef") == "b1"
    assert lookup(body, "instance.databases.0.name") == "shop"
    assert lookup(body, "instance.missing") is MISSING
    assert lookup(MISSING, "instance") is MISSING


def test_is_subset_empty_mapping_matches_any_object_and_true_is_not_one():
    assert is_subset({"resize": {}}, {"resize": {"flavorRef": 2}})
    assert not is_subset({"resize": {}}, {"resize": 2})
    assert not is_subset({"restart": {}}, {"resize": {}})
    assert is_subset({"a": 1}, {"a": 1.0, "b": 2})
    assert not is_subset({"a": 1}, {"a": True})


def test_match_method_route_and_account():
    rule = rule_of({"method": "post", "route": ["create_instance", "create_backup"], "account": 1234})
    assert rule.match.matches(facts("POST", route="create_instance"))
    assert not rule.match.matches(facts("GET", route="create_instance"))
    assert not rule.match.matches(facts("POST", route="list_instances"))
    assert not rule.match.matches(facts("POST", route="create_backup", account="999"))


def test_match_path_glob_crosses_slashes_and_regex_searches():
    glob = rule_of({"path": "/v1.0/*/instances/*"})
    assert glob.match.matches(facts(path="/v1.0/1234/instances/abc/databases"))
    assert not glob.match.matches(facts(path="/v1.0/1234/flavors"))
    regex = rule_of({"path_regex": r"/instances/[^/]+$"})
    assert regex.match.matches(facts(path="/v1.0/1234/instances/abc"))
    assert not regex.match.matches(facts(path="/v1.0/1234/instances/abc/users"))


def test_match_json_subset_present_and_absent():
    restore = {"instance": {"name": "r", "restorePoint": {"backupRef": "b1"}}}
    plain = {"instance": {"name": "p"}}
    present = rule_of({"present": "instance.restorePoint"})
    absent = rule_of({"absent": ["instance.restorePoint"]})
    subset = rule_of({"json": {"instance": {"restorePoint": {}}}})
    assert present.match.matches(facts(body=restore)) and not present.match.matches(facts(body=plain))
    assert absent.match.matches(facts(body=plain)) and not absent.match.matches(facts(body=restore))
    assert subset.match.matches(facts(body=restore)) and not subset.match.matches(facts(body=plain))
    assert not present.match.matches(facts(body=None))


def test_match_headers_value_present_and_absent():
    rule = rule_of({"headers": {"X-Trace": "on", "User-Agent": True, "X-Skip": False}})
    assert rule.match.matches(facts(headers={"x-trace": "on", "User-Agent": "python-troveclient"}))
    assert not rule.match.matches(facts(headers={"X-Trace": "off", "User-Agent": "x"}))
    assert not rule.match.matches(facts(headers={"X-Trace": "on"}))
    assert not rule.match.matches(facts(headers={"X-Trace": "on", "User-Agent": "x", "X-Skip": "1"}))


def test_when_times_after_every_count_matches_only(engine):
    engine.load(
        {
            "name": "t",
            "rules": [
                {
                    "match": {"method": "GET"},
                    "when": {"after": 1, "every": 2, "times": 2},
                    "actions": [{"respond": 503}],
                }
            ],
        }
    )
    sequence = [facts() if i % 2 == 0 else facts("POST", route="create_instance") for i in range(14)]
    hits = fired(engine, sequence)
    # GETs are the even positions: matches 1..7; after 1 -> 2..7; every 2nd of those -> matches 3, 5; times 2.
    assert [i for i, hit in enumerate(hits) if hit] == [4, 8]
    rule = engine.list()[0]["rules"][0]
    assert (rule["matches"], rule["hits"], rule["exhausted"]) == (7, 2, True)


def test_when_window_relative_to_load_on_the_simulator_clock(engine):
    engine.load({"name": "w", "rules": [{"when": {"window": {"start": 10, "end": 20}}, "actions": [{"respond": 503}]}]})
    seen = []
    for step in (0, 9, 1, 9, 1):  # at 0, 9, 10, 19, 20 seconds after loading
        engine.clock.advance(step)
        seen.append(engine.decide(facts()) is not None)
    assert seen == [False, False, True, True, False]


def test_when_window_absolute_iso_times(engine):
    engine.load(
        {"name": "w", "rules": [{"when": {"window": {"start": "2024-01-01T00:01:00Z"}}, "actions": [{"respond": 503}]}]}
    )
    assert engine.decide(facts()) is None
    engine.clock.advance(60)
    assert engine.decide(facts()) is not None


def test_probability_same_seed_same_hits_other_seed_other_hits(engine):
    doc = {"name": "p", "seed": 11, "rules": [{"when": {"probability": 0.3}, "actions": [{"respond": 503}]}]}
    requests = [facts() for _ in range(200)]
    engine.load(doc)
    first = fired(engine, requests)
    engine.load(doc)  # reloading starts the generator over
    second = fired(engine, requests)
    engine.load({**doc, "seed": 12})
    other = fired(engine, requests)
    assert first == second
    assert first != other
    assert 30 <= sum(first) <= 90


def test_probability_draws_follow_matches_not_other_requests(engine):
    doc = {
        "name": "p",
        "seed": 5,
        "rules": [{"match": {"method": "GET"}, "when": {"probability": 0.5}, "actions": [{"respond": 503}]}],
    }
    engine.load(doc)
    gets_only = fired(engine, [facts() for _ in range(40)])
    engine.load(doc)
    mixed = fired(engine, [f for _ in range(40) for f in (facts(), facts("POST", route="create_instance"))])
    assert mixed[0::2] == gets_only
    assert not any(mixed[1::2])


def test_delay_range_is_drawn_from_the_scenario_seed(engine):
    doc = {"name": "d", "seed": 3, "rules": [{"actions": [{"delay": {"min": 0.2, "max": 0.4}}]}]}
    engine.load(doc)
    first = [engine.decide(facts()).delay for _ in range(5)]
    engine.load(doc)
    assert [engine.decide(facts()).delay for _ in range(5)] == first
    assert all(0.2 <= d <= 0.4 for d in first) and len(set(first)) == 5


def test_first_firing_rule_wins_and_later_rules_do_not_count(engine):
    engine.load(
        {
            "name": "o",
            "rules": [
                {"name": "a", "when": {"times": 1}, "actions": [{"respond": 503}]},
                {"name": "b", "actions": [{"respond": 500}]},
            ],
        }
    )
    decisions = [engine.decide(facts()) for _ in range(3)]
    assert [d.rule for d in decisions] == ["a", "b", "b"]
    rules = engine.list()[0]["rules"]
    assert [(r["matches"], r["hits"]) for r in rules] == [(3, 1), (2, 2)]


def test_account_scenarios_come_before_server_wide_and_only_for_that_account(engine):
    engine.load({"name": "all", "rules": [{"actions": [{"respond": 500}]}]})
    engine.load({"name": "mine", "rules": [{"actions": [{"respond": 503}]}]}, account_id="42")
    assert engine.decide(facts(account="42")).scenario == "mine"
    assert engine.decide(facts(account="1234")).scenario == "all"
    engine.clear("all")
    assert engine.decide(facts(account="1234")) is None


def test_clear_filters_by_name_and_account_and_reports_unused_rules(engine):
    doc = {
        "name": "c",
        "rules": [
            {"name": "used", "actions": [{"respond": 503}]},
            {"name": "idle", "match": {"method": "DELETE"}, "actions": [{"respond": 500}]},
        ],
    }
    engine.load(doc)
    engine.load(doc, account_id="7")
    engine.load({**doc, "name": "d"}, account_id="7")
    engine.decide(facts(account="7"))
    unused = engine.clear(account_id="7")
    assert sorted((u["scenario"], u["rule"]) for u in unused) == [("c", "idle"), ("d", "idle"), ("d", "used")]
    assert [(s["name"], s["account_id"]) for s in engine.list()] == [("c", None)]
    assert [u["rule"] for u in engine.clear("c")] == ["used", "idle"]
    assert engine.list() == []
