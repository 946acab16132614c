"""Fault actions through the in-process app: injected answers, broken connections, model faults, the journal."""

from __future__ import annotations

import json
import time

import aiohttp
import pytest
from support import TOKEN, Api, assert_fault

from simulator import create_app
from simulator.faults import fault_engine

FLAVORS = "/flavors"


def load(api, *rules, name="t", seed=0, account_id=None) -> str:
    return fault_engine(api.app).load({"name": name, "seed": seed, "rules": list(rules)}, account_id=account_id)


def rule(actions, **match):
    return {"match": match, "actions": actions}


async def journal(api) -> list[dict]:
    status, body, _ = await api.get("/_sim/journal")
    assert status == 200
    return [e for e in body["journal"] if not e["path"].startswith("/_sim/")]


async def test_respond_413_has_retry_after_header_and_rate_limit_body(api):
    load(api, rule([{"respond": {"status": 413}}], route="list_flavors"))
    status, body, resp = await api.get(FLAVORS)
    assert status == 413 and resp.headers["Retry-After"] == "60"
    assert body == {
        "overLimit": {
            "code": 413,
            "message": "This request was rate-limited.",
            "details": "Only 200 GET request(s) can be made to * every minute.",
            "retryAfter": "60",
        }
    }


async def test_respond_413_retry_after_null_is_a_plain_quota_fault(api):
    load(
        api,
        rule(
            [
                {
                    "respond": {
                        "status": 413,
                        "retry_after": None,
                        "message": "Quota exceeded for resources: ['instances'].",
                    }
                }
            ]
        ),
    )
    status, body, resp = await api.get(FLAVORS)
    assert_fault((status, body), "overLimit", 413, "Quota exceeded for resources: ['instances'].")
    assert "Retry-After" not in resp.headers


async def test_respond_422_message_template_uses_path_and_body(api):
    created = await api.create_instance()
    message = "Instance {instance_id} is busy ({body.resize.flavorRef})."
    load(api, rule([{"respond": {"status": 422, "message": message}}], route="instance_action"))
    assert_fault(
        await api.post(f"/instances/{created['id']}/action", {"resize": {"flavorRef": 3}}),
        "unprocessableEntity",
        422,
        f"Instance {created['id']} is busy (3).",
    )


@pytest.mark.parametrize(
    "status, fault, message",
    [
        (503, "serviceUnavailable", "The service is currently unavailable."),
        (500, "instanceFault", "The server has either erred or is incapable of performing the requested operation."),
        (501, "notImplemented", "The requested method or resource is not implemented."),
        (
            401,
            "unauthorized",
            "The supplied token is not authorized to access the resources, either it's expired or invalid.",
        ),
        (502, "badGateway", "Bad Gateway."),
    ],
)
async def test_respond_status_gets_its_fault_body(api, status, fault, message):
    load(api, rule([{"respond": status}]))
    response = await api.get(FLAVORS)
    assert_fault(response, fault, status, message)
    assert "Retry-After" not in response[2].headers


async def test_respond_fault_name_details_and_headers(api):
    load(
        api,
        rule(
            [
                {
                    "respond": {
                        "status": 500,
                        "fault": "computeFault",
                        "message": "boom",
                        "details": "on {route}",
                        "headers": {"X-Injected": "{scenario}/{rule}"},
                    }
                }
            ]
        ),
    )
    status, body, resp = await api.get(FLAVORS)
    assert (status, body) == (500, {"computeFault": {"code": 500, "message": "boom", "details": "on list_flavors"}})
    assert resp.headers["X-Injected"] == "t/rule-0"


async def test_respond_custom_json_and_text_bodies(api):
    load(
        api,
        rule([{"respond": {"status": 200, "body": {"flavors": []}}}], route="list_flavors"),
        rule(
            [
                {
                    "respond": {
                        "status": 502,
                        "body": "<html>bad gateway for {account_id}</html>",
                        "headers": {"Content-Type": "text/html"},
                    }
                }
            ],
            route="list_instances",
        ),
    )
    assert (await api.get(FLAVORS))[:2] == (200, {"flavors": []})
    status, body, resp = await api.get("/instances")
    assert (status, body, resp.content_type) == (502, "<html>bad gateway for 1234</html>", "text/html")


