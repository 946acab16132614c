"""Unit tests of the recording pieces: HAR files, secret placeholders, matchers and the cassette index."""

from __future__ import annotations

import itertools
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from replay.replay_helpers import hit, missed

from simulator.replay import har
from simulator.replay.cassette import Cassette, Miss, RecordMode, validate_record_mode
from simulator.replay.filters import SecretMap, bind_secrets, point_catalog_at, restore_response, scrub
from simulator.replay.har import Interaction, RecordedRequest, RecordedResponse
from simulator.replay.matchers import MATCHERS, differences, validate_match_on

BASE = "http://127.0.0.1:8779/v1.0/1234"


def req(method="GET", path="/instances", query="", body=b"", headers=()) -> RecordedRequest:
    return RecordedRequest(method, f"{BASE}{path}" + (f"?{query}" if query else ""), tuple(headers), body)


def answer(body: dict | bytes, status=200) -> RecordedResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return RecordedResponse(status, "OK", (("Content-Type", "application/json"),), raw)


class NoScan(list):
    """A list that fails the test when iterated: lookups must go through the index."""

    def __iter__(self):
        raise AssertionError("the cassette scanned its interactions")


# the index --------------------------------------------------------------------------------------
@pytest.mark.slow  # builds 100,000 interactions: the fast loop's slowest test after the header sweep
def test_cassette_lookup_in_100000_interactions_uses_the_index():
    ok = answer({})
    cassette = Cassette(Interaction(req(path=f"/instances/{i}"), ok) for i in range(100_000))
    cassette.interactions = NoScan(cassette.interactions)
    started = time.perf_counter()
    for i in (99_999, 0, 54_321):
        index, found = hit(cassette.play(req(path=f"/instances/{i}")))
        assert index == i and found.request.path == f"/v1.0/1234/instances/{i}"
    assert time.perf_counter() - started < 0.5


def test_cassette_identical_requests_play_in_recorded_order():
    cassette = Cassette([Interaction(req(), answer({"status": s})) for s in ("BUILD", "BUILD", "ACTIVE")])
    played = [json.loads(hit(cassette.play(req()))[1].response.body)["status"] for _ in range(3)]
    assert played == ["BUILD", "BUILD", "ACTIVE"]
    miss = cassette.play(req())
    assert isinstance(miss, Miss) and miss.exhausted == 3
    assert cassette.all_played


def test_cassette_miss_names_the_closest_request_and_its_differences():
    cassette = Cassette(
        [
            Interaction(req("POST", body=b'{"instance": {"name": "a"}}'), answer({})),
            Interaction(req("GET", "/flavors"), answer({})),
        ]
    )
    miss = missed(cassette.play(req("POST", body=b'{"instance": {"name": "b"}}')))
    assert miss.closest == 0
    assert miss.differences == [("body", "$.instance.name: 'b' != recorded 'a'")]
    assert miss.message() == (
        "No recorded request matches POST /v1.0/1234/instances. Closest recorded request: "
        "#1 POST /v1.0/1234/instances; matchers that differed: body "
        "($.instance.name: 'b' != recorded 'a')."
    )


def test_cassette_miss_on_empty_recording_says_so():
    assert (
        missed(Cassette().play(req())).message() == "No recorded request matches GET /v1.0/1234/instances: "
        "the recording is empty."
    )


# matchers ---------------------------------------------------------------------------------------
REQUESTS = {
    "base": req("POST", "/instances", "a=1", b'{"x": 1}'),
    "method": req("PUT", "/instances", "a=1", b'{"x": 1}'),
    "path": req("POST", "/backups", "a=1", b'{"x": 1}'),
    "query": req("POST", "/instances", "a=2", b'{"x": 1}'),
    "body": req("POST", "/instances", "a=1", b'{"x": 2}'),
}


@pytest.mark.parametrize("changed", ["method", "path", "query", "body"])
def test_matchers_each_fails_only_on_its_own_part(changed):
    found = differences(REQUESTS["base"], REQUESTS[changed], tuple(MATCHERS))
    assert [name for name, _ in found] == [changed]


def test_matchers_every_pair_of_different_requests_differs():
    for a, b in itertools.permutations(REQUESTS, 2):
        assert differences(REQUESTS[a], REQUESTS[b], tuple(MATCHERS)), (a, b)


def test_matchers_body_ignores_key_order_spacing_and_secrets():
    recorded = req(
        "POST",
        body=b'{"auth": {"passwordCredentials": {"username": "demo", '
        b'"password": "<<password-1>>"}, "tenantId": "1234"}}',
    )
    incoming = req(
        "POST", body=b'{"auth":{"tenantId":"1234","passwordCredentials":{"password":"s3cret","username":"demo"}}}'
    )
    assert differences(recorded, incoming, ("body",)) == []


def test_matchers_query_ignores_parameter_order():
    assert differences(req(query="a=1&b=2"), req(query="b=2&a=1"), ("query",)) == []


def test_validate_match_on_unknown_matcher_lists_the_valid_ones():
    with pytest.raises(ValueError, match="unknown matcher\\(s\\) host: choose from method, path, query, body"):
        validate_match_on("method,host")


def test_validate_record_mode_unknown_mode_lists_the_valid_ones():
    assert validate_record_mode("new_episodes") is RecordMode.NEW_EPISODES
    with pytest.raises(ValueError, match="unknown record mode 'any': choose from once, new_episodes, none, all"):
        validate_record_mode("any")


# secrets ----------------------------------------------------------------------------------------
def login(password: str, token: str) -> Interaction:
    body = json.dumps({"auth": {"passwordCredentials": {"username": "demo", "password": password}}}).encode()
    return Interaction(
        RecordedRequest("POST", "http://h/v2.0/tokens", (("Content-Type", "application/json"),), body),
        answer({"access": {"token": {"id": token}, "serviceCatalog": []}}),
    )


