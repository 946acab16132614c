"""The bad input sweep: every malformed request gets a 4xx fault body and changes nothing."""

from __future__ import annotations

import copy
import io
import json

import jsonschema
import pytest
from reliability.helpers import SHARED, account_slice, body_for, fill, owners, snapshot, v1_routes
from reliability.hostile import HEADER_NAMES, HEADER_VALUES, RawClient, hostile_bodies
from support import ACCOUNT, TOKEN, assert_fault
from yarl import URL

from simulator.app import describe_api
from simulator.backend.identity import BAD_TOKEN
from simulator.control.access import REFUSED
from simulator.errors import FAULT_NAMES
from simulator.http import HEALTH_PATH
from simulator.keys import CONFIG, JOURNAL
from simulator.pipeline.body import NOT_JSON

OTHER, OTHER_TOKEN = "bravo-acct", "bravo-token"
DOCUMENT = describe_api().document
MALFORMED = [
    b'{"instance": ',
    b"\xff\xfe\x00{",
    b"[" * 50000,
    b'{"a": 1}}',
    b"{'single': 'quotes'}",
    b"\x00",
    b'{"a": tru}',
]
WRONG_TYPES = [None, True, 0, -1, 2.5, "", "text", [], [1], {}, {"k": "v"}]
CONTROL_CHARS = ["\x00", "db\x07bell", "line\nbreak", "\x1b[31mred", "tab\there", "del\x7f"]
UNICODE = ["naïve", "名前", "\u202edb", "emoji😀", "zero\u200bwidth", "ｆｕｌｌ"]
#: Hostile path segments, as a client sends them (spaces percent-encoded; a raw space is not HTTP at all).
EVIL_IDS = [
    "..",
    "../..",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "..%2f..%2fbravo-acct%2finstances",
    "1'%20OR%20'1'='1",
    "1%27%20OR%20%271%27%3D%271",
    "x;%20DROP%20TABLE%20instances;%20--",
    "%00",
    "%2500",
    "*",
    "%25",
    "%2F",
    "\\..\\..",
    "null",
    "-1",
    "9" * 40,
]


def doc_operations() -> dict[str, tuple[str, str, dict]]:
    """operationId -> (method, path, request body schema) for every documented operation with a JSON body."""
    schemas = DOCUMENT["components"]["schemas"]
    out = {}
    for path, item in DOCUMENT["paths"].items():
        for method, op in item.items():
            ref = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            ref = ref["oneOf"][0] if "oneOf" in ref else ref  # an instance create (not a replica create)
            if "$ref" in ref:
                out[op["x-route-name"]] = (method.upper(), path, schemas[ref["$ref"].rsplit("/", 1)[-1]])
    return out


def write_calls(app, ids: dict) -> list[tuple[str, str, str, dict]]:
    """(route, method, path, valid body) for every /v1.0/ write that takes a body, and the token call."""
    calls = [
        (name, method, fill(template, {**SHARED, **ids}), body_for(name, ids))
        for name, method, template in v1_routes(app)
        if body_for(name, ids) is not None
    ]
    calls.append(
        (
            "create_token",
            "POST",
            "/v2.0/tokens",
            {"auth": {"passwordCredentials": {"username": "demo", "password": "demo-password"}}},
        )
    )
    return calls


def assert_4xx_fault(status: int, body, what: object) -> None:
    assert 400 <= status < 500, (what, status, body)
    assert isinstance(body, dict) and list(body) == [FAULT_NAMES[status]], (what, body)
    inner = body[FAULT_NAMES[status]]
    assert inner["code"] == status and isinstance(inner["message"], str) and inner["message"], (what, body)


async def send_raw(api, method: str, path: str, data: bytes, content_type: str = "application/json"):
    resp = await api.client.request(
        method, api.url(path), data=io.BytesIO(data), headers={"X-Auth-Token": TOKEN, "Content-Type": content_type}
    )
    text = await resp.text()
    return resp.status, json.loads(text) if text else None


