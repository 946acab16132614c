"""Scenario documents are bounded (size, aliases, depth, values) and read off the event loop: an alias bomb, a
binary file or an oversized document is a quick 400 naming the limit, and the server keeps serving."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
import yaml
from support import assert_fault

from simulator.faults import documents, scenario
from simulator.faults.documents import MAX_ALIASES, MAX_BYTES, MAX_DEPTH, MAX_VALUES
from simulator.faults.scenario import ScenarioError, parse_scenario, read_source
from simulator.serve.cli import main

#: "Billion laughs": nine levels of nine aliases stand for 9**9 strings, in 342 bytes of YAML.
ALIAS_BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""
VALID = {"name": "ok", "rules": [{"match": {"route": "list_flavors"}, "actions": [{"respond": 503}]}]}


def too_many_values(line: int, column: int) -> str:
    return (
        f"more than {MAX_VALUES} values (at line {line}, column {column}); a scenario may hold at most "
        f"{MAX_VALUES} (aliases included)"
    )


async def test_an_alias_bomb_is_refused_at_once_and_the_server_keeps_serving(api):
    for body in ({"yaml": ALIAS_BOMB}, ALIAS_BOMB):
        started = time.perf_counter()
        if isinstance(body, str):
            answer = await api.call("POST", "/_sim/scenarios", data=body, headers={"Content-Type": "application/yaml"})
        else:
            answer = await api.post("/_sim/scenarios", body)
        assert time.perf_counter() - started < 0.5
        assert_fault(answer, "badRequest", 400, "Invalid scenario: <request body>: " + too_many_values(5, 8))
    status, body, _ = await api.get("/flavors")
    assert status == 200 and body["flavors"]
    assert (await api.post("/_sim/scenarios", {"scenario": VALID}))[0] == 201


def test_aliases_beyond_the_limit_are_refused_though_each_names_little():
    text = "a: &a x\nb: [" + ", ".join(["*a"] * (MAX_ALIASES + 1)) + "]\n"
    with pytest.raises(ScenarioError) as err:
        read_source(text, "<t>")
    assert err.value.message == (
        f"Invalid scenario: <t>: more than {MAX_ALIASES} aliases (at line 2, column "
        f"{5 + 4 * MAX_ALIASES}); a scenario may use at most {MAX_ALIASES}"
    )


def test_an_alias_inside_the_node_it_names_is_refused():
    with pytest.raises(ScenarioError) as err:
        read_source("a: &a [1, *a]\n", "<t>")
    assert err.value.message == (
        "Invalid scenario: <t>: the alias *a (at line 1, column 11) is inside the node it "
        "names; a scenario cannot contain itself"
    )


@pytest.mark.parametrize("source", ["[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n", "DICT"])
def test_nesting_beyond_the_limit_is_refused(source):
    if source == "DICT":  # a document given as data (JSON already parsed) is held to the same bound
        nested: dict[str, Any] = {"name": "deep", "rules": []}
        source = nested
        for _ in range(MAX_DEPTH):
            nested["n"] = {}
            nested = nested["n"]
    with pytest.raises(ScenarioError) as err:
        read_source(source, "<t>")
    where = "" if isinstance(source, dict) else f" (at line 1, column {MAX_DEPTH + 1})"
    assert err.value.message == (
        f"Invalid scenario: <t>: nested more than {MAX_DEPTH} levels deep{where}; a "
        f"scenario may nest at most {MAX_DEPTH} levels"
    )


async def test_an_oversized_document_is_refused_by_its_size(api, tmp_path):
    text = "name: big\n" + "#" * MAX_BYTES + "\n"
    answer = await api.call("POST", "/_sim/scenarios", data=text, headers={"Content-Type": "application/yaml"})
    assert_fault(
        answer,
        "badRequest",
        400,
        f"Invalid scenario: <request body>: the document is {len(text)} bytes; "
        f"a scenario may be at most {MAX_BYTES} bytes (256 KiB)",
    )
    path = tmp_path / "big.yaml"
    path.write_text(text)
    assert_fault(
        await api.post("/_sim/scenarios", {"path": str(path)}),
        "badRequest",
        400,
        f"Invalid scenario: {path}: the document is {len(text)} bytes; a scenario may be at most "
        f"{MAX_BYTES} bytes (256 KiB)",
    )


async def test_a_binary_or_non_utf8_scenario_file_is_bad_request(api, tmp_path):
    binary = tmp_path / "image.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert_fault(
        await api.post("/_sim/scenarios", {"path": str(binary)}),
        "badRequest",
        400,
        f"Invalid scenario: {binary}: a binary file (a NUL byte at offset 8), not the YAML or JSON text of a scenario",
    )
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes("name: café\nrules: []\n".encode("latin-1"))
    assert_fault(
        await api.post("/_sim/scenarios", {"path": str(latin1)}),
        "badRequest",
        400,
        f"Invalid scenario: {latin1}: not UTF-8 text (byte 0xe9 at offset 9); a scenario is YAML or JSON text in UTF-8",
    )
    assert_fault(
        await api.post("/_sim/scenarios", {"path": "/dev/zero"}),
        "badRequest",
        400,
        "Invalid scenario: /dev/zero: not a regular file (a device, a pipe or a socket), not a scenario",
    )
    assert (await api.get("/flavors"))[0] == 200


def test_serve_with_a_binary_scenario_file_prints_one_line_and_exits_non_zero(tmp_path, capsys):
    binary = tmp_path / "image.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert main(["serve", "--db", ":memory:", "--port", "0", "--scenario", str(binary)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"cdbsim: Invalid scenario: {binary}: a binary file (a NUL byte at offset 8), not the YAML or "
        f"JSON text of a scenario\n"
    )


async def test_parse_scenario_reads_and_parses_in_a_worker_thread(monkeypatch, tmp_path):
    threads = []

    def parse(text, origin):
        threads.append(threading.get_ident())
        return documents.parse_yaml(text, origin)

    monkeypatch.setattr(scenario, "parse_yaml", parse)
    path = tmp_path / "ok.yaml"
    path.write_text(yaml.safe_dump(VALID))
    assert await parse_scenario(path) == (VALID, str(path))
    assert threads and threads[0] != threading.get_ident()
    with pytest.raises(ScenarioError) as err:
        await parse_scenario("- a list\n- not a mapping\n", "<t>")
    assert err.value.message == (
        "Invalid scenario: <t>: a scenario is a mapping with name, description, seed and rules, got list"
    )


def test_a_scenario_within_the_bounds_with_aliases_loads():
    text = (
        "name: shared\nrules:\n  - match: &m {route: list_flavors}\n    actions: [{respond: 503}]\n"
        "  - match: *m\n    actions: [{delay: 1}]\n"
    )
    document, _ = read_source(text, "<t>")
    assert document["rules"][1]["match"] == {"route": "list_flavors"}


async def test_the_load_request_parses_off_the_event_loop_while_other_requests_are_served(api, monkeypatch):
    threads, loop_thread = [], threading.get_ident()
    release = threading.Event()

    def parse(text, origin):
        threads.append(threading.get_ident())
        release.wait(5)  # a slow parse: the event loop must keep serving meanwhile
        return documents.parse_yaml(text, origin)

    monkeypatch.setattr(scenario, "parse_yaml", parse)
    load = asyncio.ensure_future(api.post("/_sim/scenarios", {"yaml": yaml.safe_dump(VALID)}))
    while not threads:
        await asyncio.sleep(0.01)
    status, body, _ = await api.post(
        "/instances", {"instance": {"flavorRef": 1, "name": "during", "volume": {"size": 1}}}
    )
    assert status == 200, body  # a write meanwhile commits on its own
    release.set()
    assert (await load)[0] == 201
    assert threads[0] != loop_thread
    listed = (await api.get("/instances"))[1]["instances"]
    assert [i["name"] for i in listed if i["name"] == "during"] == ["during"]
