"""Identity v2.0: the version document, tokens from api keys / passwords / tokens, and their faults."""

import datetime as dt
import re

from support import ACCOUNT, TOKEN, assert_fault

API_KEY_BODY = {"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": "demo", "apiKey": "demo-api-key"}}}


async def test_identity_version_is_a_version_document(api):
    status, body, _ = await api.get("/v2.0")
    assert status == 200
    assert body["version"]["id"] == "v2.0"


async def test_create_token_with_api_key_returns_catalog_with_both_entries(api):
    status, body, _ = await api.post("/v2.0/tokens", API_KEY_BODY, headers={"X-Auth-Token": ""})
    assert status == 200
    access = body["access"]
    assert access["token"]["tenant"] == {"id": ACCOUNT, "name": ACCOUNT}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", access["token"]["expires"])
    types = {entry["type"]: entry for entry in access["serviceCatalog"]}
    assert types["rax:database"]["name"] == "cloudDatabases"
    assert "database" in types
    for entry in types.values():
        endpoint = entry["endpoints"][0]
        assert endpoint["publicURL"].endswith(f"/v1.0/{ACCOUNT}")
        assert endpoint["tenantId"] == ACCOUNT and endpoint["region"] == "DFW"
    user = access["user"]
    assert user["name"] == "demo" and user["RAX-AUTH:defaultRegion"] == "DFW"
    assert user["roles"][0]["name"] == "dbaas:admin"


async def test_create_token_expires_in_24_hours_on_the_simulator_clock(api):
    _, body, _ = await api.post("/v2.0/tokens", API_KEY_BODY)
    expires = dt.datetime.strptime(body["access"]["token"]["expires"], "%Y-%m-%dT%H:%M:%S.%fZ")
    now = api.clock.now().replace(tzinfo=None)
    assert abs((expires - now).total_seconds() - 24 * 3600) < 1


async def test_issued_token_works_on_the_api_and_expires_after_a_day(api):
    _, body, _ = await api.post("/v2.0/tokens", API_KEY_BODY)
    token = body["access"]["token"]["id"]
    caller = api.as_account(ACCOUNT, token)
    assert (await caller.get("/flavors"))[0] == 200
    api.advance(24 * 3600 + 1)
    assert_fault(
        await caller.get("/flavors"),
        "unauthorized",
        401,
        "The supplied token is not authorized to access the resources, either it's expired or invalid.",
    )


async def test_create_token_with_password_and_tenant_id(api):
    status, body, _ = await api.post(
        "/v2.0/tokens",
        {"auth": {"passwordCredentials": {"username": "demo", "password": "demo-password"}, "tenantId": ACCOUNT}},
    )
    assert status == 200
    assert body["access"]["token"]["tenant"]["id"] == ACCOUNT


async def test_create_token_with_password_and_tenant_name(api):
    status, _, _ = await api.post(
        "/v2.0/tokens",
        {"auth": {"passwordCredentials": {"username": "demo", "password": "demo-password"}, "tenantName": ACCOUNT}},
    )
    assert status == 200


async def test_create_token_from_a_token_and_tenant_id(api):
    status, body, _ = await api.post("/v2.0/tokens", {"auth": {"token": {"id": TOKEN}, "tenantId": ACCOUNT}})
    assert status == 200
    assert body["access"]["token"]["id"] != TOKEN


async def test_create_token_wrong_password_is_unauthorized(api):
    assert_fault(
        await api.post("/v2.0/tokens", {"auth": {"passwordCredentials": {"username": "demo", "password": "nope"}}}),
        "unauthorized",
        401,
        "Unable to authenticate user with credentials provided.",
    )


async def test_create_token_unknown_user_is_unauthorized(api):
    assert_fault(
        await api.post("/v2.0/tokens", {"auth": {"RAX-KSKEY:apiKeyCredentials": {"username": "ghost", "apiKey": "x"}}}),
        "unauthorized",
        401,
        "Unable to authenticate user with credentials provided.",
    )


async def test_create_token_other_tenant_is_unauthorized(api):
    assert_fault(
        await api.post(
            "/v2.0/tokens",
            {"auth": {"passwordCredentials": {"username": "demo", "password": "demo-password"}, "tenantId": "999"}},
        ),
        "unauthorized",
        401,
        "Token doesn't belong to Tenant with Id/Name: '999'",
    )


async def test_create_token_malformed_json_is_bad_request(api):
    assert_fault(
        await api.call("POST", "/v2.0/tokens", data=b"{not json"),
        "badRequest",
        400,
        "Malformed request body: the body is not valid JSON.",
    )


async def test_create_token_without_auth_is_bad_request(api):
    assert_fault(
        await api.post("/v2.0/tokens", {"nope": {}}),
        "badRequest",
        400,
        "Invalid request body: unable to parse Auth data. Please review XML or JSON formatting.",
    )


async def test_create_token_with_both_tenant_id_and_name_is_bad_request(api):
    assert_fault(
        await api.post(
            "/v2.0/tokens",
            {
                "auth": {
                    "passwordCredentials": {"username": "demo", "password": "demo-password"},
                    "tenantId": ACCOUNT,
                    "tenantName": ACCOUNT,
                }
            },
        ),
        "badRequest",
        400,
        "Invalid request body: tenantId and tenantName cannot both be given.",
    )


async def test_create_token_wrong_types_is_bad_request(api):
    assert_fault(
        await api.post("/v2.0/tokens", {"auth": {"passwordCredentials": {"username": "demo", "password": 5}}}),
        "badRequest",
        400,
        "Invalid request body: 'username' and 'password' must be strings.",
    )