def leaves(value, path=()):
    """Every position in a JSON value (the root included), as key paths."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from leaves(item, (*path, i))


def replaced(value, path, new):
    if not path:
        return new
    out = copy.deepcopy(value)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = new
    return out


def dropped(value, path):
    out = copy.deepcopy(value)
    node = out
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return out


@pytest.fixture
async def world(api, populated):
    a = await populated(api, "alpha")
    api.backend.identity.create_account(OTHER, token=OTHER_TOKEN)
    b = await populated(api.as_account(OTHER, OTHER_TOKEN), "bravo")
    return {"a": a, "b": b, "before": snapshot(api.backend.store.db)}


def assert_unchanged(api, world) -> None:
    assert snapshot(api.backend.store.db) == world["before"]


#: Control calls whose body need not be JSON (a scenario may also come as YAML text, so another content type is no
#: 415): test_bad_input_scenario_load_reads_its_body_through_body_py covers their JSON through simulator/body.py.
OWN_PARSERS = {"sim_load_scenario"}


def body_calls(app, ids: dict, *, own_parsers: bool = False) -> list[tuple[str, str, str, dict]]:
    """Every call that takes a JSON body: the API's writes, identity, and the control plane's (/_sim/)."""
    return [call for call in write_calls(app, ids) + control_calls(ids) if own_parsers or call[0] not in OWN_PARSERS]


async def test_bad_input_malformed_json_is_bad_request(api, world):
    calls = body_calls(api.app, world["a"])
    for _name, method, path, _ in calls:
        for data in MALFORMED:
            assert_fault(await send_raw(api, method, path, data), "badRequest", 400, NOT_JSON)
    assert len(calls) >= 24 and {"create_token", "sim_create_account", "sim_reset"} <= {c[0] for c in calls}
    assert_unchanged(api, world)
    assert not api.app[JOURNAL].handler_errors


async def test_bad_input_wrong_content_type_is_bad_media_type(api, world):
    for _name, method, path, body in body_calls(api.app, world["a"]):
        for content_type in (
            "text/plain",
            "application/xml",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "text/html; charset=utf-8",
        ):
            status, answer = await send_raw(api, method, path, json.dumps(body).encode(), content_type)
            assert_fault(
                (status, answer),
                "badMediaType",
                415,
                f"Unsupported Content-Type '{content_type.split(';')[0]}': send application/json.",
            )
    assert_unchanged(api, world)


async def test_bad_input_huge_body_is_over_limit(api, world):
    max_size = api.app[CONFIG].max_body_size
    huge = b'{"x": "' + b"a" * max_size + b'"}'
    for _name, method, path, _ in body_calls(api.app, world["a"], own_parsers=True):
        assert_fault(
            await send_raw(api, method, path, huge),
            "overLimit",
            413,
            f"Request body is too large (the limit is {max_size} bytes).",
        )
    assert_unchanged(api, world)


async def test_bad_input_wrong_types_in_every_field(api, world):
    """Each field of each body, in turn: every JSON type the document does not allow there, and absent."""
    operations = doc_operations()
    sent = 0
    for name, method, path, body in write_calls(api.app, world["a"]):
        validator = jsonschema.Draft202012Validator(operations[name][2])
        assert validator.is_valid(body), (name, body)
        for position in leaves(body):
            variants = [replaced(body, position, wrong) for wrong in WRONG_TYPES]
            if position:
                variants.append(dropped(body, position))
            for variant in variants:
                if validator.is_valid(variant):
                    continue  # still a body the document accepts: not bad input
                status, answer, _ = await api.call(method, path, json=variant)
                assert_4xx_fault(status, answer, f"{name} {json.dumps(variant)}")
                sent += 1
    assert sent >= 400, sent
    assert_unchanged(api, world)


async def test_bad_input_huge_numbers(api, world):
    a = world["a"]
    instance, schedule = a["instance_id"], a["schedule_id"]
    huge = [10**30, 2**63, 2**64 + 1, -(10**30), -(2**63) - 1, 1e308, -1e308]
    cases = []
    for n in [*huge, 0]:  # 0 is no size and no flavor
        cases += [
            ("POST", "/instances", {"instance": {"name": "n", "flavorRef": 1, "volume": {"size": n}}}),
            ("POST", "/instances", {"instance": {"name": "n", "flavorRef": n, "volume": {"size": 1}}}),
            ("POST", f"/instances/{instance}/action", {"resize": {"volume": {"size": n}}}),
            ("POST", f"/instances/{instance}/action", {"resize": {"flavorRef": n}}),
        ]
    for n in huge:
        cases += [
            ("POST", "/backups", {"backup": {"name": "n", "instance": instance, "incremental": n}}),
            ("PUT", f"/schedules/{schedule}", {"schedule": {"hour": n}}),
            ("PUT", f"/schedules/{schedule}", {"schedule": {"day_of_week": n}}),
            ("PUT", f"/schedules/{schedule}", {"schedule": {"full_backup_retention": n}}),
        ]
    for method, path, body in cases:
        status, answer, _ = await api.call(method, path, json=body)
        assert_4xx_fault(status, answer, f"{method} {path} {body}")
    for raw in (
        b'{"instance": {"name": "n", "flavorRef": 1, "volume": {"size": Infinity}}}',
        b'{"instance": {"name": "n", "flavorRef": NaN, "volume": {"size": 1}}}',
        b'{"instance": {"name": "n", "flavorRef": "1e999", "volume": {"size": 1}}}',
        b'{"instance": {"name": "n", "flavorRef": 1, "volume": {"size": 1' + b"0" * 5000 + b"}}}",
    ):
        status, answer = await send_raw(api, "POST", "/instances", raw)
        assert_4xx_fault(status, answer, raw[:80])
    for seconds in (b"1e308", b"Infinity", b"NaN", b"1" + b"0" * 400, b"-1"):
        status, answer = await send_raw(api, "POST", "/_sim/clock/advance", b'{"seconds": ' + seconds + b"}")
        expected = "'seconds' must be a number >= 0." if seconds in (b"NaN", b"-1") else "cannot move the clock"
        assert_fault((status, answer), "badRequest", 400, contains=expected)
    for path in ("/flavors/" + "9" * 40, "/flavors/1e999", "/flavors/inf", "/flavors/nan"):
        flavor = path.rsplit("/", 1)[1]
        assert_fault(await api.get(path), "itemNotFound", 404, f"Resource {flavor} cannot be found.")
    assert_unchanged(api, world)


async def test_bad_input_huge_numbers_in_paging_are_refused_or_capped(api, world):
    """A limit above the page size is capped; one beyond any integer SQLite holds is refused, as is a huge or
    negative marker offset; never a 5xx."""
    instance = world["a"]["instance_id"]
    for path in (
        "/instances",
        f"/instances/{instance}/databases",
        f"/instances/{instance}/users",
        "/backups",
        f"/instances/{instance}/backups",
    ):
        for query in ("limit=1000", "limit=0", "limit=-5"):
            status, body, _ = await api.get(f"{path}?{query}")
            assert status == 200, (path, query, body)
        for query in ("limit=" + "9" * 30, "limit=" + str(2**63), "limit=-" + "9" * 30):
            number = query.removeprefix("limit=")
            assert_fault(
                await api.get(f"{path}?{query}"),
                "badRequest",
                400,
                f"Query parameter 'limit' is out of range: {number}.",
            )
        assert_fault(
            await api.get(f"{path}?limit=abc"),
            "badRequest",
            400,
            "Query parameter 'limit' must be an integer, not 'abc'.",
        )
        assert_fault(
            await api.get(f"{path}?limit=1.5"),
            "badRequest",
            400,
            "Query parameter 'limit' must be an integer, not '1.5'.",
        )
    for marker in ("9" * 30, str(2**63), "-1", "abc"):
        assert_fault(
            await api.get(f"/backups?marker={marker}"),
            "badRequest",
            400,
            f"Invalid marker '{marker}': backups are paged with a non-negative integer offset.",
        )
    assert_unchanged(api, world)


async def test_bad_input_unicode_and_control_characters_in_names(api, world):
    instance = world["a"]["instance_id"]
    cases = []
    for name in CONTROL_CHARS + UNICODE:
        cases += [
            ("POST", f"/instances/{instance}/databases", {"databases": [{"name": name}]}),
            ("POST", f"/instances/{instance}/users", {"users": [{"name": name, "password": "pw-1"}]}),
            ("POST", f"/instances/{instance}/users", {"users": [{"name": "okname", "password": "pw-1", "host": name}]}),
            ("PUT", f"/instances/{instance}/users/{world['a']['user']}", {"user": {"name": name}}),
            ("PUT", f"/instances/{instance}/users/{world['a']['user']}", {"user": {"host": name}}),
            (
                "POST",
                "/instances",
                {"instance": {"name": "n", "flavorRef": 1, "volume": {"size": 1}, "databases": [{"name": name}]}},
            ),
        ]
    for name in ["\x00", "\x00\x01\x02", "名前", "😀", "\u202e", "  ", "—"]:  # no ASCII letter or digit at all
        cases += [
            ("POST", "/instances", {"instance": {"name": name, "flavorRef": 1, "volume": {"size": 1}}}),
            ("PATCH", f"/instances/{instance}", {"instance": {"name": name}}),
            ("POST", "/backups", {"backup": {"name": name, "instance": instance}}),
        ]
    for method, path, body in cases:
        status, answer, _ = await api.call(method, path, json=body)
        assert_4xx_fault(status, answer, f"{method} {path} {body!r}")
    assert_unchanged(api, world)


async def test_bad_input_sql_metacharacters_in_names(api, world):
    instance = world["a"]["instance_id"]
    for name in ("x'; DROP TABLE databases; --", 'a" OR "1"="1', "a`b", "a;b", "a,b", "a/b", "a\\b"):
        for method, path, body in [
            ("POST", f"/instances/{instance}/databases", {"databases": [{"name": name}]}),
            ("POST", f"/instances/{instance}/users", {"users": [{"name": name, "password": "pw-1"}]}),
            ("POST", f"/instances/{instance}/users", {"users": [{"name": "okname", "password": name}]}),
            ("PUT", f"/instances/{instance}/users/{world['a']['user']}/databases", {"databases": [{"name": name}]}),
        ]:
            status, answer, _ = await api.call(method, path, json=body)
            assert_4xx_fault(status, answer, f"{method} {path} {body!r}")
    assert_unchanged(api, world)


async def test_bad_input_free_text_names_are_stored_exactly(api, world):
    """Instance and backup names are free text: metacharacters, unicode and controls are kept verbatim."""
    names = [
        "x'); DROP TABLE instances; --",
        "名前 db1 😀",
        "tab\there 1",
        "a\x00b1",
        "%s %d {0} 1",
        "../../etc/passwd1",
    ]
    for name in names:
        status, body, _ = await api.patch(f"/instances/{world['a']['instance_id']}", {"instance": {"name": name}})
        assert status == 202, body
        shown = (await api.get(f"/instances/{world['a']['instance_id']}"))[1]["instance"]["name"]
        assert shown == name
    tables = {r["name"] for r in api.backend.store.db.query("select name from sqlite_master where type='table'")}
    assert {"instances", "databases", "db_users", "backups", "journal"} <= tables
    assert snapshot(api.backend.store.db, OTHER) == snapshot_of(api, world["before"], world["b"])


def snapshot_of(api, full: dict, owner: dict) -> dict:
    """The slice of a full snapshot that belongs to one account (what snapshot(db, account) returns)."""
    return account_slice(full, owners(api.backend.store.db), owner["account_id"])


async def test_bad_input_path_traversal_and_sql_in_ids(api, world):
    """Each id slot of each route, in turn, holds a hostile value: a fault, nothing changed, nothing of B's.

    Dot segments are resolved by the server as RFC 3986 says; such a request may reach another route, and then
    it answers exactly what a plain GET of the resolved path answers (and never a write).
    """
    a, b = world["a"], world["b"]
    sent = resolved = 0
    for name, method, template in v1_routes(api.app):
        slots = [
            k
            for k in (
                "instance_id",
                "user",
                "name",
                "backup_id",
                "schedule_id",
                "flavor_id",
                "datastore_id",
                "version_id",
                "configuration_id",
                "parameter",
                "ha_id",
                "address",
            )
            if f"{{{k}}}" in template
        ]
        for slot in slots:
            for evil in EVIL_IDS:
                path = fill(template, {**SHARED, **a, slot: evil})
                status, answer, text = await send_encoded(api, method, path, body_for(name, a))
                for secret in b["names"]:  # B's account id is in the hostile values themselves, and is echoed
                    assert secret not in text, (path, text)
                sent += 1
                journal = api.app[JOURNAL]
                served = journal.entries(since=journal.last_seq() - 1)[-1]  # the newest entry (not all of them)
                if 400 <= status < 500:
                    assert_4xx_fault(status, answer, f"{method} {path}")
                    continue
                assert method == "GET" and served["path"] != path, (method, path, status, answer)
                assert await send_encoded(api, "GET", served["path"], None) == (status, answer, text)
                resolved += 1
    assert sent >= 500 and resolved < sent / 10, (sent, resolved)
    assert_unchanged(api, world)


async def send_encoded(api, method: str, path: str, body):
    """Send path exactly as written (no client-side normalisation); returns (status, JSON body, text)."""
    url = URL(str(api.client.make_url("/")).rstrip("/") + path, encoded=True)
    resp = await api.client.session.request(method, url, json=body, headers={"X-Auth-Token": TOKEN})
    text = await resp.text()
    return resp.status, json.loads(text) if text else None, text


async def test_bad_input_unsupported_method_is_bad_method_with_allow(api, world):
    """A method a path does not serve: 405 badMethod, and the Allow header lists the methods it does serve."""
    served: dict[str, set[str]] = {}
    for _name, method, template in v1_routes(api.app):
        served.setdefault(template, set()).add(method)
    checked = 0
    for template, methods in served.items():
        path = fill(template, {**SHARED, **world["a"]})
        for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - methods):
            status, body, resp = await api.call(method, path)
            assert_fault((status, body), "badMethod", 405, f"The method {method} is not allowed for this resource.")
            assert set(resp.headers["Allow"].split(",")) == methods, (path, resp.headers["Allow"])
            checked += 1
    assert checked >= 80
    assert_unchanged(api, world)


def control_calls(ids: dict) -> list[tuple[str, str, str, dict]]:
    """(route, method, path, valid body) for every /_sim/ call that takes a JSON body."""
    return [
        ("sim_advance_clock", "POST", "/_sim/clock/advance", {"seconds": 5}),
        ("sim_set_clock", "PUT", "/_sim/clock", {"now": "2030-01-01T00:00:00Z", "mode": "manual"}),
        (
            "sim_create_account",
            "POST",
            "/_sim/accounts",
            {
                "account_id": "newacct",
                "username": "nu",
                "api_key": "k",
                "password": "p",
                "role": "dbaas:admin",
                "token": "t",
                "rate_limits": False,
            },
        ),
        (
            "sim_check_login",
            "POST",
            f"/_sim/accounts/{ACCOUNT}/instances/{ids['instance_id']}/login",
            {"user": ids["user"], "password": "not-it"},
        ),
        ("sim_set_rate_limits", "PUT", f"/_sim/accounts/{ACCOUNT}/rate_limits", {"enabled": False}),
        (
            "sim_load_replay",
            "PUT",
            "/_sim/replay",
            {
                "path": "/nonexistent/recording.har",
                "mode": "strict",
                "match": ["method", "path"],
                "record_mode": "none",
                "allow_playback_repeats": False,
            },
        ),
        ("sim_change_replay", "PATCH", "/_sim/replay", {"mode": "strict"}),
        ("sim_reset", "POST", "/_sim/reset", {"seed": 1}),
        ("sim_set_ids", "PUT", "/_sim/ids", {"seed": 1}),
        ("sim_take_snapshot", "POST", "/_sim/snapshots", {"name": "s1", "account_id": ACCOUNT}),
        ("sim_seed_demo", "POST", "/_sim/demo", {"seed": 1, "accounts": 1, "instances": 0, "chains": 0, "weeks": 1}),
        ("sim_load_scenario", "POST", "/_sim/scenarios", {"name": "flaky_reads", "account_id": ACCOUNT}),
        (
            "sim_load_state",
            "PUT",
            "/_sim/state",
            {"format": "cdbsim-state", "version": 1, "account_id": ACCOUNT, "written_by": "cdbsim", "tables": {}},
        ),
    ]


async def test_bad_input_wrong_types_in_control_bodies(api, world):
    """The control plane's bodies get the same treatment: every type the document does not allow, in each field."""
    operations = doc_operations()
    documented = {
        op["x-route-name"] for item in DOCUMENT["paths"].values() for op in item.values() if op.get("requestBody")
    }
    calls = control_calls(world["a"])
    assert {c[0] for c in calls} == {r for r in documented if r.startswith("sim_")}
    sent = 0
    for name, method, path, body in calls:
        validator = jsonschema.Draft202012Validator(operations[name][2])
        assert validator.is_valid(body), (name, body)
        for position in leaves(body):
            variants = [replaced(body, position, wrong) for wrong in WRONG_TYPES]
            for variant in variants:
                if validator.is_valid(variant):
                    continue
                status, answer, _ = await api.call(method, path, json=variant)
                assert_4xx_fault(status, answer, f"{name} {json.dumps(variant)}")
                sent += 1
    assert sent >= 100, sent
    assert_unchanged(api, world)
    assert not api.app[JOURNAL].handler_errors


