"""schemathesis over every documented operation: no unasked-for 5xx, answers match the document, errors are faults."""

from __future__ import annotations

import collections
import itertools
import json
import zlib
from pathlib import Path

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from simulator import DemoAccount, SimulatorConfig
from simulator.app import describe_api
from simulator.errors import FAULT_NAMES
from simulator.keys import BACKEND, JOURNAL
from simulator.testing import SimulatorServer

#: Starts processes, a browser or a long generated search: left out of the fast loop.
pytestmark = pytest.mark.slow

ACCOUNT, TOKEN = "1234", "fuzz-token"
#: Examples per operation and generation mode (positive and negative); keeps the whole run well under a minute.
MAX_EXAMPLES = 20

schema = schemathesis.openapi.from_dict(describe_api().document)
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=MAX_EXAMPLES,
    deterministic=True,
    database="none",
)
schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])

CHECKS = [
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.unsupported_method,
]


@pytest.fixture(scope="module")
def server():
    config = SimulatorConfig(seed=11, bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN))
    with SimulatorServer(config) as srv:
        yield srv
        errors = srv.run(lambda app: list(app[JOURNAL].handler_errors))
    assert not errors, "the simulator raised while fuzzed:\n" + "\n".join(errors)


@pytest.fixture(scope="module")
def http():
    """One connection pool for the whole run; counts the answers by status for the summary line."""
    statuses: collections.Counter[int] = collections.Counter()
    with requests.Session() as session:
        # The server is on loopback: no proxy, .netrc or CA bundle of the environment applies, and requests would
        # look them all up again for each of the ~5,500 requests (0.15 ms of CPU each).
        session.trust_env = False
        session.headers["X-Cdbsim"] = "1"  # a script, not a web page: its control calls may change state
        session.hooks["response"].append(lambda response, *args, **kwargs: statuses.update([response.status_code]))
        yield session
    print(f"\nschemathesis: {sum(statuses.values())} requests, answers by status {dict(sorted(statuses.items()))}")


def ensure_resources(app) -> dict:
    """A live instance with a database and a user, (re)made when the fuzzer deleted them."""
    backend = app[BACKEND]
    if backend.identity.account(ACCOUNT) is None:  # the fuzzer deleted it (DELETE /_sim/accounts/{account_id})
        backend.identity.create_account(ACCOUNT, token=TOKEN)
    backend.settle()
    live = [r for r in backend.instances.page(ACCOUNT, 20, None)[0] if r["status"] == "ACTIVE"]
    if not live:
        backend.instances.create(ACCOUNT, {"instance": {"name": "fuzz", "flavorRef": 1, "volume": {"size": 1}}})
        backend.settle()
        live = [r for r in backend.instances.page(ACCOUNT, 20, None)[0] if r["status"] == "ACTIVE"]
    instance_id = live[0]["id"]
    if "fuzzdb" not in backend.store.instances.database_names(instance_id):
        backend.databases.insert(
            instance_id, [{"name": "fuzzdb", "character_set": "utf8", "collate": "utf8_general_ci"}]
        )
    if backend.store.instances.user(instance_id, "fuzzer", "%") is None:
        backend.users.insert(
            instance_id,
            backend.users.parse([{"name": "fuzzer", "password": "Fuzz-pass1", "databases": [{"name": "fuzzdb"}]}]),
        )
    return {"instance_id": instance_id, "name": "fuzzdb", "user": "fuzzer"}


def aim(case, resources: dict) -> None:
    """Point API calls at our account, and about half of the generated ids (and control calls' accounts) at
    resources that exist."""
    params = case.path_parameters or {}
    for key, value in {"account_id": ACCOUNT, **resources}.items():
        if key not in params:
            continue
        if (key == "account_id" and case.path.startswith("/v1.0/")) or zlib.crc32(
            json.dumps(params[key], default=str).encode()
        ) % 2 == 0:
            params[key] = value


def check_fault_body(response) -> None:
    """Every error answer is exactly {<fault>: {code, message}} with the fault that belongs to its status."""
    if response.status_code < 400:
        return
    body = response.json()
    assert isinstance(body, dict) and len(body) == 1, body
    fault, inner = next(iter(body.items()))
    assert fault == FAULT_NAMES[response.status_code], body
    assert inner["code"] == response.status_code and isinstance(inner["message"], str) and inner["message"], body


