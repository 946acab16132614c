"""One list of secrets, applied to parsed data (every spelling of a key), header sets and query strings."""

from __future__ import annotations

import json
import random

import pytest

from simulator.pipeline.body import RequestBody
from simulator.pipeline.journal import body_json, part_json
from simulator.pipeline.redact import (
    _KEY_CHAR_ESCAPE,
    _SECRET_KEY,
    MASK,
    may_hold_secret,
    query_secrets,
    redact_headers,
    redact_query,
    redact_target,
    redacted,
)
from simulator.reference.secrets import SECRET_HEADERS, SECRET_KEYS
from simulator.replay import filters
from simulator.replay.har import Interaction, RecordedRequest, RecordedResponse


@pytest.mark.parametrize(
    "raw",
    [
        rb'{"auth": {"passwordCredentials": {"username": "u", "pass\u0077ord": "hunter2"}}}',
        rb'{"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": "u", "apiK\u0065y": "hunter2"}}}',
        rb'{"\u0074\u006f\u006b\u0065\u006e": "hunter2"}',
        rb'{"users": [{"name": "a", "\u0070assword": "hunter2"}]}',
        rb'{"api\u005fkey": "hunter2"}',
    ],
)
def test_escaped_key_spellings_are_masked_in_the_journal(raw):
    assert may_hold_secret(raw)
    stored = body_json(RequestBody(raw))
    assert "hunter2" not in stored and MASK in stored
    assert "hunter2" not in part_json({}, raw, is_json=True)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-8-sig"])
def test_a_body_in_another_unicode_encoding_is_parsed_and_masked(encoding):
    raw = '{"password": "hunter2", "name": "x"}'.encode(encoding)
    assert json.loads(body_json(RequestBody(raw))) == {"password": MASK, "name": "x"}


@pytest.mark.parametrize(
    "raw", [b'{"PASSWORD": 1}', b'{"Api-Key": 1}', b'{"X-Auth-TOKEN": 1}', b'{"ClientSecret": 1}', b'{"PwD": 1}']
)
def test_the_secret_pre_check_finds_keys_in_any_case(raw):
    assert may_hold_secret(raw)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"PassWord": "hunter2"}',
        b'{"Client-Secret": "hunter2"}',
        b'{"X-API-KEY": "hunter2"}',
        b'{"apiKey": "hunter2"}',
        b'{"AuthToken": "hunter2"}',
        b'{"passwordCredentials": {"username": "u"}}',
        b'{"AUTHORIZATION": "hunter2"}',
    ],
)
def test_the_secret_pre_check_finds_a_key_however_it_is_cased(raw):
    assert may_hold_secret(raw)
    assert "hunter2" not in body_json(RequestBody(raw))


def test_the_secret_pre_check_passes_a_page_of_plain_names():
    page = json.dumps({"databases": [{"name": f"DB{k:06d}"} for k in range(100)], "links": []}).encode()
    assert not may_hold_secret(page)


def test_text_json_dumps_escapes_never_looks_like_a_secret():
    """json.dumps escapes controls, quotes and non-ASCII, never a letter: a rendered answer is not parsed for them."""
    rendered = json.dumps({"name": '名前 "quoted" tab\t naïve é', "links": ["a/b"]}).encode()
    assert not may_hold_secret(rendered)


def test_a_body_without_a_secret_is_kept_as_it_came():
    raw = b'{"instance": {"name": "db",   "flavorRef": 1}}'
    assert not may_hold_secret(raw)
    assert body_json(RequestBody(raw)) == raw.decode()


def test_a_body_that_is_not_json_is_kept_as_text():
    assert json.loads(body_json(RequestBody(b"\xffnot json"))) == "\ufffdnot json"


def test_an_identity_answer_has_its_token_masked():
    answer = {"access": {"token": {"id": "tok-123", "expires": "x"}, "user": {"id": "u1"}}}
    masked, found = redacted(answer)
    assert found and masked["access"]["token"]["id"] == MASK and masked["access"]["user"]["id"] == "u1"


def test_secret_headers_are_masked_whatever_their_case():
    headers = {"X-Auth-Token": "t", "x-subject-token": "s", "Authorization": "a", "X-Auth-Key": "k", "Accept": "*/*"}
    assert redact_headers(headers) == {
        "X-Auth-Token": MASK,
        "x-subject-token": MASK,
        "Authorization": MASK,
        "X-Auth-Key": MASK,
        "Accept": "*/*",
    }


@pytest.mark.parametrize(
    "query, expected",
    [
        ("token=abc", "token=***"),
        ("limit=1&token=abc&marker=2", "limit=1&token=***&marker=2"),
        ("TOKEN=abc", "TOKEN=***"),
        ("%74oken=abc", "%74oken=***"),  # a percent-encoded name is the same parameter
        (
            "X-Auth-Token=abc&apiKey=k&api_key=k&password=p&adminPass=p&access_token=a&auth_token=a",
            "X-Auth-Token=***&apiKey=***&api_key=***&password=***&adminPass=***&access_token=***&auth_token=***",
        ),
        ("token=", "token="),
        ("token", "token"),
        ("tokens=abc", "tokens=abc"),
        ("", ""),
    ],
)
def test_secret_query_parameters_are_masked(query, expected):
    assert redact_query(query) == expected


def test_query_secrets_are_found_decoded():
    assert query_secrets("a=1&token=ab%2Fc&apiKey=k+1") == [("token", "ab/c"), ("apiKey", "k 1")]