async def test_bad_input_lone_surrogate_in_a_name_password_or_token_is_bad_request(api, world):
    """JSON lets a string hold an escaped lone surrogate; no UTF-8 store can keep one, so it is a 400 that says so."""
    a = world["a"]
    message = "Malformed request body: the body holds a lone UTF-16 surrogate (\\ud800), which is not valid Unicode."
    cases = [
        ("POST", "/v2.0/tokens", rb'{"auth": {"passwordCredentials": {"username": "\ud800", "password": "p"}}}'),
        ("POST", "/v2.0/tokens", rb'{"auth": {"token": {"id": "\ud800"}, "tenantId": "1234"}}'),
        ("POST", "/instances", rb'{"instance": {"name": "db\ud800", "flavorRef": 1, "volume": {"size": 1}}}'),
        ("PATCH", f"/instances/{a['instance_id']}", rb'{"instance": {"name": "\ud800"}}'),
        ("POST", f"/instances/{a['instance_id']}/users", rb'{"users": [{"name": "u1", "password": "\ud800"}]}'),
        ("PUT", f"/instances/{a['instance_id']}/users/{a['user']}", rb'{"user": {"password": "x\ud800"}}'),
        (
            "POST",
            "/backups",
            b'{"backup": {"name": "b", "instance": "%s", "description": "\\ud800"}}' % a["instance_id"].encode(),
        ),
        ("POST", "/_sim/accounts", rb'{"account_id": "acct-x", "token": "\ud800"}'),
    ]
    for method, path, raw in cases:
        assert_fault(await send_raw(api, method, path, raw), "badRequest", 400, message)
    assert_unchanged(api, world)


