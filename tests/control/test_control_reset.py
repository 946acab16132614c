"""/_sim/reset (the whole simulator), /_sim/accounts/{id}/reset and DELETE /_sim/accounts/{id}."""

from __future__ import annotations

from support import ACCOUNT, UNAUTHORIZED, Api, assert_fault

from simulator.keys import FAULTS, IDS, JOURNAL


async def make_account(api: Api, account_id: str) -> Api:
    status, body, _ = await api.post("/_sim/accounts", {"account_id": account_id, "token": f"tok-{account_id}"})
    assert status == 201, body
    return api.as_account(account_id, f"tok-{account_id}")


async def test_reset_wipes_every_account_and_remakes_the_bootstrap_account(api):
    other = await make_account(api, "other")
    await api.create_instance()
    await other.create_instance()
    api.app[JOURNAL].handler_errors.append("an old traceback")
    status, body, _ = await api.post("/_sim/reset")
    assert status == 200
    assert body == {"reset": {"seed": 7, "accounts": [ACCOUNT]}}
    assert (await api.get("/instances"))[1] == {"instances": []}
    assert_fault(await other.get("/instances"), "unauthorized", 401, UNAUTHORIZED)
    assert api.app[JOURNAL].handler_errors == []
    journal = (await api.get("/_sim/journal"))[1]["journal"]
    assert [e["route"] for e in journal] == ["sim_reset", "list_instances", "list_instances"]


async def test_reset_restarts_the_ids_from_the_seed(api):
    await api.post("/_sim/reset", {"seed": 99})
    first = await api.create_instance()
    await api.post("/_sim/reset", {"seed": 99})
    again = await api.create_instance()
    assert first["id"] == again["id"]
    assert api.app[IDS].seed == 99


async def test_reset_unloads_every_scenario(api):
    await api.post("/_sim/scenarios", {"name": "flaky_reads"})
    await api.post("/_sim/scenarios", {"name": "failing_backups", "account_id": ACCOUNT})
    await api.post("/_sim/reset")
    assert api.app[FAULTS].list() == []


async def test_reset_bad_seed_is_bad_request(api):
    assert_fault(
        await api.post("/_sim/reset", {"seed": "x"}),
        "badRequest",
        400,
        "'seed' must be an integer from 0 to 9223372036854775807.",
    )
    assert_fault(await api.post("/_sim/reset", {"sed": 1}), "badRequest", 400, "Unknown field(s): sed.")


async def test_reset_account_empties_it_and_keeps_its_credentials(api):
    instance = await api.create_instance(databases=[{"name": "shop"}])
    await api.post("/backups", {"backup": {"name": "b", "instance": instance["id"]}})
    status, body, _ = await api.post(f"/_sim/accounts/{ACCOUNT}/reset")
    assert status == 200
    assert body["reset"]["account_id"] == ACCOUNT and body["reset"]["rows_removed"] >= 4
    assert (await api.get("/instances"))[1] == {"instances": []}
    assert (await api.get("/backups"))[1]["backups"] == []
    journal = (await api.get(f"/_sim/journal?account_id={ACCOUNT}"))[1]["journal"]
    # the reset call is the account's first entry now (the control plane journals what it did to an account)
    assert [e["route"] for e in journal] == ["sim_reset_account", "list_instances", "list_backups"]


async def test_reset_account_leaves_other_accounts_alone(api):
    other = await make_account(api, "other")
    kept = await other.create_instance()
    await other.post("/_sim/scenarios", {"name": "failing_backups", "account_id": "other"})
    await api.create_instance()
    await api.post("/_sim/scenarios", {"name": "flaky_reads", "account_id": ACCOUNT})
    await api.post(f"/_sim/accounts/{ACCOUNT}/reset")
    assert [i["id"] for i in (await other.get("/instances"))[1]["instances"]] == [kept["id"]]
    assert [(s["name"], s["account_id"]) for s in api.app[FAULTS].list()] == [("failing_backups", "other")]
    assert len((await api.get("/_sim/journal?account_id=other"))[1]["journal"]) == 2


async def test_reset_account_unknown_is_item_not_found(api):
    assert_fault(await api.post("/_sim/accounts/nobody/reset"), "itemNotFound", 404, "Account nobody cannot be found.")


async def test_delete_account_removes_it_its_tokens_and_rows(api):
    other = await make_account(api, "other")
    await other.create_instance()
    status, _, _ = await api.delete("/_sim/accounts/other")
    assert status == 204
    accounts = (await api.get("/_sim/accounts"))[1]["accounts"]
    assert [a["id"] for a in accounts] == [ACCOUNT]
    # nothing of it is left but the journal entry of the delete itself
    assert [e["route"] for e in api.app[JOURNAL].entries(account_id="other")] == ["sim_delete_account"]
    left = api.backend.store.state.account_rows("other", exclude=("journal",))
    assert left and not any(left.values())
    assert_fault(await other.get("/instances"), "unauthorized", 401, UNAUTHORIZED)
    await make_account(api, "other")  # the id can be used again


async def test_delete_account_unknown_is_item_not_found(api):
    assert_fault(await api.delete("/_sim/accounts/nobody"), "itemNotFound", 404, "Account nobody cannot be found.")


async def test_set_ids_starts_the_sequence_of_the_seed(api):
    status, body, _ = await api.put("/_sim/ids", {"seed": 5})
    assert (status, body) == (200, {"ids": {"seed": 5}})
    first = await api.create_instance(name="a")
    await api.post(f"/_sim/accounts/{ACCOUNT}/reset")
    await api.put("/_sim/ids", {"seed": 5})
    again = await api.create_instance(name="b")
    assert (first["id"], first["hostname"]) == (again["id"], again["hostname"])


async def test_set_ids_to_a_seed_whose_ids_are_in_the_store_never_collides(api):
    made = []
    for _ in range(3):
        assert (await api.put("/_sim/ids", {"seed": 3}))[0] == 200
        made.append((await api.create_instance())["id"])
    assert len(set(made)) == 3


async def test_set_ids_bad_seed_is_bad_request(api):
    assert_fault(
        await api.put("/_sim/ids", {"seed": -1}),
        "badRequest",
        400,
        "'seed' must be an integer from 0 to 9223372036854775807.",
    )
    assert_fault(
        await api.put("/_sim/ids", {}), "badRequest", 400, "'seed' must be an integer from 0 to 9223372036854775807."
    )


async def test_create_account_then_list_accounts(api):
    status, body, _ = await api.post("/_sim/accounts", {"account_id": "555", "role": "dbaas:observer"})
    assert status == 201
    account = body["account"]
    assert account["account_id"] == "555" and account["username"] == "user-555"
    assert account["role"] == "dbaas:observer" and account["api_key"] and account["password"]
    listed = (await api.get("/_sim/accounts"))[1]["accounts"]
    assert [(a["id"], a["users"]) for a in listed] == [
        (ACCOUNT, [{"username": "demo", "role": "dbaas:admin"}]),
        ("555", [{"username": "user-555", "role": "dbaas:observer"}]),
    ]


async def test_create_account_id_must_be_a_string(api):
    for value in (True, 0, 12, ["x"]):
        assert_fault(
            await api.post("/_sim/accounts", {"account_id": value}), "badRequest", 400, "'account_id' must be a string."
        )
    assert (await api.post("/_sim/accounts", {"account_id": None}))[1]["account"]["account_id"].startswith("acct-")


async def test_create_account_unknown_field_is_bad_request(api):
    assert_fault(
        await api.post("/_sim/accounts", {"account_id": "x", "colour": "red"}),
        "badRequest",
        400,
        "Unknown field(s) for an account: colour.",
    )
