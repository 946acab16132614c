"""The request body is parsed at most once, and gives the 400 and 415 faults in one place (simulator/body.py)."""

from __future__ import annotations

import json
import random
from types import SimpleNamespace

import pytest

from simulator.errors import BadMediaType, BadRequest, SimulatorError
from simulator.pipeline import body as body_module
from simulator.pipeline.body import (
    _MAY_HOLD_SURROGATE,
    LONE_SURROGATE,
    NO_BODY,
    NOT_JSON,
    RequestBody,
    _may_hold_surrogate,
)

JSON = "application/json"
MISSING = object()


def fault_of(body: RequestBody, content_type: str = JSON) -> tuple[str, int, str]:
    with pytest.raises(SimulatorError) as caught:
        body.json(content_type)
    return caught.value.fault, caught.value.status, caught.value.message


def surrogate_fault(escape: str) -> tuple[str, int, str]:
    return "badRequest", 400, LONE_SURROGATE.format(escape=escape)


def test_an_empty_body_is_none_and_never_parsed(monkeypatch):
    monkeypatch.setattr(body_module, "json", SimpleNamespace(loads=lambda raw: pytest.fail("parsed an empty body")))
    assert NO_BODY.json("text/plain") is None  # no content type is asked of a request without a body
    assert NO_BODY.value_or(MISSING) is MISSING
    assert RequestBody(b"").json(JSON) is None


def test_the_body_is_parsed_once_whoever_asks(monkeypatch):
    calls = []

    def counting_loads(raw):
        calls.append(raw)
        return json.loads(raw)

    monkeypatch.setattr(body_module, "json", SimpleNamespace(loads=counting_loads))
    body = RequestBody(b'{"instance": {"name": "db"}}')
    assert body.json(JSON) == {"instance": {"name": "db"}}
    assert body.value_or(MISSING) == {"instance": {"name": "db"}}
    assert body.json("application/vnd.api+json") == {"instance": {"name": "db"}}
    assert len(calls) == 1


def test_a_failed_parse_is_kept_too(monkeypatch):
    calls = []

    def counting_loads(raw):
        calls.append(raw)
        return json.loads(raw)

    monkeypatch.setattr(body_module, "json", SimpleNamespace(loads=counting_loads))
    body = RequestBody(b'{"a": tru}')
    for _ in range(3):
        assert fault_of(body) == ("badRequest", 400, NOT_JSON)
        assert body.value_or(MISSING) is MISSING
    assert len(calls) == 1


@pytest.mark.parametrize(
    "raw",
    [
        b'{"instance": ',
        b"\xff\xfe\x00{",
        b'{"a": "\xff"}',
        b'{"a": "\xc0\xaf"}',
        b"[" * 50000,
        b"[" * 3000 + b"]" * 3000,
        b'{"a": 1}}',
        b"\x00",
        b"1" * 5000,
    ],
)
def test_a_body_that_is_not_json_is_bad_request(raw):
    body = RequestBody(raw)
    assert fault_of(body) == ("badRequest", 400, NOT_JSON)
    assert body.value_or(MISSING) is MISSING


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "multipart/form-data", ""])
def test_a_body_of_another_content_type_is_bad_media_type(content_type):
    assert fault_of(RequestBody(b'{"a": 1}'), content_type) == (
        "badMediaType",
        415,
        f"Unsupported Content-Type '{content_type}': send application/json.",
    )


@pytest.mark.parametrize("content_type", [JSON, "application/octet-stream", "application/merge-patch+json"])
def test_json_content_types_are_accepted(content_type):
    assert RequestBody(b"[1]").json(content_type) == [1]


def test_the_content_type_is_checked_before_the_json():
    assert fault_of(RequestBody(b"not json"), "text/plain")[0] == "badMediaType"
    assert isinstance(BadMediaType("x"), SimulatorError) and isinstance(BadRequest("x"), SimulatorError)