async def test_bad_input_token_header_that_is_not_utf8_is_unauthorized(api, world):
    """aiohttp hands header bytes that are not UTF-8 on as lone surrogates: no token of ours, so Trove's 401."""
    client = RawClient(api.client.server.host, api.client.server.port)
    for value in (b"\xff\xfe", b"test-token\xed\xa0\x80", b"caf\xe9"):
        answer = await client.request("GET", f"/v1.0/{ACCOUNT}/instances", [("X-Auth-Token", value)])
        assert_fault(answer, "unauthorized", 401, BAD_TOKEN)
    await client.close()


def record_size(record_property, what: str, sent: int, unexpected: list) -> None:
    """Report the number of requests a generated sweep sent and its unexpected answers (-s shows the line)."""
    record_property("requests", sent)
    record_property("unexpected_5xx", sum(1 for u in unexpected if u[0] >= 500))
    print(f"\nsweep {what}: {sent} requests, {sum(1 for u in unexpected if u[0] >= 500)} unexpected 5xx")


async def assert_still_serving(api, world) -> None:
    """After the sweep: the server answers as before, nothing changed, no handler failed."""
    status, body, _ = await api.get("/flavors")
    assert status == 200 and body["flavors"], (status, body)
    assert_unchanged(api, world)
    assert not api.app[JOURNAL].handler_errors, api.app[JOURNAL].handler_errors[-1]


