"""Every operation of the Cloud Databases API reference (docs commit in documented_examples.json), run in a
sensible order against a fresh simulator with the documented requests: the status and every documented key path
and JSON type of each example's response, and the values a client branches on (statuses, states, types)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conformance.compare import differences
from conformance.doc_errors import DOC_ERRORS, STATUS
from conformance.scenario import ACCOUNT, Run

from simulator import DemoAccount, Durations, SimulatorConfig
from simulator.testing.server import SimulatorServer

FIXTURE = json.loads((Path(__file__).parent / "documented_examples.json").read_text())
OPERATIONS = {o["title"]: o for o in FIXTURE["operations"]}
TOKEN = "conformance-token"


@pytest.fixture(scope="module")
def run() -> Iterator[Run]:
    # Steps take time on the run's manual clock, so an answer shows BUILD, BACKUP, ... as the docs' examples do.
    durations = Durations(build=60, reboot=30, resize=45, shutdown=10, backup=20)
    config = SimulatorConfig(seed=22, bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN), durations=durations)
    with SimulatorServer(config) as server:
        the_run = Run(server, FIXTURE, TOKEN)
        the_run.run()
        yield the_run


def documented_status(op: dict, example: dict) -> int | None:
    """The status the doc-errors list follows for the operation, else the example's status line, else the table's
    one success code."""
    errata = DOC_ERRORS.get((op["title"], example["title"]), {})
    if "status" in errata:
        return errata["status"]
    if op["title"] in STATUS:
        return STATUS[op["title"]][0]
    status = example.get("response", {}).get("status")
    if status is None and len(op["table_success"]) == 1:
        status = op["table_success"][0]
    return status


def check_example(run: Run, op: dict, example: dict) -> list[str]:
    key = (op["title"], example["title"])
    result = run.results.get(key)
    if result is None:
        return [f"{example['title']}: not run ({'; '.join(run.errors) or 'no step sends it'})"]
    errata = DOC_ERRORS.get(key, {})
    expected = documented_status(op, example)
    answer = result.answer
    problems = []
    if expected is not None and answer.status != expected:
        problems.append(f"status {answer.status}, docs show {expected}: {answer.body}")
    documented = example.get("response", {}).get("body")
    if documented is not None and answer.status < 300:
        if "fix" in errata:
            documented = errata["fix"](documented)
        problems += differences(
            documented, answer.body, tuple(errata.get("ignore", {})), tuple(errata.get("values", {}))
        )
    elif documented is None and example.get("response", {}).get("status") == 202 and answer.body:
        problems.append(f"the docs answer no body (Content-Length: 0), got {answer.body}")
    return [f"{example['title']}: {p}" for p in problems]


def test_the_fixture_names_its_docs_commit_and_has_every_method_page():
    assert len(FIXTURE["commit"]) == 40 and len(FIXTURE["operations"]) == len(OPERATIONS) == 83


def test_every_doc_error_names_a_documented_example_and_gives_a_reason():
    for (op, title), errata in DOC_ERRORS.items():
        assert title in {e["title"] for e in OPERATIONS[op]["examples"]}, (op, title)
        assert errata["reason"] and set(errata) <= {"fix", "ignore", "values", "status", "reason"}, (op, title)
        assert all(errata.get("ignore", {}).values()) and all(errata.get("values", {}).values()), (op, title)


def disagrees_with_its_table(op: dict, example: dict) -> bool:
    """The example's status line is not a success code of the page's table (and it answers the page's call)."""
    status = example.get("response", {}).get("status")
    answers_another_call = "status" in DOC_ERRORS.get((op["title"], example["title"]), {})
    return status is not None and status not in op["table_success"] and not answers_another_call


def test_the_operations_whose_table_and_examples_disagree_are_the_listed_doc_errors():
    disagree = {t for t, op in OPERATIONS.items() if any(disagrees_with_its_table(op, e) for e in op["examples"])}
    assert disagree == set(STATUS)
    assert all(reason for _, reason in STATUS.values())


@pytest.mark.parametrize("title", sorted(OPERATIONS))
def test_documented_operation(run, title):
    op = OPERATIONS[title]
    problems = [p for example in op["examples"] for p in check_example(run, op, example)]
    assert not problems, "\n".join(problems)