def test_a_request_target_has_its_query_masked():
    assert redact_target("/v1.0/1/flavors?token=abc") == "/v1.0/1/flavors?token=***"
    assert redact_target("/v1.0/1/flavors") == "/v1.0/1/flavors"


def test_the_recorder_takes_its_secret_headers_from_the_one_list():
    assert "HEADER_KINDS" not in vars(filters) and "SECRET_HEADERS" not in vars(filters)
    assert filters.header_kind("X-Auth-Token") == SECRET_HEADERS["x-auth-token"]
    assert set(SECRET_KEYS.values()) <= {"password", "apiKey", "token", "authorization", "secret"}


def test_a_recording_gets_placeholders_for_query_secrets_and_escaped_keys():
    request = RecordedRequest(
        "POST",
        "http://h/v1.0/1/instances?token=tok-in-query&limit=1",
        (("Content-Type", "application/json"),),
        rb'{"users": [{"name": "u", "pass\u0077ord": "pw-escaped-1"}]}',
    )
    scrubbed = filters.scrub(Interaction(request, RecordedResponse(200, "OK", (), b"{}")), filters.SecretMap())
    assert scrubbed.request.url == "http://h/v1.0/1/instances?token=<<token-1>>&limit=1"
    assert b"pw-escaped-1" not in scrubbed.request.body and b"<<password-1>>" in scrubbed.request.body


#: Every spelling of a secret key the clients (and a careless one) use.
SPELLINGS = [
    "password",
    "Password",
    "PASSWORD",
    "adminPass",
    "adminpass",
    "admin_pass",
    "apiKey",
    "apikey",
    "api_key",
    "API-KEY",
    "x-api-key",
    "token",
    "Token",
    "auth_token",
    "secret",
    "client_secret",
    "credentials",
    "rootPassword",
    "RAX-KSKEY:apiKey",
    "passwd",
    "pwd",
]


@pytest.mark.parametrize("key", SPELLINGS)
@pytest.mark.parametrize("value", ["hunter2", ["hunter2"], {"v": "hunter2"}, 4817293561])
def test_every_spelling_and_every_value_type_is_masked_in_json(key, value):
    raw = json.dumps({"user": {"name": "n", key: value}}).encode()
    stored = body_json(RequestBody(raw))
    assert "hunter2" not in stored and "4817293561" not in stored
    assert json.loads(stored) == {"user": {"name": "n", key: MASK}}


@pytest.mark.parametrize("key", SPELLINGS)
@pytest.mark.parametrize(
    "template",
    [
        '{{"auth": {{"passwordCredentials": {{"username": "u", "{key}": "hunter2"',  # JSON cut short
        '{{"{key}": "hunter2", }}',  # a trailing comma
        "{{'{key}': 'hunter2'}}",  # Python's quotes
        '{{"{key}": ["hunter2", "x"], "name": ',
        '{{"{key}": 4817293561 oops',
        "username=u&{key}=hunter2",  # a form
        "{key}: hunter2\nname: x",  # YAML
    ],
)
def test_every_spelling_is_masked_in_text_that_is_not_json(key, template):
    stored = body_json(RequestBody(template.format(key=key).encode()))
    assert "hunter2" not in stored and "4817293561" not in stored and MASK in stored


@pytest.mark.parametrize("key", SPELLINGS)
def test_every_spelling_is_masked_in_a_query_and_a_header(key):
    assert redact_query(f"limit=1&{key}=hunter2") == f"limit=1&{key}={MASK}"
    assert "hunter2" not in json.dumps(redact_headers({key: "hunter2"}))


def test_names_that_merely_contain_a_secrets_name_are_kept():
    assert redacted({"username": "u", "passwordCredentials": {"username": "u"}, "tokens": 2, "name": "n"}) == (
        {"username": "u", "passwordCredentials": {"username": "u"}, "tokens": 2, "name": "n"},
        False,
    )


def test_a_recording_masks_a_body_that_is_not_json_with_placeholders():
    request = RecordedRequest(
        "POST",
        "http://h/v2.0/tokens",
        (("Content-Type", "application/x-www-form-urlencoded"),),
        b"username=u&Password=pw-in-form-1",
    )
    scrubbed = filters.scrub(Interaction(request, RecordedResponse(415, "X", (), b"{}")), filters.SecretMap())
    assert scrubbed.request.body == b"username=u&Password=<<password-1>>"


def test_the_secret_pre_check_gives_the_patterns_verdict_on_every_body():
    """may_hold_secret finds the pattern's words with substring tests: the same verdict as the pattern on bodies
    built from pieces of every branch, in any case, with a newline where api.?key allows any other byte."""
    pieces = [b"pa", b"ss", b"PASS", b"pwd", b"secret", b"api", b"API", b"_", b"\n", b"key", b"KEY", b"tok", b"en"]
    pieces += [b"credential", b"authoriz", b"AUTHORIZ", b'{"a": 1}', b"\\u0070", b"\\u00", b"x"]
    draw = random.Random(25)
    for _ in range(5000):
        raw = b"".join(draw.choice(pieces) for _ in range(draw.randint(0, 6)))
        expected = _SECRET_KEY.search(raw.lower()) is not None or (
            b"\\u00" in raw and _KEY_CHAR_ESCAPE.search(raw) is not None
        )
        assert may_hold_secret(raw) == expected, raw