async def test_bad_input_generated_text_no_store_can_keep_in_every_string_field(api, world, record_property):
    """Each string field a request schema allows (present in a valid body or not), of the API, identity and the
    control plane, holds in turn a lone surrogate (escaped or encoded) or bytes that are not UTF-8, in its value
    and in its key: a 400 badRequest that says which, never a 5xx."""
    sent, unexpected = await send_hostile_bodies(api, body_calls(api.app, world["a"]))
    record_size(record_property, "of body text", sent, unexpected)
    assert not unexpected, (len(unexpected), unexpected[:5])
    assert sent >= 1500, sent
    await assert_still_serving(api, world)


async def send_hostile_bodies(api, calls) -> tuple[int, list]:
    """Send every hostile body of each call; (requests sent, the answers that were not body.py's 400)."""
    operations = doc_operations()
    sent, unexpected = 0, []
    for name, method, path, body in calls:
        for what, raw, hostile in hostile_bodies(operations[name][2], body):
            status, answer = await send_raw(api, method, path, raw)
            sent += 1
            good = (
                status == 400
                and isinstance(answer, dict)
                and list(answer) == ["badRequest"]
                and answer["badRequest"]["code"] == 400
                and answer["badRequest"]["message"] in hostile.messages
            )
            if not good:
                unexpected.append((status, name, what, answer))
    return sent, unexpected


