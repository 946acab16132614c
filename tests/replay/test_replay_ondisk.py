"""A large recording is indexed where it lies: it plays, misses, saves and notes placeholders as one read whole."""

from __future__ import annotations

import json
import os

import pytest
from replay.replay_helpers import hit

from simulator.replay import har, ondisk
from simulator.replay.cassette import Cassette, Miss
from simulator.replay.filters import SecretMap
from simulator.replay.har import Interaction, RecordedRequest, RecordedResponse, RequestLine
from simulator.replay.matchers import MATCHERS, key_function
from simulator.replay.ondisk import DiskEntries

BASE = "http://127.0.0.1:8779/v1.0/1234"


def req(method="GET", path="/instances", query="", body=b"", headers=()) -> RecordedRequest:
    return RecordedRequest(method, f"{BASE}{path}" + (f"?{query}" if query else ""), tuple(headers), body)


def answer(body, status=200, headers=(("Content-Type", "application/json"),)) -> RecordedResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return RecordedResponse(status, "OK", tuple(headers), raw)


RECORDED = [
    Interaction(req(headers=(("X-Auth-Token", "<<token-1>>"),)), answer({"instances": []})),
    Interaction(req("POST", body=b'{"instance": {"name": "a", "flavorRef": 1}}'), answer({"instance": {"id": "1"}})),
    Interaction(req(path="/instances/1"), answer({"status": "BUILD"})),
    Interaction(req(path="/instances/1"), answer({"status": "ACTIVE"})),
    Interaction(req(query="limit=1&marker=a%20b"), answer({"page": 1})),
    Interaction(
        req("PUT", body=b"\xff\x00raw"), RecordedResponse(201, "Created", (("X-A", "<<password-3>>"),), b"\x89PNG\x00")
    ),
    Interaction(
        req("POST", "/tokens", body=b'{"auth": {"passwordCredentials": {"password": "<<password-2>>"}}}'),
        answer({"access": {"token": {"id": "<<token-1>>"}}}),
    ),
]
PLAYED = [
    req(),
    req("POST", body=b'{"instance": {"flavorRef": 1, "name": "a"}}'),
    req(path="/instances/1"),
    req(path="/instances/1"),
    req(path="/instances/1"),
    req(query="marker=a%20b&limit=1"),
    req("PUT", body=b"\xff\x00raw"),
    req(path="/instances/2"),
    req("DELETE", "/instances/1"),
    req("POST", body=b'{"instance": {"name": "b"}}'),
]


def outcome(played) -> object:
    return played.message() if isinstance(played, Miss) else played


@pytest.fixture
def recording(tmp_path) -> str:
    path = str(tmp_path / "big.har")
    har.write_har(path, RECORDED, {"recorded_by": "test"})
    return path


def both(path: str, **options) -> tuple[Cassette, Cassette]:
    whole = Cassette.load(path, on_disk_above=1 << 40, **options)
    on_disk = Cassette.load(path, on_disk_above=0, **options)
    assert isinstance(on_disk.interactions, DiskEntries) and not isinstance(whole.interactions, DiskEntries)
    return whole, on_disk


@pytest.mark.parametrize("match_on", [("method", "path", "query", "body"), ("method", "path")])
def test_on_disk_recording_plays_and_misses_like_one_read_whole(recording, match_on):
    whole, on_disk = both(recording, match_on=match_on)
    assert len(on_disk) == len(whole) == len(RECORDED)
    assert [outcome(on_disk.play(r)) for r in PLAYED] == [outcome(whole.play(r)) for r in PLAYED]
    assert on_disk.play_counts == whole.play_counts and on_disk.unplayed() == whole.unplayed()


def test_on_disk_recording_with_repeats_answers_with_the_last(recording):
    whole, on_disk = both(recording, allow_playback_repeats=True)
    again = [req(path="/instances/1")] * 4
    assert [outcome(on_disk.play(r)) for r in again] == [outcome(whole.play(r)) for r in again]


def test_on_disk_recording_gives_the_same_har_text_and_placeholders(recording):
    whole, on_disk = both(recording)
    assert on_disk.to_har() == whole.to_har()
    noted_whole, noted_disk = SecretMap(), SecretMap()
    whole.note_placeholders(noted_whole.note_existing)
    on_disk.note_placeholders(noted_disk.note_existing)
    assert noted_disk.counters == noted_whole.counters == {"token": 1, "password": 3}