async def test_journal_records_rule_action_and_note_of_each_fired_request(api):
    load(api, rule([{"respond": 503}], route="list_flavors"), name="j")
    load(
        api,
        {"name": "second", "match": {"route": "list_flavors"}, "when": {"after": 1}, "actions": [{"delay": 0.01}]},
        name="k",
    )
    await api.get(FLAVORS)
    await api.get("/instances")
    entries = await journal(api)
    assert [(e["route"], e["status"], e["rule"], e["action"]) for e in entries] == [
        ("list_flavors", 503, "j/rule-0", "respond 503"),
        ("list_instances", 200, None, None),
    ]
    assert entries[0]["note"] == "match 1, hit 1"


async def test_scenario_for_one_account_leaves_other_accounts_alone(api):
    status, _, _ = await api.post("/_sim/accounts", {"account_id": "5678", "token": "other-token"})
    assert status == 201
    other = api.as_account("5678", "other-token")
    load(api, rule([{"respond": 503}]), account_id="5678")
    assert (await api.get(FLAVORS))[0] == 200
    assert_fault(await other.get(FLAVORS), "serviceUnavailable", 503, "The service is currently unavailable.")


async def test_control_plane_is_never_faulted(api):
    load(api, rule(["reset"]))
    status, body, _ = await api.get("/_sim/scenarios")
    assert status == 200 and body["scenarios"][0]["rules"][0]["hits"] == 0


async def test_delay_waits_wall_time_and_leaves_the_manual_clock(api):
    load(api, rule([{"delay": 0.15}], route="list_flavors"))
    before = api.clock.now()
    started = time.perf_counter()
    status, _, _ = await api.get(FLAVORS)
    assert status == 200
    assert 0.15 <= time.perf_counter() - started < 5
    assert api.clock.now() == before


async def test_reset_drops_the_connection_before_anything_is_saved(api):
    load(api, rule(["reset"], route="create_instance"))
    with pytest.raises(aiohttp.ClientConnectionError):
        await api.post("/instances", {"instance": {"name": "x", "flavorRef": 1, "volume": {"size": 1}}})
    fault_engine(api.app).clear()
    assert (await api.get("/instances"))[1] == {"instances": []}
    entries = await journal(api)
    assert (entries[0]["status"], entries[0]["action"]) == (0, "reset")
    assert "connection reset before the request was handled" in entries[0]["note"]


async def test_drop_answer_saves_the_instance_but_loses_the_answer(api):
    load(api, rule(["drop_answer"], route="create_instance"))
    with pytest.raises(aiohttp.ClientConnectionError):
        await api.post("/instances", {"instance": {"name": "saved", "flavorRef": 1, "volume": {"size": 1}}})
    fault_engine(api.app).clear()
    body = (await api.get("/instances"))[1]
    assert [i["name"] for i in body["instances"]] == ["saved"]
    entry = (await journal(api))[0]
    assert (entry["status"], entry["action"]) == (0, "drop_answer")
    assert "answer 200 lost after the request was carried out" in entry["note"]


async def test_truncate_sends_part_of_the_body_under_the_full_length(api):
    load(api, rule([{"truncate": {"bytes": 10}}], route="list_flavors"))
    resp = await api.client.get(f"/v1.0/1234{FLAVORS}", headers={"X-Auth-Token": TOKEN})
    assert resp.status == 200
    with pytest.raises(aiohttp.ClientPayloadError):
        await resp.read()


async def test_truncate_applies_to_an_injected_answer(api):
    load(api, rule([{"respond": 503}, "truncate"], route="list_flavors"))
    resp = await api.client.get(f"/v1.0/1234{FLAVORS}", headers={"X-Auth-Token": TOKEN})
    assert resp.status == 503
    with pytest.raises(aiohttp.ClientPayloadError):
        await resp.read()


async def test_malformed_answer_keeps_status_and_breaks_the_json(api):
    load(api, rule(["malformed"], route="list_flavors"), rule([{"malformed": {"body": "<oops>"}}]))
    resp = await api.client.get(f"/v1.0/1234{FLAVORS}", headers={"X-Auth-Token": TOKEN})
    text = await resp.text()
    assert resp.status == 200 and resp.content_type == "application/json" and text.startswith('{"flavors": [')
    with pytest.raises(ValueError):
        json.loads(text)
    status, body, _ = await api.get("/instances")
    assert (status, body) == (200, "<oops>")


