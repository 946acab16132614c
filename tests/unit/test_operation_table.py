"""The operation table states each operation once: routes, the read cache's list, the rate limits' routes, the
OpenAPI document and the coverage page are all made from its rows."""

from __future__ import annotations

import re

import pytest
from aiohttp import web

from simulator import SimulatorConfig
from simulator.app import describe_api
from simulator.backend import Backend
from simulator.backend.limits import DOCUMENTED, rate_limits
from simulator.backend.schemas import SCHEMAS
from simulator.clock import Clock
from simulator.handlers.openapi import ApiDescription
from simulator.http import Operation
from simulator.ids import Ids
from simulator.repos.store import Store
from simulator.routes import API, CACHED_READS, OPERATIONS, RATE_LIMITS, ROUTES


async def handler(request: web.Request) -> web.Response:
    return web.Response()


def test_operation_names_are_unique_across_the_api_and_the_control_plane():
    names = [op.name for _, _, op in describe_api().operations()]
    assert len(names) == len(set(names)) and len(names) > 100


def test_routes_are_the_rows_in_order_and_no_get_answers_head():
    assert [r.kwargs["name"] for r in ROUTES] == [op.name for op in OPERATIONS]
    assert all(r.kwargs.get("allow_head") is False for r in ROUTES if r.method == "GET")


def test_cached_reads_are_the_rows_that_say_cached_and_all_are_gets():
    assert {op.name for op in OPERATIONS if op.cached} == CACHED_READS
    assert {op.method for op in OPERATIONS if op.cached} == {"GET"}
    assert {"show_instance", "list_backups", "list_ha_acls"} <= CACHED_READS
    assert not {"show_limits", "list_schedules", "create_instance"} & CACHED_READS


def test_rate_limits_take_verb_and_regex_from_their_rows():
    rows = {op.name: op for op in OPERATIONS}
    assert [limit.route for limit in RATE_LIMITS] == list(DOCUMENTED)
    for limit in RATE_LIMITS:
        row = rows[limit.route]
        assert limit.verb == row.method
        sample = re.sub(r"\{\w+\}", "x1", row.path.removeprefix(API))
        assert re.match(limit.regex, sample) and not re.match(limit.regex, sample + "/more"), limit
    action = next(limit for limit in RATE_LIMITS if limit.route == "instance_action")
    assert (action.verb, action.uri, action.regex, action.value) == (
        "POST",
        "/instances/{instanceId}/action",
        "^/instances/[^/]+/action$",
        5,
    )


def test_a_documented_rate_limit_without_its_route_is_refused():
    with pytest.raises(ValueError) as info:
        rate_limits([("list_instances", "GET", "/instances")])
    assert str(info.value).startswith("rate limits of routes that are not in the table: change_passwords, ")


def test_a_new_row_is_in_the_document_and_on_the_page():
    row = Operation(
        "POST", API + "/things/{thing_id:[0-9]+}/poke", handler, "poke_thing", "Poke a thing", body="poke", status=202
    )
    description = ApiDescription(api=(row,), control=(), requests={"poke": {"type": "object"}}, responses={})
    item = description.document["paths"]["/v1.0/{account_id}/things/{thing_id}/poke"]["post"]
    assert item["operationId"] == "poke_thing" and item["summary"] == "Poke a thing"
    assert item["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/req_poke"}
    assert item["responses"]["202"] == {"description": "Accepted (empty body)."}
    assert item["security"] == [{"token": []}] and "401" in item["responses"]
    assert description.document["components"]["schemas"]["req_poke"] == {"type": "object"}
    assert (
        "| POST | `/v1.0/{account_id}/things/{thing_id}/poke` | `poke_thing` | Poke a thing |" in description.markdown()
    )


def test_a_row_naming_a_missing_request_schema_is_refused():
    row = Operation("POST", "/x", handler, "x", "X", body="nowhere")
    with pytest.raises(KeyError) as info:
        _ = ApiDescription(api=(row,), control=(), requests={}, responses={}).document
    assert info.value.args[0] == "x: no request schema named nowhere"


def test_the_documented_action_bodies_are_the_actions_the_backend_dispatches():
    """req_instance_action and req_ha_action (backend/schemas/) list each action the backend's action tables know,
    each with the schema the backend validates it against."""
    store = Store.open(":memory:")
    backend = Backend(store, Clock("manual"), Ids(1), SimulatorConfig())
    schemas = describe_api().document["components"]["schemas"]
    tables: dict[str, dict[str, str | None]]
    tables = {
        "req_instance_action": {name: schema for name, (schema, _) in backend.instances.actions.items()},
        "req_ha_action": {name: action.schema for name, action in backend.ha_actions.actions.items()},
    }
    for component, table in tables.items():
        shown = {body["required"][0]: body["properties"] for body in schemas[component]["oneOf"]}
        assert set(shown) == set(table), component
        for name, schema in table.items():
            if schema is not None:
                assert shown[name] == {name: SCHEMAS[schema]["properties"][name]}, (component, name)
    store.close()