def test_recording_into_an_on_disk_cassette_keeps_old_and_new_entries(recording):
    cassette = Cassette.load(recording, on_disk_above=0)
    added = Interaction(req(path="/flavors"), answer({"flavors": []}))
    cassette.append(added, played=True)
    cassette.save()  # replaces the file the entries are read from
    assert cassette.interactions[2].response.body == b'{"status": "BUILD"}'
    assert cassette.interactions[-1] == added
    assert har.read_har(recording)[0] == [*RECORDED, added]
    fresh = Cassette.load(recording, on_disk_above=0)
    assert hit(fresh.play(req(path="/flavors")))[0] == 7
    assert hit(fresh.play(req(path="/instances/1")))[0] == 2


def test_on_disk_recording_changed_in_place_is_a_clear_error(recording):
    cassette = Cassette.load(recording, on_disk_above=0)
    with open(recording, "a", encoding="utf-8") as fh:
        fh.write("\n")
    with pytest.raises(har.HarError, match="changed on disk since it was loaded: load the recording again"):
        cassette.play(req())


def test_recording_the_quick_reading_cannot_vouch_for_is_read_whole(tmp_path):
    escaped = tmp_path / "escaped.har"  # an escaped "<" may hide a placeholder from a byte search
    escaped.write_text(json.dumps(har.har_document([har.interaction_to_entry(RECORDED[0])])).replace("<", "\\u003c"))
    cassette = Cassette.load(str(escaped), on_disk_above=0)
    assert not isinstance(cassette.interactions, DiskEntries)
    noted = SecretMap()
    cassette.note_placeholders(noted.note_existing)
    assert noted.counters == {"token": 1}
    bad = tmp_path / "bad.har"
    bad.write_text('{"entries": []}')
    with pytest.raises(har.HarError, match="not a HAR file: no 'log' object"):
        Cassette.load(str(bad), on_disk_above=0)


def test_on_disk_recording_keeps_a_bounded_number_of_entries_in_memory(recording, monkeypatch):
    monkeypatch.setattr(ondisk, "KEEP", 2)
    cassette = Cassette.load(recording, on_disk_above=0)
    for i in range(len(RECORDED)):
        assert cassette.interactions[i] == RECORDED[i]
        assert isinstance(cassette.interactions, DiskEntries) and len(cassette.interactions._kept) <= 2


class _SameHash(tuple):
    """A match key that hashes like every other: what two different keys whose hashes collide look like."""

    def __hash__(self) -> int:
        return 7


def test_keys_that_hash_alike_are_told_apart_else_the_recording_is_read_whole(recording, tmp_path, monkeypatch):
    real = ondisk.key_function
    monkeypatch.setattr(ondisk, "key_function", lambda match_on: lambda r: _SameHash(real(match_on)(r)))
    match_on = ("method", "path", "query", "body")
    assert ondisk.scan_har(recording, match_on) is None  # different keys behind one hash: not indexed this way
    assert not isinstance(Cassette.load(recording, on_disk_above=0).interactions, DiskEntries)
    same = str(tmp_path / "same.har")  # two entries with one key (and so one hash): indexed on disk
    har.write_har(same, [RECORDED[2], RECORDED[3]])
    scan = ondisk.scan_har(same, match_on)
    assert scan is not None
    try:
        assert scan.index.positions(_SameHash()) == [0, 1]
    finally:
        os.close(scan.fd)


@pytest.mark.parametrize("match_on", [("method", "path", "query", "body"), ("method", "path"), ("body", "query")])
def test_a_request_line_has_the_match_key_each_matcher_gives_its_request(match_on):
    for request in [*PLAYED, *(i.request for i in RECORDED), req("get", "/a%2Fb", "x=1&x=", b"[1, 2]")]:
        line = RequestLine(request.method.upper(), request.path, request.query, request.body)
        expected = tuple(MATCHERS[name].key(request) for name in match_on)
        assert key_function(match_on)(line) == key_function(match_on)(request) == expected