async def test_bad_input_scenario_load_reads_its_body_through_body_py(api, world, record_property):
    calls = [c for c in control_calls(world["a"]) if c[0] in OWN_PARSERS]
    sent, unexpected = await send_hostile_bodies(api, calls)
    for name, method, path, _ in calls:
        for data in MALFORMED:
            status, answer = await send_raw(api, method, path, data)
            sent += 1
            if (status, answer) != (400, {"badRequest": {"code": 400, "message": NOT_JSON}}):
                unexpected.append((status, name, data[:40], answer))
    record_size(record_property, "of scenario load bodies", sent, unexpected)
    assert not unexpected, (len(unexpected), unexpected[:5])


def header_targets(ids: dict) -> list[tuple[str, str, str, bytes]]:
    """(route, method, target, body) for every documented GET, and every documented call with a body (sent a
    malformed one, so it is refused before it could change anything)."""
    values = {**SHARED, **ids, "configuration_id": "c-1", "ha_id": "h-1"}
    out = []
    for template, item in DOCUMENT["paths"].items():
        for method, op in item.items():
            target = fill(template, values) + ("?limit=1" if template.startswith("/_sim/journal") else "")
            if method == "get":
                out.append((op["x-route-name"], "GET", target, b""))
            elif op.get("requestBody"):
                out.append((op["x-route-name"], method.upper(), target, MALFORMED[0]))
    return out


