"""Loading scenarios: sources, validation messages that name the place, and what a failed load leaves behind."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from simulator import SimulatorConfig, create_app
from simulator.faults import fault_engine
from simulator.faults.scenario import SHIPPED_DIR, ScenarioError, shipped_scenarios
from simulator.keys import STORE
from simulator.serve.cli import build_parser
from simulator.serve.options import config_from_args

GOOD = """\
name: good
seed: 1
rules:
  - name: first
    match: {route: list_flavors}
    actions: [{respond: {status: 503}}]
"""


@pytest.fixture
def engine():
    return fault_engine(create_app(SimulatorConfig()))


def write(tmp_path: Path, text: str, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def bad_rule(**rule) -> str:
    base = {"name": "slow", "match": {"route": "list_flavors"}, "actions": [{"respond": {"status": 503}}]}
    base.update(rule)
    return yaml.safe_dump({"name": "bad", "rules": [{"name": "ok", "actions": ["reset"]}, base]})


@pytest.mark.parametrize(
    "rule, field, problem",
    [
        ({"match": {"route": "list_flavors", "methd": "GET"}}, "match.methd", "unknown field"),
        ({"when": {"times": "twice"}}, "when.times", "expected an integer, got string 'twice'"),
        ({"match": {"route": "create_instanse"}}, "match.route", "unknown route name 'create_instanse'"),
        ({"when": {"probability": 1.5}}, "when.probability", "must be between 0 and 1, got 1.5"),
        ({"when": {"probability": -0.1}}, "when.probability", "must be between 0 and 1, got -0.1"),
        ({"actions": [{"respond": {"status": "503"}}]}, "actions[0].respond.status", "expected an integer"),
        ({"actions": [{"explode": True}]}, "actions[0].explode", "unknown action"),
        ({"times": 1}, "times", "unknown field"),
    ],
)
def test_load_bad_file_names_file_rule_and_field(engine, tmp_path, rule, field, problem):
    path = write(tmp_path, bad_rule(**rule))
    with pytest.raises(ScenarioError) as err:
        engine.load(path)
    assert err.value.status == 400 and err.value.fault == "badRequest"
    assert len(err.value.problems) == 1
    place, _, what = err.value.problems[0].partition(f"{field}: ")
    assert place == f"{path}: rules[1] 'slow': "
    assert problem in what
    assert err.value.message == f"Invalid scenario: {err.value.problems[0]}"


def test_load_bad_file_lists_every_problem(engine, tmp_path):
    path = write(
        tmp_path,
        yaml.safe_dump(
            {
                "name": "bad",
                "seed": "x",
                "colour": 1,
                "rules": [{"match": {"route": "nope"}, "when": {"probability": 2}, "actions": [{"respond": 503}]}],
            }
        ),
    )
    with pytest.raises(ScenarioError) as err:
        engine.load(path)
    assert err.value.problems == [
        f"{path}: colour: unknown field (allowed: name, description, seed, account, rules)",
        f"{path}: seed: expected an integer, got string 'x'",
        f"{path}: rules[0] 'rule-0': match.route: unknown route name 'nope'",
        f"{path}: rules[0] 'rule-0': when.probability: must be between 0 and 1, got 2",
    ]
    assert err.value.message.startswith("Invalid scenario: 4 problems: ")


def test_load_yaml_syntax_error_names_line_and_column(engine, tmp_path):
    path = write(tmp_path, "name: x\nrules: [\n  - {match: }\n")
    with pytest.raises(ScenarioError) as err:
        engine.load(path)
    assert err.value.problems[0].startswith(f"{path}: not valid YAML at line ")


def test_load_bad_combinations_are_refused(engine):
    cases = {
        "respond and reset cannot both be given": ["reset", {"respond": 503}],
        "only one of drop_answer, truncate and malformed": ["drop_answer", "truncate"],
        "model_fault needs match.route limited to": ["model_fault"],
        "respond answers instead of the handler": [{"respond": 503}, "drop_answer"],
    }
    for problem, actions in cases.items():
        with pytest.raises(ScenarioError) as err:
            engine.load({"name": "x", "rules": [{"actions": actions}]})
        assert problem in err.value.message, err.value.message


def test_failed_load_keeps_previous_scenarios_and_counters(engine, tmp_path):
    engine.load(GOOD)
    before = engine.list()
    broken = GOOD.replace("list_flavors", "list_flavours")
    with pytest.raises(ScenarioError) as err:
        engine.load(broken)
    assert "unknown route name 'list_flavours'" in err.value.message
    with pytest.raises(ScenarioError):
        engine.load(write(tmp_path, bad_rule(when={"probability": 3})))
    assert engine.list() == before
    assert [row["name"] for row in engine.store.faults.all()] == ["good"]


def test_load_sources_dict_text_json_path_and_shipped_name(engine, tmp_path):
    path = write(tmp_path, GOOD, "good.yaml")
    assert engine.load(yaml.safe_load(GOOD)) == "good"
    assert engine.load(GOOD, account_id="1") == "good"
    assert engine.load(json.dumps(yaml.safe_load(GOOD)), account_id="2") == "good"
    assert engine.load(path, account_id="3") == "good"
    assert engine.load(str(path), account_id="4") == "good"
    assert engine.load("flaky_reads") == "flaky_reads"
    origins = {(s["account_id"], s["name"]): s["origin"] for s in engine.list()}
    assert origins[("3", "good")] == origins[("4", "good")] == str(path)
    assert origins[(None, "flaky_reads")] == str(SHIPPED_DIR / "flaky_reads.yaml")


def test_load_unknown_name_says_what_it_tried(engine):
    with pytest.raises(ScenarioError) as err:
        engine.load("flaky_raeds")
    assert "'flaky_raeds' is not a shipped scenario (shipped: " in err.value.message
    assert "not a file, and not the text of a scenario" in err.value.message


def test_every_shipped_scenario_loads_and_is_in_the_readme(engine):
    shipped = shipped_scenarios()
    readme = (SHIPPED_DIR / "README.md").read_text()
    assert set(shipped) >= {
        "restore_over_limit",
        "backup_in_progress",
        "flaky_reads",
        "slow_control_plane",
        "failing_backups",
        "token_expiry",
        "connection_resets_on_create",
    }
    for name, path in shipped.items():
        assert engine.load(path) == name == path.stem
        description = yaml.safe_load(path.read_text())["description"]
        assert f"| `{name}` | {description} |" in readme, name


def test_scenarios_survive_a_restart_with_a_state_file(tmp_path):
    config = SimulatorConfig(db_path=str(tmp_path / "state.db"))
    app = create_app(config)
    fault_engine(app).load(GOOD, account_id="1234")
    fault_engine(app).load("token_expiry")
    app[STORE].close()
    again = fault_engine(create_app(config))
    assert [(s["name"], s["account_id"], s["hits"]) for s in again.list()] == [
        ("good", "1234", 0),
        ("token_expiry", None, 0),
    ]


def test_config_scenarios_load_at_start_by_path_or_name(tmp_path):
    path = write(tmp_path, GOOD, "good.yaml")
    app = create_app(SimulatorConfig(scenarios=(str(path), "flaky_reads")))
    assert [s["name"] for s in fault_engine(app).list()] == ["good", "flaky_reads"]


def test_config_bad_scenario_stops_the_start_with_the_place(tmp_path):
    path = write(tmp_path, bad_rule(match={"route": "nope"}))
    with pytest.raises(ScenarioError) as err:
        create_app(SimulatorConfig(scenarios=(str(path),)))
    assert f"{path}: rules[1] 'slow': match.route: unknown route name 'nope'" in err.value.message
    with pytest.raises(ScenarioError) as err:
        create_app(SimulatorConfig(scenarios=(str(tmp_path / "missing.yaml"),)))
    assert f"{tmp_path / 'missing.yaml'}: cannot read the file" in err.value.message


def test_serve_scenario_options_are_loaded_at_start(tmp_path):
    path = write(tmp_path, GOOD, "good.yaml")
    args = build_parser().parse_args(
        ["serve", "--db", ":memory:", "--scenario", str(path), "--scenario", "token_expiry"]
    )
    app = create_app(config_from_args(args))
    assert [(s["name"], s["origin"]) for s in fault_engine(app).list()] == [
        ("good", str(path)),
        ("token_expiry", str(SHIPPED_DIR / "token_expiry.yaml")),
    ]


def test_serve_with_a_bad_scenario_exits_2_with_the_place(tmp_path):
    path = write(tmp_path, bad_rule(when={"probability": 7}))
    proc = subprocess.run(
        [sys.executable, "-m", "simulator", "serve", "--db", ":memory:", "--port", "0", "--scenario", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        f"cdbsim: Invalid scenario: {path}: rules[1] 'slow': when.probability: must be between 0 and 1, got 7"
    )


def test_restore_replaces_the_loaded_scenarios_with_the_stored_ones(engine):
    engine.load(GOOD)
    engine.load("flaky_reads", account_id="9")
    engine.restore()
    engine.restore()
    assert [(s["name"], s["account_id"]) for s in engine.list()] == [("good", None), ("flaky_reads", "9")]


def test_load_long_single_line_text_is_not_taken_for_a_path(engine):
    with pytest.raises(ScenarioError) as err:
        engine.load("x" * 5000)
    assert err.value.message.startswith("Invalid scenario: '" + "x" * 57 + "...' is not a shipped scenario")
    assert engine.load('{"name": "inline", "rules": [{"actions": ["reset"]}]}') == "inline"
