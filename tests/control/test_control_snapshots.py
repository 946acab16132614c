"""/_sim/snapshots: the whole state through SQLite's backup API, or one account's rows; list, restore, delete."""

from __future__ import annotations

import os

from support import ACCOUNT, TOKEN, Api, assert_fault

from simulator import DemoAccount, SimulatorConfig, create_app
from simulator.keys import FAULTS, SNAPSHOTS


async def instance_names(api) -> list[str]:
    return sorted(i["name"] for i in (await api.get("/instances"))[1]["instances"])


async def test_snapshot_of_everything_restores_state_clock_and_scenarios(api):
    await api.create_instance(name="before")
    await api.post("/_sim/scenarios", {"name": "failing_backups", "account_id": ACCOUNT})
    taken_at = (await api.get("/_sim/clock"))[1]["clock"]["now"]
    status, body, _ = await api.post("/_sim/snapshots", {"name": "base"})
    assert status == 201
    assert body["snapshot"] == {"name": "base", "account_id": None, "taken_at": taken_at, "rows": None}
    await api.create_instance(name="after")
    await api.post("/_sim/accounts", {"account_id": "late"})
    await api.delete(f"/_sim/scenarios?account_id={ACCOUNT}")
    await api.post("/_sim/clock/advance", {"seconds": 3600})
    status, body, _ = await api.post("/_sim/snapshots/base/restore")
    assert status == 200 and body["snapshot"]["name"] == "base"
    assert await instance_names(api) == ["before"]
    assert [a["id"] for a in (await api.get("/_sim/accounts"))[1]["accounts"]] == [ACCOUNT]
    assert (await api.get("/_sim/clock"))[1]["clock"]["now"] == taken_at
    assert [s["name"] for s in api.app[FAULTS].list(ACCOUNT)] == ["failing_backups"]
    # the store still works normally after a restore (the request's own transaction was kept intact)
    await api.create_instance(name="again")
    assert await instance_names(api) == ["again", "before"]


async def test_snapshot_of_one_account_restores_only_that_account(api):
    await api.post("/_sim/accounts", {"account_id": "other", "token": "other-token"})
    other = api.as_account("other", "other-token")
    await api.create_instance(name="mine")
    status, body, _ = await api.post("/_sim/snapshots", {"name": "mine", "account_id": ACCOUNT})
    assert status == 201 and body["snapshot"]["account_id"] == ACCOUNT and body["snapshot"]["rows"] >= 3
    await api.create_instance(name="extra")
    await other.create_instance(name="theirs")
    journal_before = len((await api.get(f"/_sim/journal?account_id={ACCOUNT}"))[1]["journal"])
    await api.post("/_sim/snapshots/mine/restore")
    assert await instance_names(api) == ["mine"]
    assert await instance_names(other) == ["theirs"]
    # the account's journal is history, not state: the restore keeps it (and adds its own calls)
    journal = (await api.get(f"/_sim/journal?account_id={ACCOUNT}"))[1]["journal"]
    assert len(journal) > journal_before


async def test_list_and_delete_snapshots(api):
    await api.post("/_sim/snapshots", {})
    await api.post("/_sim/snapshots", {"name": "acct", "account_id": ACCOUNT})
    listed = (await api.get("/_sim/snapshots"))[1]["snapshots"]
    assert [(s["name"], s["account_id"]) for s in listed] == [("snapshot-1", None), ("acct", ACCOUNT)]
    path = api.app[SNAPSHOTS].taken["snapshot-1"]["file"]
    assert os.path.exists(path)
    assert (await api.delete("/_sim/snapshots/snapshot-1"))[0] == 204
    assert not os.path.exists(path)
    assert [s["name"] for s in (await api.get("/_sim/snapshots"))[1]["snapshots"]] == ["acct"]


async def test_snapshot_unknown_is_item_not_found(api):
    assert_fault(await api.post("/_sim/snapshots/nope/restore"), "itemNotFound", 404, "Snapshot nope cannot be found.")
    assert_fault(await api.delete("/_sim/snapshots/nope"), "itemNotFound", 404, "Snapshot nope cannot be found.")
    assert_fault(
        await api.post("/_sim/snapshots", {"account_id": "nobody"}),
        "itemNotFound",
        404,
        "Account nobody cannot be found.",
    )


async def test_snapshot_bad_body_is_bad_request(api):
    assert_fault(
        await api.post("/_sim/snapshots", {"name": ""}),
        "badRequest",
        400,
        "'name' must be a string of 1 to 128 characters.",
    )
    assert_fault(
        await api.post("/_sim/snapshots", {"name": "x", "path": "/tmp/x"}), "badRequest", 400, "Unknown field(s): path."
    )


async def test_snapshots_are_capped_in_number_with_a_clear_413(aiohttp_client):
    api = Api(
        await aiohttp_client(
            create_app(SimulatorConfig(seed=7, bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN), max_snapshots=3))
        )
    )
    for n in range(3):
        assert (await api.post("/_sim/snapshots", {"name": f"s{n}"}))[0] == 201
    assert_fault(
        await api.post("/_sim/snapshots", {"name": "s3"}),
        "overLimit",
        413,
        "At most 3 snapshots are kept: delete one (DELETE /_sim/snapshots/{name}) before taking another.",
    )
    assert (await api.post("/_sim/snapshots", {"name": "s1"}))[0] == 201  # taking one again replaces it
    assert (await api.delete("/_sim/snapshots/s0"))[0] == 204
    assert (await api.post("/_sim/snapshots", {"name": "s3", "account_id": ACCOUNT}))[0] == 201


async def test_snapshots_are_capped_in_bytes_and_a_refused_one_leaves_no_file(aiohttp_client):
    api = Api(
        await aiohttp_client(
            create_app(
                SimulatorConfig(seed=7, bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN), snapshot_bytes=300_000)
            )
        )
    )
    snaps = api.app[SNAPSHOTS]
    assert (await api.post("/_sim/snapshots", {"name": "a"}))[0] == 201
    size = snaps.taken["a"]["bytes"]
    assert 0 < size <= 300_000
    taken = 1
    while snaps.size() + size <= 300_000:
        taken += 1
        assert (await api.post("/_sim/snapshots", {"name": f"x{taken}"}))[0] == 201
    status, body, _ = await api.post("/_sim/snapshots", {"name": "over"})
    assert_fault((status, body), "overLimit", 413, contains="Snapshots may take 300000 bytes in all; this one (")
    assert sorted(os.listdir(snaps.folder)) == sorted(os.path.basename(s["file"]) for s in snaps.taken.values())
    assert "over" not in snaps.taken and len(snaps.taken) == taken


async def test_the_snapshot_folder_goes_when_the_app_is_cleaned_up(aiohttp_client):
    client = await aiohttp_client(create_app(SimulatorConfig()))
    assert (await client.post("/_sim/snapshots", json={"name": "a"})).status == 201
    folder = client.server.app[SNAPSHOTS].folder
    assert os.path.isdir(folder)
    await client.close()
    assert not os.path.exists(folder)
