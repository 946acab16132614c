"""The bad input sweep: every malformed request gets a 4xx fault body and changes nothing."""
from __future__ import annotations

import copy
import json

import jsonschema
import pytest
from yarl import URL

from reliability.helpers import SHARED, body_for, fill, snapshot, v1_routes
from simulator.errors import FAULT_NAMES
from simulator.handlers.openapi import load_document
from simulator.keys import CONFIG, JOURNAL
from support import ACCOUNT, TOKEN, assert_fault

OTHER, OTHER_TOKEN = "bravo-acct", "bravo-token"
DOCUMENT = load_document()
MALFORMED = [b'{"instance": ', b"\xff\xfe\x00{", b"[" * 50000, b'{"a": 1}}', b"{'single': 'quotes'}", b"\x00",
             b'{"a": tru}']
WRONG_TYPES = [None, True, 0, -1, 2.5, "", "text", [], [1], {}, {"k": "v"}]
CONTROL_CHARS = ["\x00", "db\x07bell", "line\nbreak", "\x1b[31mred", "tab\there", "del\x7f"]
UNICODE = ["naïve", "名前", "\u202edb", "emoji😀", "zero\u200bwidth", "ｆｕｌｌ"]
#: Hostile path segments, as a client sends them (spaces percent-encoded; a raw space is not HTTP at all).
EVIL_IDS = ["..", "../..", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "..%2f..%2fbravo-acct%2finstances",
            "1'%20OR%20'1'='1", "1%27%20OR%20%271%27%3D%271", "x;%20DROP%20TABLE%20instances;%20--", "%00",
            "%2500", "*",
            "%25", "%2F", "\\..\\..", "null", "-1", "9" * 40]


def doc_operations() -> dict[str, tuple[str, str, dict]]:
    """operationId -> (method, path, request body schema) for every documented operation with a JSON body."""
    schemas = DOCUMENT["components"]["schemas"]
    out = {}
    for path, item in DOCUMENT["paths"].items():
        for method, op in item.items():
            ref = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            if "$ref" in ref:
                out[op["x-route-name"]] = (method.upper(), path, schemas[ref["$ref"].rsplit("/", 1)[-1]])
    return out


def write_calls(app, ids: dict) -> list[tuple[str, str, str, dict]]:
    """(route, method, path, valid body) for every /v1.0/ write that takes a body, and the token call.

    copy-backup is left out: it is not simulated and answers 501 without reading its body.
    """
    calls = [(name, method, fill(template, {**SHARED, **ids}), body_for(name, ids))
             for name, method, template in v1_routes(app)
             if body_for(name, ids) is not None and name != "backup_action"]
    calls.append(("create_token", "POST", "/v2.0/tokens",
                  {"auth": {"passwordCredentials": {"username": "demo", "password": "demo-password"}}}))
    return calls


def assert_4xx_fault(status: int, body, what: str) -> None:
    assert 400 <= status < 500, (what, status, body)
    assert isinstance(body, dict) and list(body) == [FAULT_NAMES[status]], (what, body)
    inner = body[FAULT_NAMES[status]]
    assert inner["code"] == status and isinstance(inner["message"], str) and inner["message"], (what, body)


async def send_raw(api, method: str, path: str, data: bytes, content_type: str = "application/json"):
    resp = await api.client.request(method, api.url(path), data=data,
                                    headers={"X-Auth-Token": TOKEN, "Content-Type": content_type})
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


async def test_bad_input_malformed_json_is_bad_request(api, world):
    calls = write_calls(api.app, world["a"])
    for name, method, path, _ in calls:
        for data in MALFORMED:
            assert_fault(await send_raw(api, method, path, data), "badRequest", 400,
                         "Malformed request body: the body is not valid JSON.")
    assert len(calls) >= 13
    assert_unchanged(api, world)


async def test_bad_input_wrong_content_type_is_bad_media_type(api, world):
    for name, method, path, body in write_calls(api.app, world["a"]):
        for content_type in ("text/plain", "application/xml", "application/x-www-form-urlencoded",
                             "multipart/form-data; boundary=x", "text/html; charset=utf-8"):
            status, answer = await send_raw(api, method, path, json.dumps(body).encode(), content_type)
            assert_fault((status, answer), "badMediaType", 415)
            assert content_type.split(";")[0] in answer["badMediaType"]["message"]
    assert_unchanged(api, world)