#: Targets whose path or query percent-decodes to bytes that are not UTF-8 (or to a surrogate).
ODD_TARGETS = [
    f"/v1.0/{ACCOUNT}/instances/%FF",
    f"/v1.0/{ACCOUNT}/instances/%ED%A0%80",
    f"/v1.0/{ACCOUNT}/instances?marker=%FF",
    f"/v1.0/{ACCOUNT}/backups?marker=%ED%A0%80&limit=1",
    f"/v1.0/{ACCOUNT}/instances/%C0%AF/users",
    "/_sim/journal?account_id=%FF&limit=1",
    "/_sim/scenarios/%ED%A0%80",
    f"/v1.0/{ACCOUNT}/flavors?token=%FF",
]


@pytest.mark.slow  # about 7,000 requests: the fast loop's slowest test
async def test_bad_input_generated_header_bytes_on_every_route(api, world, record_property):
    """Every documented route (API, identity, /_sim/), with each header in turn holding bytes that are not UTF-8
    (aiohttp hands them on as lone surrogates): a token of that kind is a 401, any other header changes nothing,
    and nothing is ever a 5xx."""
    client = RawClient(api.client.server.host, api.client.server.port)
    good = [("X-Auth-Token", TOKEN.encode()), ("Content-Type", b"application/json")]
    sent, unexpected = 0, []
    for route, method, target, body in header_targets(world["a"]):
        baseline, _ = await client.request(method, target, good, body)
        sent += 1
        for name in HEADER_NAMES:
            for value in HEADER_VALUES:
                headers = [(k, v) for k, v in good if k != name] + [(name, value)]
                status, answer = await client.request(method, target, headers, body)
                sent += 1
                if name == "X-Auth-Token" and target.startswith(f"/v1.0/{ACCOUNT}/"):
                    ok = (status, answer) == (401, {"unauthorized": {"code": 401, "message": BAD_TOKEN}})
                elif name == "X-Forwarded-For" and target.startswith("/_sim/") and target != HEALTH_PATH:
                    # relayed: not loopback's own call (the health probe answers anyone)
                    ok = (status, answer) == (403, {"forbidden": {"code": 403, "message": REFUSED}})
                elif name == "Content-Type" and body:
                    ok = status < 500 and (status < 400 or list(answer or {}) == [FAULT_NAMES.get(status)])
                else:
                    ok = status == baseline
                if not ok or (status >= 500 and not status == baseline == 501):  # 501: a route not simulated
                    unexpected.append((status, route, f"{name}: {value!r} (baseline {baseline})", answer))
    for target in ODD_TARGETS:
        for headers in (good, [("X-Auth-Token", b"\xff"), ("User-Agent", b"\xed\xa0\x80")]):
            status, answer = await client.request("GET", target, headers)
            sent += 1
            if status >= 500 or (status >= 400 and list(answer or {}) != [FAULT_NAMES.get(status)]):
                unexpected.append((status, "odd target", target, answer))
    await client.close()
    record_size(record_property, "of header bytes", sent, unexpected)
    assert not unexpected, (len(unexpected), unexpected[:5])
    assert sent >= 3000, sent
    await assert_still_serving(api, world)