async def test_model_fault_build_ends_in_error(api):
    load(api, rule([{"model_fault": {"message": "Build of {body.instance.name} failed."}}], route="create_instance"))
    status, body, _ = await api.post(
        "/instances", {"instance": {"name": "doomed", "flavorRef": 1, "volume": {"size": 1}}}
    )
    assert (status, body["instance"]["status"]) == (200, "BUILD")
    api.advance(0)
    instance_id = body["instance"]["id"]
    assert (await api.get(f"/instances/{instance_id}"))[1]["instance"]["status"] == "ERROR"
    assert api.backend.store.instances.get("1234", instance_id)["fault"] == "Build of doomed failed."
    assert "model fault: instance " + instance_id + " ends in ERROR" in (await journal(api))[0]["note"]


async def test_model_fault_resize_ends_with_the_old_flavor(api):
    created = await api.create_instance(flavor=2)
    load(api, rule(["model_fault"], route="instance_action", json={"resize": {}}))
    status, _, _ = await api.post(f"/instances/{created['id']}/action", {"resize": {"flavorRef": 4}})
    assert status == 202
    api.advance(0)
    shown = (await api.get(f"/instances/{created['id']}"))[1]["instance"]
    assert (shown["status"], shown["flavor"]["id"]) == ("ACTIVE", "2")
    fault_engine(api.app).clear()
    await api.post(f"/instances/{created['id']}/action", {"resize": {"flavorRef": 4}})
    api.advance(0)
    assert (await api.get(f"/instances/{created['id']}"))[1]["instance"]["flavor"]["id"] == "4"


async def test_model_fault_backup_ends_failed(api):
    created = await api.create_instance()
    load(api, rule(["model_fault"], route="create_backup"))
    status, body, _ = await api.post("/backups", {"backup": {"name": "b", "instance": created["id"]}})
    assert (status, body["backup"]["status"]) == (202, "NEW")
    api.advance(0)
    assert (await api.get(f"/backups/{body['backup']['id']}"))[1]["backup"]["status"] == "FAILED"


async def test_model_fault_is_skipped_when_the_request_fails(api):
    load(api, rule(["model_fault"], route="create_instance"))
    assert (await api.post("/instances", {"instance": {"name": "x"}}))[0] == 400
    assert "model fault" not in ((await journal(api))[0]["note"] or "")


async def test_expire_token_answers_401_now_and_later(api):
    load(api, {"match": {"route": "list_flavors"}, "when": {"times": 1}, "actions": ["expire_token"]})
    message = "The supplied token is not authorized to access the resources, either it's expired or invalid."
    assert_fault(await api.get(FLAVORS), "unauthorized", 401, message)
    assert_fault(await api.get("/instances"), "unauthorized", 401, message)
    assert "expired 1 token(s) of account 1234" in (await journal(api))[0]["note"]


async def test_faults_do_not_shift_the_models_ids(aiohttp_client, sim_config):
    async def run(faults: bool) -> tuple[list[str], int]:
        api = Api(await aiohttp_client(create_app(sim_config)))
        if faults:
            load(
                api,
                {
                    "match": {"route": "list_flavors"},
                    "when": {"probability": 0.5},
                    "actions": [{"respond": 503}, {"delay": {"min": 0, "max": 0.01}}],
                },
                seed=9,
            )
        ids = []
        for n in range(4):
            await api.get(FLAVORS)
            _status, body, _ = await api.post(
                "/instances", {"instance": {"name": f"i{n}", "flavorRef": 1, "volume": {"size": 1}}}
            )
            ids.append(body["instance"]["id"])
        return ids, sum(e["rule"] is not None for e in await journal(api))

    plain, no_hits = await run(False)
    faulted, hits = await run(True)
    assert faulted == plain
    assert (no_hits, hits > 0) == (0, True)


async def test_model_fault_restore_ends_in_error(api):
    created = await api.create_instance()
    status, body, _ = await api.post("/backups", {"backup": {"name": "b", "instance": created["id"]}})
    api.advance(0)
    backup_id = body["backup"]["id"]
    load(api, rule(["model_fault"], route="create_instance", present="instance.restorePoint"))
    status, body, _ = await api.post(
        "/instances",
        {
            "instance": {
                "name": "restored",
                "flavorRef": 1,
                "volume": {"size": 2},
                "restorePoint": {"backupRef": backup_id},
            }
        },
    )
    assert (status, body["instance"]["status"]) == (200, "BUILD")
    api.advance(0)
    assert (await api.get(f"/instances/{body['instance']['id']}"))[1]["instance"]["status"] == "ERROR"


async def test_respond_status_without_a_phrase_gets_a_generic_fault(api):
    load(api, rule([{"respond": 499}]))
    assert_fault(await api.get(FLAVORS), "fault", 499, "Error 499.")