async def test_bad_input_huge_body_is_over_limit(api, world):
    max_size = api.app[CONFIG].max_body_size
    huge = b'{"x": "' + b"a" * max_size + b'"}'
    for name, method, path, _ in write_calls(api.app, world["a"]):
        assert_fault(await send_raw(api, method, path, huge), "overLimit", 413, "Request body is too large.")
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
    huge = [10 ** 30, 2 ** 63, 2 ** 64 + 1, -(10 ** 30), -(2 ** 63) - 1, 1e308, -1e308]
    cases = []
    for n in huge + [0]:  # 0 is no size and no flavor
        cases += [("POST", "/instances", {"instance": {"name": "n", "flavorRef": 1, "volume": {"size": n}}}),
                  ("POST", "/instances", {"instance": {"name": "n", "flavorRef": n, "volume": {"size": 1}}}),
                  ("POST", f"/instances/{instance}/action", {"resize": {"volume": {"size": n}}}),
                  ("POST", f"/instances/{instance}/action", {"resize": {"flavorRef": n}})]
    for n in huge:
        cases += [("POST", "/backups", {"backup": {"name": "n", "instance": instance, "incremental": n}}),
                  ("PUT", f"/schedules/{schedule}", {"schedule": {"hour": n}}),
                  ("PUT", f"/schedules/{schedule}", {"schedule": {"day_of_week": n}}),
                  ("PUT", f"/schedules/{schedule}", {"schedule": {"full_backup_retention": n}})]
    for method, path, body in cases:
        status, answer, _ = await api.call(method, path, json=body)
        assert_4xx_fault(status, answer, f"{method} {path} {body}")
    for raw in (b'{"instance": {"name": "n", "flavorRef": 1, "volume": {"size": Infinity}}}',
                b'{"instance": {"name": "n", "flavorRef": NaN, "volume": {"size": 1}}}',
                b'{"instance": {"name": "n", "flavorRef": "1e999", "volume": {"size": 1}}}',
                b'{"instance": {"name": "n", "flavorRef": 1, "volume": {"size": 1' + b"0" * 5000 + b"}}}"):
        status, answer = await send_raw(api, "POST", "/instances", raw)
        assert_4xx_fault(status, answer, raw[:80])
    for seconds in (b"1e308", b"Infinity", b"NaN", b"1" + b"0" * 400, b"-1"):
        status, answer = await send_raw(api, "POST", "/_sim/clock/advance", b'{"seconds": ' + seconds + b"}")
        assert_fault((status, answer), "badRequest", 400)
    for path in ("/flavors/" + "9" * 40, "/flavors/1e999", "/flavors/inf", "/flavors/nan"):
        assert_fault(await api.get(path), "itemNotFound", 404)
    assert_unchanged(api, world)


async def test_bad_input_huge_numbers_in_paging_are_refused_or_capped(api, world):
    """A limit above the page size is capped; one beyond any integer SQLite holds is refused, as is a huge or
    negative marker offset; never a 5xx."""
    instance = world["a"]["instance_id"]
    for path in ("/instances", f"/instances/{instance}/databases", f"/instances/{instance}/users", "/backups",
                 f"/instances/{instance}/backups"):
        for query in ("limit=1000", "limit=0", "limit=-5"):
            status, body, _ = await api.get(f"{path}?{query}")
            assert status == 200, (path, query, body)
        for query in ("limit=" + "9" * 30, "limit=" + str(2 ** 63), "limit=-" + "9" * 30):
            assert_fault(await api.get(f"{path}?{query}"), "badRequest", 400)
        assert_fault(await api.get(f"{path}?limit=abc"), "badRequest", 400)
        assert_fault(await api.get(f"{path}?limit=1.5"), "badRequest", 400)
    for marker in ("9" * 30, str(2 ** 63), "-1", "abc"):
        assert_fault(await api.get(f"/backups?marker={marker}"), "badRequest", 400)
    assert_unchanged(api, world)


async def test_bad_input_unicode_and_control_characters_in_names(api, world):
    instance = world["a"]["instance_id"]
    cases = []
    for name in CONTROL_CHARS + UNICODE:
        cases += [("POST", f"/instances/{instance}/databases", {"databases": [{"name": name}]}),
                  ("POST", f"/instances/{instance}/users", {"users": [{"name": name, "password": "pw-1"}]}),
                  ("POST", f"/instances/{instance}/users", {"users": [{"name": "okname", "password": "pw-1",
                                                                       "host": name}]}),
                  ("PUT", f"/instances/{instance}/users/{world['a']['user']}", {"user": {"name": name}}),
                  ("PUT", f"/instances/{instance}/users/{world['a']['user']}", {"user": {"host": name}}),
                  ("POST", "/instances", {"instance": {"name": "n", "flavorRef": 1, "volume": {"size": 1},
                                                       "databases": [{"name": name}]}})]
    for name in ["\x00", "\x00\x01\x02", "名前", "😀", "\u202e", "  ", "—"]:  # no ASCII letter or digit at all
        cases += [("POST", "/instances", {"instance": {"name": name, "flavorRef": 1, "volume": {"size": 1}}}),
                  ("PATCH", f"/instances/{instance}", {"instance": {"name": name}}),
                  ("POST", "/backups", {"backup": {"name": name, "instance": instance}})]
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
                ("PUT", f"/instances/{instance}/users/{world['a']['user']}/databases",
                 {"databases": [{"name": name}]})]:
            status, answer, _ = await api.call(method, path, json=body)
            assert_4xx_fault(status, answer, f"{method} {path} {body!r}")
    assert_unchanged(api, world)