def call(token: str) -> Interaction:
    return Interaction(req(headers=[("X-Auth-Token", token)]), answer({"instances": []}))


def test_scrub_gives_each_secret_one_stable_placeholder():
    secrets = SecretMap()
    first = scrub(login("pw-one-1", "tok-aaaa"), secrets)
    second = scrub(call("tok-aaaa"), secrets)
    third = scrub(login("pw-one-1", "tok-bbbb"), secrets)
    assert json.loads(first.request.body)["auth"]["passwordCredentials"]["password"] == "<<password-1>>"
    assert json.loads(first.response.body)["access"]["token"]["id"] == "<<token-1>>"
    assert second.request.header("X-Auth-Token") == "<<token-1>>"
    assert json.loads(third.request.body)["auth"]["passwordCredentials"]["password"] == "<<password-1>>"
    assert json.loads(third.response.body)["access"]["token"]["id"] == "<<token-2>>"


def test_scrub_keeps_the_body_bytes_apart_from_the_secret():
    raw = b'{"users": [{"name": "app", "password": "S3cret-pw"}],\n  "other": "kept  as is"}'
    scrubbed = scrub(Interaction(req("POST", body=raw), answer({})), SecretMap())
    assert scrubbed.request.body == raw.replace(b"S3cret-pw", b"<<password-1>>")


def test_scrub_replaces_a_short_secret_by_field_not_in_free_text():
    raw = b'{"user": {"name": "pw", "password": "pw"}}'
    scrubbed = scrub(Interaction(req("POST", body=raw), answer({})), SecretMap())
    assert json.loads(scrubbed.request.body) == {"user": {"name": "pw", "password": "<<password-1>>"}}


def test_restore_response_puts_back_learned_values_and_hands_out_new_ones():
    secrets = SecretMap()
    recorded = scrub(login("pw-two-2", "tok-cccc"), secrets)
    playback = SecretMap()
    bind_secrets(recorded.request, login('new"pw', "ignored").request, playback)
    assert playback.values["<<password-1>>"] == 'new"pw'
    restored = restore_response(recorded.response, playback, lambda kind: f"fresh-{kind}")
    assert json.loads(restored.body)["access"]["token"]["id"] == "fresh-token"
    escaped = restore_response(answer(b'{"p": "<<password-1>>"}'), playback, lambda kind: "x")
    assert json.loads(escaped.body) == {"p": 'new"pw'}


def test_point_catalog_at_rewrites_every_endpoint_origin_and_reports_routes():
    body: dict[str, Any] = {
        "access": {
            "serviceCatalog": [
                {
                    "type": "rax:database",
                    "endpoints": [{"publicURL": "https://ord.db.example/v1.0/1234", "region": "ORD"}],
                }
            ]
        }
    }
    rewritten, routes = point_catalog_at(body, "http://127.0.0.1:9000")
    assert isinstance(rewritten, dict)
    assert rewritten["access"]["serviceCatalog"][0]["endpoints"][0]["publicURL"] == "http://127.0.0.1:9000/v1.0/1234"
    assert routes == {"/v1.0/1234": "https://ord.db.example"}
    assert body["access"]["serviceCatalog"][0]["endpoints"][0]["publicURL"].startswith("https://ord")


# HAR files --------------------------------------------------------------------------------------
def test_har_write_then_read_keeps_every_byte(tmp_path):
    path = str(tmp_path / "x.har")
    binary = Interaction(
        req("PUT", body=b"\xff\x00raw"),
        RecordedResponse(201, "Created", (("X-A", "1"),), b"\x89PNG\x00"),
        started="2014-02-13T21:47:17.000Z",
        time_ms=3.5,
        meta={"route": "x"},
    )
    text = Interaction(req(query="limit=1&marker=a%20b"), answer(b'{\n  "a": "\\u00e9 \xc3\xa9"\n}'))
    har.write_har(path, [binary, text], {"recorded_by": "test"})
    interactions, meta = har.read_har(path)
    assert interactions == [binary, text]
    assert interactions[0].meta == {"route": "x"} and meta["recorded_by"] == "test"
    with open(path, encoding="utf-8") as fh:
        document = json.load(fh)
    assert document["log"]["version"] == "1.2"
    entry = document["log"]["entries"][0]
    assert entry["response"]["content"]["encoding"] == "base64"
    assert {"startedDateTime", "time", "request", "response", "cache", "timings"} <= set(entry)


def test_har_write_failing_midway_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    path = str(tmp_path / "x.har")
    har.write_har(path, [call("t")])
    before = Path(path).read_text(encoding="utf-8")

    def broken_fsync(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        har.write_har(path, [call("t"), call("u")])
    assert Path(path).read_text(encoding="utf-8") == before
    assert os.listdir(tmp_path) == ["x.har"]


def test_har_read_rejects_a_file_without_a_log(tmp_path):
    path = tmp_path / "bad.har"
    path.write_text('{"entries": []}')
    with pytest.raises(har.HarError, match="not a HAR file: no 'log' object"):
        har.read_har(str(path))


def test_cassette_save_reuses_encoded_entries_and_stays_valid(tmp_path):
    path = str(tmp_path / "c.har")
    cassette = Cassette(path=path)
    for n in range(3):
        cassette.append(Interaction(req(path=f"/instances/{n}"), answer({"n": n})), played=True)
        cassette.save()
    interactions, _ = har.read_har(path)
    assert [i.request.path for i in interactions] == [f"/v1.0/1234/instances/{n}" for n in range(3)]
