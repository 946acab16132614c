"""State documents: GET /_sim/state[?account=ID] exports, PUT /_sim/state loads; export -> load -> export gives the
same bytes; secrets only as the store keeps them; another version or a damaged document is refused whole."""

from __future__ import annotations

import json

import pytest
from support import ACCOUNT, TOKEN, Api, assert_fault

from simulator import DemoAccount, SimulatorConfig, create_app

JSON = {"Content-Type": "application/json"}


async def raw(api: Api, method: str, path: str, data: bytes | str | None = None, **query) -> tuple[int, str]:
    resp = await api.client.request(method, path, data=data, params=query or None, headers=JSON)
    return resp.status, await resp.text()


async def busy_account(api: Api) -> dict:
    """An account with an instance, a database, a user with a password, a backup and a configuration group."""
    inst = await api.create_instance(
        "orders-db", databases=[{"name": "orders"}], users=[{"name": "app", "password": "app-secret-pw"}]
    )
    status, body, _ = await api.post("/backups", {"backup": {"name": "nightly", "instance": inst["id"]}})
    assert status == 202, body
    api.advance(60)
    status, body, _ = await api.post(
        "/configurations",
        {
            "configuration": {
                "name": "tuned",
                "datastore": {"type": "mysql", "version": "5.6"},
                "values": {"max_connections": 99},
            }
        },
    )
    assert status == 200, body
    return inst


async def test_export_load_export_is_byte_identical_for_an_account_and_for_everything(api):
    await busy_account(api)
    for query in ({"account": ACCOUNT}, {}):
        status, first = await raw(api, "GET", "/_sim/state", **query)
        assert status == 200
        status, loaded = await raw(api, "PUT", "/_sim/state", first)
        assert status == 200, loaded
        status, again = await raw(api, "GET", "/_sim/state", **query)
        assert again == first
    document = json.loads(first)
    assert (document["format"], document["version"], document["account_id"]) == ("cdbsim-state", 1, None)
    assert {"accounts", "users", "tokens", "instances", "db_users", "backups", "configurations"} <= set(
        document["tables"]
    )
    assert not {"journal", "rate_counters", "fault_scenarios"} & set(document["tables"])


async def test_a_loaded_document_serves_the_account_on_another_server(aiohttp_client, api):
    inst = await busy_account(api)
    status, text = await raw(api, "GET", "/_sim/state", account=ACCOUNT)
    assert status == 200
    elsewhere = Api(await aiohttp_client(create_app(SimulatorConfig(seed=99))), ACCOUNT, TOKEN)
    status, body = await raw(elsewhere, "PUT", "/_sim/state", text)
    assert status == 200
    summary = json.loads(body)["state"]
    assert summary["account_id"] == ACCOUNT and summary["tables"]["instances"] == 1
    status, shown, _ = await elsewhere.get(f"/instances/{inst['id']}")  # the token's digest came along
    assert status == 200 and shown["instance"]["status"] == "ACTIVE"
    status, users, _ = await elsewhere.get(f"/instances/{inst['id']}/users")
    assert [u["name"] for u in users["users"]] == ["app"]
    assert await raw(elsewhere, "GET", "/_sim/state", account=ACCOUNT) == (200, text)


async def test_the_document_holds_no_password_api_key_or_token_in_clear(api):
    await busy_account(api)
    status, text = await raw(api, "GET", "/_sim/state")
    assert status == 200
    for secret in ("app-secret-pw", TOKEN, DemoAccount().api_key, DemoAccount().password):
        assert secret not in text
    users = json.loads(text)["tables"]["db_users"]
    assert [u["name"] for u in users] == ["app"] and users[0]["password_hash"]


async def test_loading_into_another_account_keeps_its_credentials(api):
    inst = await busy_account(api)
    status, text = await raw(api, "GET", "/_sim/state", account=ACCOUNT)
    assert status == 200
    await api.post("/_sim/accounts", {"account_id": "5678", "token": "other-token"})
    await api.delete(f"/_sim/accounts/{ACCOUNT}")  # the ids in the document are free again
    status, body = await raw(api, "PUT", "/_sim/state", text, account="5678")
    assert status == 200, body
    other = api.as_account("5678", "other-token")
    status, shown, _ = await other.get(f"/instances/{inst['id']}")
    assert status == 200 and shown["instance"]["name"] == "orders-db"


async def test_a_document_of_another_version_is_refused_and_nothing_changes(api):
    await busy_account(api)
    _, text = await raw(api, "GET", "/_sim/state", account=ACCOUNT)
    document = json.loads(text)
    document["version"] = 2
    document["tables"]["instances"] = []
    assert_fault(
        await api.put("/_sim/state", document),
        "badRequest",
        400,
        "This state document is version 2 (written by cdbsim 0.1.0); cdbsim 0.1.0 reads version 1 only.",
    )
    assert await raw(api, "GET", "/_sim/state", account=ACCOUNT) == (200, text)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda d: d.update(format="other"),
            'This is not a cdbsim state document (it has no "format": "cdbsim-state").',
        ),
        (lambda d: d["tables"].update(nonsense=[]), "Unknown table(s) in the state document: nonsense."),
        (lambda d: d["tables"]["instances"][0].update(bogus=1), "Table instances, row 1: unknown column(s) bogus."),
        (
            lambda d: d["tables"]["instances"][0].update(volume_size="big"),
            'Table instances, row 1, column volume_size: "big" is not an integer.',
        ),
        (
            lambda d: d["tables"]["instances"].append(dict(d["tables"]["instances"][0])),
            "The state document cannot be loaded, nothing was changed: UNIQUE constraint failed: instances.id.",
        ),
        (
            lambda d: d["tables"]["backups"][0].update(account_id="9999"),
            "Table backups of the state document holds rows that are not account 1234's (only 0 of its 1 rows are).",
        ),
    ],
)
async def test_a_damaged_document_is_refused_whole(api, damage, message):
    await busy_account(api)
    _, text = await raw(api, "GET", "/_sim/state", account=ACCOUNT)
    document = json.loads(text)
    document["tables"]["db_users"] = []  # a change that would show if anything were half-loaded
    damage(document)
    assert_fault(await api.put("/_sim/state", document), "badRequest", 400, message)
    assert await raw(api, "GET", "/_sim/state", account=ACCOUNT) == (200, text)


async def test_a_document_that_is_not_json_is_refused(api):
    status, body = await raw(api, "PUT", "/_sim/state", '{"format": "cdbsim-state", ')
    assert status == 400 and "badRequest" in json.loads(body)


async def test_an_unknown_account_or_query_parameter_is_refused(api):
    assert_fault(await api.get("/_sim/state?account=nope"), "itemNotFound", 404, "Account nope cannot be found.")
    assert_fault(
        await api.get("/_sim/state?acount=1234"),
        "badRequest",
        400,
        "Unknown query parameter(s): acount (only 'account' is known).",
    )