async def test_bad_input_free_text_names_are_stored_exactly(api, world):
    """Instance and backup names are free text: metacharacters, unicode and controls are kept verbatim."""
    names = ["x'); DROP TABLE instances; --", "名前 db1 😀", "tab\there 1", "a\x00b1", "%s %d {0} 1",
             "../../etc/passwd1"]
    for name in names:
        status, body, _ = await api.patch(f"/instances/{world['a']['instance_id']}", {"instance": {"name": name}})
        assert status == 202, body
        shown = (await api.get(f"/instances/{world['a']['instance_id']}"))[1]["instance"]["name"]
        assert shown == name
    tables = {r["name"] for r in api.backend.store.db.query("select name from sqlite_master where type='table'")}
    assert {"instances", "databases", "db_users", "backups", "journal"} <= tables
    assert snapshot(api.backend.store.db, OTHER) == snapshot_of(world["before"], world["b"])


def snapshot_of(full: dict, owner: dict) -> dict:
    """The slice of a full snapshot that belongs to one account (what snapshot(db, account) returns)."""
    instances = [r for r in full["instances"] if r["account_id"] == owner["account_id"]]
    ids = {r["id"] for r in instances}
    by_id = lambda rows: sorted(rows, key=lambda r: r["id"])  # noqa: E731
    return {"instances": by_id(instances),
            "databases": [r for r in full["databases"] if r["instance_id"] in ids],
            "users": [r for r in full["db_users"] if r["instance_id"] in ids],
            "backups": by_id([r for r in full["backups"] if r["account_id"] == owner["account_id"]]),
            "schedules": by_id([r for r in full["schedules"] if r["account_id"] == owner["account_id"]])}


async def test_bad_input_path_traversal_and_sql_in_ids(api, world):
    """Each id slot of each route, in turn, holds a hostile value: a fault, nothing changed, nothing of B's.

    Dot segments are resolved by the server as RFC 3986 says; such a request may reach another route, and then
    it answers exactly what a plain GET of the resolved path answers (and never a write).
    """
    a, b = world["a"], world["b"]
    sent = resolved = 0
    for name, method, template in v1_routes(api.app):
        slots = [k for k in ("instance_id", "user", "name", "backup_id", "schedule_id", "flavor_id",
                             "datastore_id", "version_id") if f"{{{k}}}" in template]
        for slot in slots:
            for evil in EVIL_IDS:
                path = fill(template, {**SHARED, **a, slot: evil})
                status, answer, text = await send_encoded(api, method, path, body_for(name, a))
                for secret in b["names"]:  # B's account id is in the hostile values themselves, and is echoed
                    assert secret not in text, (path, text)
                sent += 1
                served = api.app[JOURNAL].entries()[-1]
                if 400 <= status < 500 or status == 501 and name in ("instance_configuration", "list_replicas"):
                    assert_4xx_fault(status, answer, f"{method} {path}") if status != 501 else None
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
    for name, method, template in v1_routes(api.app):
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
        ("sim_create_account", "POST", "/_sim/accounts", {"account_id": "newacct", "username": "nu", "api_key": "k",
                                                          "password": "p", "role": "dbaas:admin", "token": "t",
                                                          "rate_limits": False}),
        ("sim_check_login", "POST", f"/_sim/accounts/{ACCOUNT}/instances/{ids['instance_id']}/login",
         {"user": ids["user"], "password": "not-it"}),
        ("sim_set_rate_limits", "PUT", f"/_sim/accounts/{ACCOUNT}/rate_limits", {"enabled": False}),
        ("sim_load_replay", "PUT", "/_sim/replay", {"path": "/nonexistent/recording.har", "mode": "strict",
                                                    "match": ["method", "path"], "record_mode": "none",
                                                    "allow_playback_repeats": False}),
        ("sim_change_replay", "PATCH", "/_sim/replay", {"mode": "strict"}),
        ("sim_reset", "POST", "/_sim/reset", {"seed": 1}),
        ("sim_set_ids", "PUT", "/_sim/ids", {"seed": 1}),
        ("sim_take_snapshot", "POST", "/_sim/snapshots", {"name": "s1", "account_id": ACCOUNT}),
        ("sim_seed_demo", "POST", "/_sim/demo", {"seed": 1, "accounts": 1, "instances": 0, "chains": 0, "weeks": 1}),
        ("sim_load_scenario", "POST", "/_sim/scenarios", {"name": "flaky_reads", "account_id": ACCOUNT}),
    ]


async def test_bad_input_wrong_types_in_control_bodies(api, world):
    """The control plane's bodies get the same treatment: every type the document does not allow, in each field."""
    operations = doc_operations()
    documented = {op["x-route-name"] for item in DOCUMENT["paths"].values() for op in item.values()
                  if op.get("requestBody")}
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