def confine_paths(case, sandbox: Path) -> None:
    """A loader's "path" (a file the server reads, or writes when recording) points inside a scratch directory."""
    if isinstance(case.body, dict) and "path" in case.body:
        case.body["path"] = str(sandbox / f"fuzz-{zlib.crc32(repr(case.body['path']).encode())}.har")


def asked_for(server, response) -> bool:
    """Did a loaded fault scenario fire on this request (the journal names the rule)?"""
    path = response.request.path_url.split("?", 1)[0]

    def last_rule(app):
        rows = [e for e in app[JOURNAL].entries(status=response.status_code) if e["path"] == path]
        return rows[-1]["rule"] if rows else None

    return server.run(last_rule) is not None


def unload(server, http) -> None:
    """No scenario or recording loaded by one example may answer for the next ones."""
    assert http.delete(server.url + "/_sim/scenarios").status_code == 200
    assert http.delete(server.url + "/_sim/replay").status_code == 204


LOADERS = {"sim_load_scenario", "sim_load_replay", "sim_change_replay"}
#: Paths the simulator does not model: every method (including ones the document does not list) answers 501.
NOT_MODELLED: set[str] = set()


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz-files")


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), max_examples=MAX_EXAMPLES)
def test_fuzz_operation_answers_conform(case, server, http, sandbox):
    resources = server.run(ensure_resources)
    aim(case, resources)
    confine_paths(case, sandbox)
    try:
        response = case.call(base_url=server.url, session=http, headers={"X-Auth-Token": TOKEN}, timeout=10)
    finally:
        if case.operation.definition.raw.get("x-route-name") in LOADERS:
            unload(server, http)
    if refused_by_http_layer(response):
        return
    if response.status_code >= 500 and response.status_code != 501:
        assert asked_for(server, response), (
            f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:500]}"
        )
    check_fault_body(response)
    route = case.operation.definition.raw["x-route-name"]
    case.validate_response(
        response,
        checks=CHECKS,
        excluded_checks=[schemathesis.checks.unsupported_method] if route in NOT_MODELLED else None,
    )


def refused_by_http_layer(response) -> bool:
    """aiohttp's HTTP parser refuses a request line or header over 8190 bytes with a plain-text 400 before the
    application sees the request (so no fault body and no journal entry); nothing else may answer that way."""
    if response.status_code == 400 and response.text.startswith("Got more than 8190 bytes"):
        request = response.request
        assert len(request.url) > 8000 or any(len(k) + len(v) > 8000 for k, v in request.headers.items())
        return True
    return False


def test_journal_reads_do_not_grow_the_journal(server, http):
    """A journal read is journaled without its body (keeping the body doubled the journal with every read)."""
    http.delete(server.url + "/_sim/journal")
    sizes = [len(http.get(server.url + "/_sim/journal").content) for _ in range(8)]
    steps = [b - a for a, b in itertools.pairwise(sizes[1:])]
    assert max(steps) <= min(steps) + 64, sizes
    entries = http.get(server.url + "/_sim/journal").json()["journal"]
    assert entries and all(e["response"]["body"] is None for e in entries if e["path"] == "/_sim/journal")


def test_fuzz_reseeded_ids_do_not_collide_with_existing_rows(server, http):
    """PUT /_sim/ids back to a seed already used, then creates: fresh ids, never a 500 (found by the fuzzer)."""
    headers = {"X-Auth-Token": TOKEN}
    body = {"instance": {"name": "again", "flavorRef": 1, "volume": {"size": 1}}}
    made = []
    for _ in range(2):
        assert http.put(server.url + "/_sim/ids", json={"seed": 424242}).status_code == 200
        resp = http.post(f"{server.url}/v1.0/{ACCOUNT}/instances", json=body, headers=headers)
        assert resp.status_code == 200, resp.text
        made.append(resp.json()["instance"]["id"])
    assert made[0] != made[1]
    for instance_id in made:
        http.delete(f"{server.url}/v1.0/{ACCOUNT}/instances/{instance_id}", headers=headers)
