"""/_sim/journal (query, clear), /_sim/journal/har (HAR 1.2 export), /_sim/errors and /_sim/status."""

from __future__ import annotations

from support import ACCOUNT, TOKEN, assert_fault

from simulator.keys import JOURNAL


async def test_list_journal_filters_by_account_route_status_and_since(api):
    await api.get("/flavors")
    await api.get("/instances/nope")
    await api.get("/flavors")
    all_entries = (await api.get(f"/_sim/journal?account_id={ACCOUNT}"))[1]["journal"]
    assert [(e["route"], e["status"]) for e in all_entries] == [
        ("list_flavors", 200),
        ("show_instance", 404),
        ("list_flavors", 200),
    ]
    only = (await api.get("/_sim/journal?route=list_flavors&limit=1"))[1]["journal"]
    assert [e["seq"] for e in only] == [all_entries[2]["seq"]]  # the newest
    missing = (await api.get("/_sim/journal?status=404"))[1]["journal"]
    assert [e["path"] for e in missing] == [f"/v1.0/{ACCOUNT}/instances/nope"]
    later = (await api.get(f"/_sim/journal?account_id={ACCOUNT}&since={all_entries[1]['seq']}"))[1]["journal"]
    assert [e["seq"] for e in later] == [all_entries[2]["seq"]]


async def test_list_journal_bad_filter_is_bad_request(api):
    assert_fault(
        await api.get("/_sim/journal?since=x"),
        "badRequest",
        400,
        "since must be a journal seq (an integer) or a time in ISO 8601 (2026-12-07T13:00:00Z), not 'x'.",
    )


async def test_clear_journal_of_one_account(api):
    await api.post("/_sim/accounts", {"account_id": "other", "token": "other-token"})
    await api.get("/flavors")
    await api.as_account("other", "other-token").get("/flavors")
    status, _, _ = await api.delete(f"/_sim/journal?account_id={ACCOUNT}")
    assert status == 204
    assert api.app[JOURNAL].entries(account_id=ACCOUNT) == []
    assert len(api.app[JOURNAL].entries(account_id="other")) == 1


async def test_export_journal_is_a_har_1_2_document_with_secrets_masked(api):
    await api.post(
        "/instances",
        {
            "instance": {
                "name": "a",
                "flavorRef": 1,
                "volume": {"size": 1},
                "users": [{"name": "app", "password": "hunter22"}],
            }
        },
    )
    await api.get("/instances/nope")
    status, har, _ = await api.get(f"/_sim/journal/har?account_id={ACCOUNT}")
    assert status == 200
    log = har["log"]
    assert log["version"] == "1.2" and log["creator"]["name"] == "cdbsim"
    create, missing = log["entries"]
    assert create["request"]["method"] == "POST"
    assert create["request"]["url"].endswith(f"/v1.0/{ACCOUNT}/instances")
    assert create["response"]["status"] == 200 and create["_cdbsim"]["route"] == "create_instance"
    assert '"status": "BUILD"' in create["response"]["content"]["text"]
    assert missing["response"]["status"] == 404 and missing["response"]["statusText"] == "Not Found"
    text = str(har)
    assert "hunter22" not in text and TOKEN not in text
    assert {"name": "X-Auth-Token", "value": "***"} in create["request"]["headers"]
    # a read of the journal is not kept in the journal with the journal inside it
    reads = api.app[JOURNAL].entries(route="sim_export_journal")
    assert reads and reads[-1]["response"]["body"] is None


async def test_list_errors_shows_what_the_simulator_raised(api):
    def broken(*args, **kwargs):
        raise RuntimeError("fake bug")

    api.backend.instances.page = broken
    assert (await api.get("/instances"))[0] == 500
    status, body, _ = await api.get("/_sim/errors")
    assert status == 200 and body["count"] == 1
    assert "RuntimeError: fake bug" in body["errors"][0]
    assert (await api.get("/_sim/errors?since=1"))[1] == {"errors": [], "count": 1}


async def test_show_status_gives_the_marks_a_test_reads_from(api):
    await api.get("/flavors")
    status, body, _ = await api.get("/_sim/status")
    assert status == 200
    seq = api.app[JOURNAL].entries()[-2]["seq"]  # the last entry before this status call
    assert body["status"]["journal_seq"] == seq
    assert body["status"]["handler_errors"] == 0 and body["status"]["accounts"] == 1
    assert body["status"]["clock"]["mode"] == "manual"
