"""The error pipeline: every failure is a fault body, and a failed request changes nothing."""

import re

import pytest
from support import ACCOUNT, TOKEN, assert_fault

from simulator import DemoAccount, SimulatorConfig
from simulator.keys import JOURNAL


@pytest.fixture
def sim_config():
    return SimulatorConfig(seed=7, bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN), max_body_size=4096)


async def test_unknown_route_is_item_not_found(api):
    assert_fault(await api.get("/v1.0/1234/nothing/here"), "itemNotFound", 404, "The resource could not be found.")


async def test_wrong_method_is_bad_method(api):
    assert_fault(await api.delete("/flavors"), "badMethod", 405, "The method DELETE is not allowed for this resource.")


async def test_malformed_json_is_bad_request(api):
    assert_fault(
        await api.call("POST", "/instances", data=b'{"instance": '),
        "badRequest",
        400,
        "Malformed request body: the body is not valid JSON.",
    )


async def test_wrong_content_type_is_bad_media_type(api):
    assert_fault(
        await api.call(
            "POST", "/instances", data=b"name=x", headers={"Content-Type": "application/x-www-form-urlencoded"}
        ),
        "badMediaType",
        415,
        "Unsupported Content-Type 'application/x-www-form-urlencoded': send application/json.",
    )


async def test_body_over_the_size_limit_is_over_limit(api):
    big = {"instance": {"name": "x" * 10000, "flavorRef": 1, "volume": {"size": 1}}}
    assert_fault(
        await api.post("/instances", big), "overLimit", 413, "Request body is too large (the limit is 4096 bytes)."
    )


async def test_wrong_types_are_bad_request(api):
    assert_fault(
        await api.post("/instances", {"instance": {"name": 5, "flavorRef": 1, "volume": {"size": 1}}}),
        "badRequest",
        400,
        "Validation error: instance['name'] 5 is not of type 'string'",
    )


async def test_unexpected_exception_is_instance_fault_with_an_id_and_is_kept(api, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(api.backend.instances, "page", boom)
    status, body, _ = await api.get("/instances")
    assert status == 500
    message = body["instanceFault"]["message"]
    assert re.fullmatch(
        r"Internal Server Error\. Please keep this ID to help us figure out what went wrong: "
        r"\(\S+\)\.",
        message,
    )
    assert "RuntimeError: simulated bug" in api.app[JOURNAL].handler_errors[-1]


async def test_failed_request_changes_no_state(api, monkeypatch):
    real_insert = api.backend.databases.insert

    def insert_then_fail(instance_id, dbs):
        real_insert(instance_id, dbs)
        raise RuntimeError("fails after writing")

    monkeypatch.setattr(api.backend.databases, "insert", insert_then_fail)
    status, _, _ = await api.post(
        "/instances", {"instance": {"name": "x", "flavorRef": 1, "volume": {"size": 1}, "databases": [{"name": "d1"}]}}
    )
    assert status == 500
    monkeypatch.undo()
    assert (await api.get("/instances"))[1] == {"instances": []}
    assert api.backend.store.db.execute("select count(*) from databases").fetchone()[0] == 0


async def test_journal_records_every_request_with_route_and_status(api):
    await api.get("/flavors")
    await api.get("/instances/missing")
    entries = api.app[JOURNAL].entries(account_id=ACCOUNT)
    assert [(e["route"], e["status"]) for e in entries[-2:]] == [("list_flavors", 200), ("show_instance", 404)]
    assert entries[-1]["request"]["headers"]["X-Auth-Token"] == "***"


@pytest.mark.parametrize("password", [["hunter2"], {"p": "hunter2"}, 48172935, True])
async def test_a_validation_error_never_echoes_a_secret_field(api, password):
    inst = await api.create_instance()
    status, body, _ = await api.post(f"/instances/{inst['id']}/users", {"users": [{"name": "u", "password": password}]})
    assert status == 400 and list(body) == ["badRequest"], body
    message = body["badRequest"]["message"]
    assert "hunter2" not in message and "48172935" not in message and "***" in message, message
