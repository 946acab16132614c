"""A replayed answer without placeholders is worked out once and sent as it is; one with placeholders is not."""

import json

from replay.replay_helpers import hit

from simulator.replay.cassette import Cassette
from simulator.replay.har import Interaction, RecordedRequest, RecordedResponse, parse_json
from simulator.replay.player import Plan, Player

URL = "http://localhost/v1.0/1234/instances/abc"


def interaction(body: bytes, token: str = "<<token-1>>") -> Interaction:
    return Interaction(
        request=RecordedRequest("GET", URL, headers=(("X-Auth-Token", token),)),
        response=RecordedResponse(
            200, "OK", headers=(("Content-Type", "application/json"), ("Content-Length", str(len(body)))), body=body
        ),
    )


def test_an_answer_without_placeholders_is_ready_once_without_hop_by_hop_headers():
    plan = Plan.of(interaction(b'{"instance": {"id": "abc"}}'))
    assert plan.binds and plan.json_body
    assert plan.answer is not None and plan.answer.headers == (("Content-Type", "application/json"),)


def test_an_answer_with_a_placeholder_is_restored_on_every_play():
    plan = Plan.of(interaction(b'{"instance": {"id": "abc", "password": "<<password-1>>"}}'))
    assert plan.answer is None and not plan.json_body


def test_a_request_without_placeholders_has_nothing_to_bind():
    assert not Plan.of(interaction(b"{}", token="literal")).binds


def test_repeated_plays_give_the_same_answer_and_learn_the_token():
    player = Player(Cassette([interaction(b'{"instance": {"id": "abc"}}')], allow_playback_repeats=True))
    incoming = RecordedRequest("GET", URL, headers=(("X-Auth-Token", "real-token"),))
    first, second = player.play(incoming, "http://localhost"), player.play(incoming, "http://localhost")
    assert first == second and hit(first)[1].body == b'{"instance": {"id": "abc"}}'
    assert player.secrets.value("<<token-1>>", lambda kind: "new") == "real-token"
    assert player.known_json(0)


def test_a_json_answer_is_checked_for_secret_fields_once_in_its_plan():
    assert Plan.of(interaction(b'{"instance": {"id": "abc"}}')).secret_free
    with_key = Plan.of(interaction(b'{"instance": {"id": "abc", "api_key": "x"}}'))
    assert with_key.json_body and not with_key.secret_free
    assert not Plan.of(interaction(b"not json")).secret_free


def test_a_played_answer_is_known_secret_free_and_unplayed_ones_are_not():
    player = Player(Cassette([interaction(b'{"instance": {"id": "abc"}}')], allow_playback_repeats=True))
    assert not player.known_secret_free(0)
    player.play(RecordedRequest("GET", URL, headers=(("X-Auth-Token", "real-token"),)), "http://localhost")
    assert player.known_secret_free(0)


def test_a_body_parses_exactly_when_json_would_parse_it():
    bodies = [b'{"a": [1, 2.5, -0, null, true]}', b"NaN", b'"\\ud800"', b"\xef\xbb\xbf{}", b"1e999", b'"\xff"']
    bodies += [b'{"a": 1,}', b"01", b'{"a": 1}x', b"", b"<html>", '{"a": "é"}'.encode("utf-16")]
    for raw in bodies:
        try:
            expected = json.loads(raw) if raw else None
        except ValueError:
            expected = None
        assert repr(parse_json(raw)) == repr(expected), raw


def test_a_plan_learns_until_its_header_placeholders_are_known_and_a_body_placeholder_always_may():
    plan = Plan.of(interaction(b"{}"))
    assert plan.header_placeholders == ("<<token-1>>",)
    assert plan.learns({}) and plan.learns({"<<token-2>>": "x"}) and not plan.learns({"<<token-1>>": "x"})
    assert not Plan.of(interaction(b"{}", token="literal")).learns({})
    in_body = Interaction(
        RecordedRequest("POST", URL, (("X-Auth-Token", "<<token-1>>"),), b'{"password": "<<password-1>>"}'),
        RecordedResponse(200, "OK", (), b"{}"),
    )
    plan = Plan.of(in_body)
    assert plan.header_placeholders is None and plan.learns({"<<token-1>>": "x", "<<password-1>>": "y"})


class _Unread(list):
    """Recorded interactions that fail when read (a replay that must not look at them)."""

    def __getitem__(self, i):
        raise AssertionError(f"interaction {i} was read")


def test_a_play_that_can_learn_nothing_more_answers_from_its_plan_without_reading_the_interaction():
    cassette = Cassette([interaction(b'{"instance": {"id": "abc"}}')], allow_playback_repeats=True)
    player = Player(cassette)
    incoming = RecordedRequest("GET", URL, headers=(("X-Auth-Token", "real-token"),))
    first = player.play(incoming, "http://localhost")
    cassette.interactions = _Unread(cassette.interactions)
    assert player.play(incoming, "http://localhost") == first
    assert player.secrets.values == {"<<token-1>>": "real-token"}
