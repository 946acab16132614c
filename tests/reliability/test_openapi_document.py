"""The OpenAPI document, built from the operation table, matches the routes the server answers, shows the request
schemas the backend enforces, and is valid OpenAPI 3.1 that schemathesis loads."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
from aiohttp.test_utils import make_mocked_request

from simulator import SimulatorConfig, create_app
from simulator.app import describe_api
from simulator.backend.schemas import SCHEMAS

METHODS = ("get", "post", "put", "patch", "delete")
#: A value for each path parameter, so every documented path can be resolved against the router.
SAMPLES = {
    "account_id": "1234",
    "instance_id": "0c7a1e3e-5a1b-4c2d-9e8f-0a1b2c3d4e5f",
    "flavor_id": "2",
    "datastore_id": "mysql",
    "version_id": "5.7",
    "user": "alice@%25",
    "name": "db1",
    "backup_id": "61f12fef-edb1-4561-8122-e7c00ef26a82",
    "schedule_id": "s1",
    "configuration_id": "c1",
    "ha_id": "h1",
    "parameter": "max_connections",
    "address": "1.2.3.4%2F32",
}


@pytest.fixture(scope="module")
def document() -> dict:
    return describe_api().document


@pytest.fixture
def app():
    return create_app(SimulatorConfig())


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield path, method, op


def app_routes(app) -> set[tuple[str, str]]:
    """(route name, method) for every route the server answers; '*' routes answer every method."""
    out: set[tuple[str, str]] = set()
    for route in app.router.routes():
        if route.name is None:
            continue
        methods = METHODS if route.method == "*" else (route.method.lower(),)
        out.update((route.name, m) for m in methods)
    return out


def test_openapi_every_route_is_documented(app, document):
    documented = {(op["x-route-name"], method) for _, method, op in operations(document)}
    missing = sorted(app_routes(app) - documented)
    assert not missing, f"routes missing from simulator/openapi.json: {missing}"


def test_openapi_every_operation_is_a_route(app, document):
    unknown = sorted({(op["x-route-name"], method) for _, method, op in operations(document)} - app_routes(app))
    assert not unknown, f"documented operations that no route serves: {unknown}"


async def test_openapi_every_path_resolves_to_its_route(app, document):
    for path, method, op in operations(document):
        url = re.sub(r"\{(\w+)\}", lambda m: SAMPLES[m.group(1)], path)
        match = await app.router.resolve(make_mocked_request(method.upper(), url, app=app))
        assert match.http_exception is None, (path, method, match.http_exception)
        assert match.route.name == op["x-route-name"], (path, method, match.route.name)


def test_openapi_operation_ids_are_unique(document):
    ids = [op["operationId"] for _, _, op in operations(document)]
    assert len(ids) == len(set(ids))


def test_openapi_request_schemas_are_the_validation_schemas(document):
    components = document["components"]["schemas"]
    for name, schema in SCHEMAS.items():
        assert components.get("req_" + name) == schema, f"req_{name} differs from simulator/backend/schemas/"


def test_openapi_bodies_are_the_schemas_their_rows_name(document):
    by_id = {op["operationId"]: op for _, _, op in operations(document)}
    for _, _, row in describe_api().operations():
        body = by_id[row.name].get("requestBody")
        if not row.bodies:
            assert body is None, row.name
            continue
        refs = [{"$ref": f"#/components/schemas/req_{name}"} for name in row.bodies]
        found = body["content"]["application/json"]["schema"]
        assert found == (refs[0] if len(refs) == 1 else {"oneOf": refs}), row.name


def test_openapi_every_validated_write_shows_its_schema(document):
    """The API's writes that validate a body against SCHEMAS say so in the document (the instance and HA actions
    show the one-of-the-actions body made from the same schemas)."""
    shown = {row.name: row.bodies for _, _, row in describe_api().operations()}
    assert shown["create_instance"] == ("instance_create", "replica_create")
    assert {"backup_create", "schedule_create", "schedule_update", "ha_create", "ha_acl"} <= {
        name for names in shown.values() for name in names
    }
    action = document["components"]["schemas"]["req_instance_action"]["oneOf"]
    resize = next(a for a in action if "resize" in a["required"])["properties"]["resize"]
    assert resize == {
        "anyOf": [SCHEMAS["resize_flavor"]["properties"]["resize"], SCHEMAS["resize_volume"]["properties"]["resize"]]
    }


def test_openapi_document_is_valid_openapi_3_1(document):
    from openapi_spec_validator import validate

    assert document["openapi"].startswith("3.1.")
    validate(document)  # raises on the first violation of the OpenAPI 3.1 schema


def test_openapi_component_schemas_are_valid_json_schema(document):
    for schema in document["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)


def test_openapi_every_ref_resolves(document):
    text = json.dumps(document)
    for ref in set(re.findall(r'"\$ref": "#/([^"]+)"', text)):
        node = document
        for part in ref.split("/"):
            assert part in node, f"dangling $ref #/{ref}"
            node = node[part]


def test_openapi_every_error_answer_is_a_fault_body(document):
    fault = {"$ref": "#/components/schemas/Fault"}
    for name in ("Fault", "OverLimit"):
        assert document["components"]["responses"][name]["content"]["application/json"]["schema"] == fault
    for path, method, op in operations(document):
        for code, answer in op["responses"].items():
            if int(code) >= 400:
                assert answer.get("$ref") in ("#/components/responses/Fault", "#/components/responses/OverLimit"), (
                    path,
                    method,
                    code,
                )


def test_openapi_loads_in_schemathesis(document):
    import schemathesis

    schema = schemathesis.openapi.from_dict(document)
    results = list(schema.get_all_operations())
    errors = [r for r in results if type(r).__name__ != "Ok"]
    assert not errors
    assert len(results) == sum(1 for _ in operations(document))


async def test_openapi_served_document_is_the_built_one(api):
    resp = await api.client.get("/openapi.json")
    assert resp.status == 200
    body = await resp.json()
    assert body.pop("servers") == [{"url": str(api.client.make_url("")).rstrip("/")}]
    assert body == json.loads(json.dumps(describe_api().document))