@pytest.mark.parametrize(
    "raw, escape",
    [
        (rb'{"user": {"name": "\ud800"}}', "\\ud800"),
        (rb'{"user": {"password": "ok\udfffok"}}', "\\udfff"),
        (rb'{"user": {"name\udc80": "x"}}', "\\udc80"),  # in a key
        (rb'{"a": ["x", {"b": ["\uDBFF"]}]}', "\\udbff"),  # deep, upper-case hex
        (rb'{"a": "\ude00\ud83d"}', None),  # a pair in the wrong order: both are lone
        (rb'"\ud83d"', "\\ud83d"),  # a bare string
    ],
)
def test_a_lone_surrogate_is_bad_request(raw, escape):
    body = RequestBody(raw)
    fault, status, message = fault_of(body)
    assert (fault, status) == ("badRequest", 400)
    if escape is not None:
        assert message == LONE_SURROGATE.format(escape=escape)
    else:
        assert message in (LONE_SURROGATE.format(escape="\\ude00"), LONE_SURROGATE.format(escape="\\ud83d"))
    assert body.value_or(MISSING) == json.loads(raw)  # the journal and the fault rules still see what came


def test_the_lone_surrogate_message_reads_as_the_escape():
    message = fault_of(RequestBody(rb'{"a": "\ud800"}'))[2]
    assert message == (
        "Malformed request body: the body holds a lone UTF-16 surrogate (\\ud800), which is not valid Unicode."
    )


def test_a_surrogate_encoded_in_the_bytes_is_bad_request():
    """json.loads decodes bytes with "surrogatepass": a surrogate encoded as UTF-8 (CESU-8) would get through."""
    assert fault_of(RequestBody(b'{"a": "\xed\xa0\x80"}')) == surrogate_fault("\\ud800")
    cesu_pair = b'{"a": "\xed\xa0\xbd\xed\xb8\x80"}'  # a pair, each half encoded alone (CESU-8): not UTF-8
    assert fault_of(RequestBody(cesu_pair)) == surrogate_fault("\\ud83d")


def test_a_lone_surrogate_in_utf16_json_is_bad_request():
    raw = '{"name": "\\ud800"}'.encode("utf-16-le")
    assert fault_of(RequestBody(raw)) == surrogate_fault("\\ud800")


@pytest.mark.parametrize(
    "raw, value",
    [
        (rb'{"name": "\ud83d\ude00"}', {"name": "😀"}),  # a pair is one character
        (rb'{"name": "\\ud800"}', {"name": "\\ud800"}),  # an escaped backslash: text, not a surrogate
        ('{"name": "名前"}'.encode(), {"name": "名前"}),
        (rb'{"name": "\u00e9\ud7ff\ue000"}', {"name": "é\ud7ff\ue000"}),  # around the surrogate range
    ],
)
def test_text_that_is_unicode_is_accepted(raw, value):
    assert RequestBody(raw).json(JSON) == value


def test_the_shared_empty_body_never_changes():
    NO_BODY.json(JSON)
    NO_BODY.value_or(None)
    assert NO_BODY.raw == b"" and NO_BODY._parsed is body_module._UNPARSED and NO_BODY._problem is None
    with pytest.raises(AttributeError):
        NO_BODY.extra = 1  # type: ignore[attr-defined]


def test_the_surrogate_pre_check_agrees_with_the_pattern_on_every_body():
    """_may_hold_surrogate skips the pattern when none of its branches can start: the same verdict on bodies built
    from the bytes those branches are made of (and JSON's own), at every position."""
    pieces = [
        b"\\u",
        b"\\uD8",
        b"\\ud83d",
        b"\\udfff",
        b"\\u00e9",
        b"\xed",
        b"\xed\xa0\x80",
        b"\xed\x9f",
        b"\x00",
        b"{",
        b'"a"',
        b" ",
        b"D",
        b"u",
    ]
    draw = random.Random(25)
    for _ in range(5000):
        raw = b"".join(draw.choice(pieces) for _ in range(draw.randint(0, 8)))
        assert _may_hold_surrogate(raw) == (_MAY_HOLD_SURROGATE.search(raw) is not None), raw
