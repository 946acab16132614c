"""Backups: create, lifecycle on the clock, list, show, delete, and every bad input's fault."""

import re

import pytest
from support import ACCOUNT, TOKEN, assert_fault

from simulator import DemoAccount, Durations, SimulatorConfig

BACKUP_KEYS = {
    "created",
    "datastore",
    "description",
    "flavor_ram",
    "id",
    "instance_id",
    "is_automated",
    "locationRef",
    "name",
    "parent_id",
    "size",
    "source",
    "status",
    "type",
    "updated",
    "volume_size",
}
UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def sim_config():
    return SimulatorConfig(
        seed=7,
        bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN),
        durations=Durations(resize=30, shutdown=10, backup=40, backup_per_gb=100),
    )


@pytest.fixture
async def inst(api):
    return await api.create_instance(
        databases=[{"name": "shop"}], users=[{"name": "alice", "password": "pw1", "databases": [{"name": "shop"}]}]
    )


async def backup(api, instance_id, name="b1", **extra):
    status, body, _ = await api.post("/backups", {"backup": {"name": name, "instance": instance_id, **extra}})
    assert status == 202, body
    return body["backup"]


async def show(api, backup_id):
    return (await api.get(f"/backups/{backup_id}"))[1]["backup"]


async def instance_status(api, instance_id):
    return (await api.get(f"/instances/{instance_id}"))[1]["instance"]["status"]


async def listed_ids(api):
    return [b["id"] for b in (await api.get("/backups"))[1]["backups"]]


async def other_account(api):
    api.backend.identity.create_account("5678", token="other-token")
    return api.as_account("5678", "other-token")


# create and lifecycle ---------------------------------------------------------------------------
async def test_create_backup_answers_202_with_the_backup_in_new(api, inst):
    status, body, _ = await api.post(
        "/backups", {"backup": {"name": "snapshot", "instance": inst["id"], "description": "My Backup"}}
    )
    assert status == 202
    b = body["backup"]
    assert set(b) == BACKUP_KEYS
    assert b["status"] == "NEW" and b["size"] is None and b["locationRef"] is None
    assert b["parent_id"] is None and b["type"] == "InnoBackupEx" and b["is_automated"] is False
    assert b["instance_id"] == inst["id"] and b["source"] == {"type": "instance", "id": inst["id"]}
    assert b["datastore"] == {"type": "mysql", "version": "8.0", "version_id": "0b058cca-ed2b-46e7-8736-abbb4242df83"}
    assert b["name"] == "snapshot" and b["description"] == "My Backup"
    assert b["flavor_ram"] == 1024 and b["volume_size"] == 2
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", b["created"]) and b["created"] == b["updated"]


async def test_create_backup_goes_new_building_completed_on_the_clock(api, inst):
    b = await backup(api, inst["id"])
    api.advance(9)
    assert (await show(api, b["id"]))["status"] == "NEW"
    api.advance(1)  # a quarter of the fixed 40 s
    building = await show(api, b["id"])
    assert building["status"] == "BUILDING" and building["size"] == 0.21 and building["locationRef"] is None
    api.advance(30 + 21 - 1)  # 40 s + 0.21 GB * 100 s/GB
    assert (await show(api, b["id"]))["status"] == "BUILDING"
    api.advance(1)
    done = await show(api, b["id"])
    assert done["status"] == "COMPLETED" and done["size"] == 0.21
    assert done["locationRef"] == (
        f"https://snet-storage101.dfw1.clouddrive.com/v1/MossoCloudFS_1234/z_CLOUDDB_BACKUPS/{b['id']}.xbstream.gz"
    )
    assert done["updated"] > done["created"]


async def test_create_backup_shows_the_instance_in_backup_until_it_ends(api, inst):
    b = await backup(api, inst["id"])
    assert await instance_status(api, inst["id"]) == "BACKUP"
    listed = (await api.get("/instances"))[1]["instances"]
    assert [i["status"] for i in listed] == ["BACKUP"]
    api.advance(61)
    assert (await show(api, b["id"]))["status"] == "COMPLETED"
    assert await instance_status(api, inst["id"]) == "ACTIVE"


async def test_create_backup_takes_longer_for_more_data(api):
    small = await api.create_instance(name="small")
    big = await api.create_instance(name="big", databases=[{"name": f"d{i}"} for i in range(10)])
    b_small, b_big = await backup(api, small["id"]), await backup(api, big["id"])
    api.advance(40 + 16)  # small holds 0.16 GB
    assert (await show(api, b_small["id"]))["status"] == "COMPLETED"
    assert (await show(api, b_big["id"]))["status"] == "BUILDING"
    api.advance(50)  # big holds 0.66 GB
    assert (await show(api, b_big["id"]))["status"] == "COMPLETED"
    assert (await show(api, b_big["id"]))["size"] == 0.66


async def test_create_backup_while_one_runs_is_unprocessable(api, inst):
    await backup(api, inst["id"])
    assert_fault(
        await api.post("/backups", {"backup": {"name": "b2", "instance": inst["id"]}}),
        "unprocessableEntity",
        422,
        f"Instance {inst['id']} is not currently available for an action to be performed (instance status was BACKUP).",
    )
    assert len(await listed_ids(api)) == 1


async def test_gated_actions_and_data_changes_during_a_backup_are_unprocessable(api, inst):
    await backup(api, inst["id"])
    assert_fault(
        await api.post(f"/instances/{inst['id']}/action", {"restart": {}}),
        "unprocessableEntity",
        422,
        f"Instance {inst['id']} is not currently available for an action to be performed (instance status was BACKUP).",
    )
    assert_fault(
        await api.post(f"/instances/{inst['id']}/databases", {"databases": [{"name": "new"}]}),
        "unprocessableEntity",
        422,
        f"Instance {inst['id']} is not ready, status: BACKUP.",
    )


async def test_create_backup_of_an_instance_being_resized_is_unprocessable(api, inst):
    assert (await api.post(f"/instances/{inst['id']}/action", {"resize": {"volume": {"size": 5}}}))[0] == 202
    assert_fault(
        await api.post("/backups", {"backup": {"name": "b", "instance": inst["id"]}}),
        "unprocessableEntity",
        422,
        f"Instance {inst['id']} is not currently available for an action to be performed (task status was RESIZING).",
    )
    assert await listed_ids(api) == []


async def test_create_backup_beyond_the_quota_is_over_limit(api, inst):
    api.backend.store.accounts.update_settings(ACCOUNT, settings={"quotas": {"backups": 1}})
    await backup(api, inst["id"])
    api.advance(100)
    assert_fault(
        await api.post("/backups", {"backup": {"name": "b2", "instance": inst["id"]}}),
        "overLimit",
        413,
        "Quota exceeded for resources: ['backups'].",
    )
    assert len(await listed_ids(api)) == 1


# bad input -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "spec, fault, code, message",
    [
        ({"instance": "{iid}"}, "badRequest", 400, "Validation error: backup 'name' is a required property"),
        ({"name": "b"}, "badRequest", 400, "instance is missing."),
        ({"name": "b", "instance": None}, "badRequest", 400, "instance is missing."),
        ({"name": "b", "instance": UNKNOWN}, "itemNotFound", 404, f"Resource {UNKNOWN} cannot be found."),
        (
            {"name": "b", "instance": "not-an-id"},
            "badRequest",
            400,
            "Validation error: backup['instance'] 'not-an-id' does "
            "not match '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$'",
        ),
        (
            {"name": "", "instance": "{iid}"},
            "badRequest",
            400,
            "Validation error: backup['name'] '' should be non-empty; "
            "backup['name'] '' does not match '^.*[0-9a-zA-Z]+.*$'",
        ),
        (
            {"name": 5, "instance": "{iid}"},
            "badRequest",
            400,
            "Validation error: backup['name'] 5 is not of type 'string'",
        ),
        (
            {"name": "n" * 65, "instance": "{iid}"},
            "badRequest",
            400,
            f"Validation error: backup['name'] '{'n' * 65}' is too long",
        ),
        (
            {"name": "b", "instance": 42},
            "badRequest",
            400,
            "Validation error: backup['instance'] 42 is not of type 'string', 'null'",
        ),
        (
            {"name": "b", "instance": "{iid}", "incremental": True},
            "badRequest",
            400,
            "Validation error: backup['incremental'] True is not of type 'integer'",
        ),
        (
            {"name": "b", "instance": "{iid}", "incremental": 2},
            "badRequest",
            400,
            "Validation error: backup['incremental'] 2 is greater than the maximum of 1",
        ),
        (
            {"name": "b", "instance": "{iid}", "parent_id": UNKNOWN},
            "itemNotFound",
            404,
            f"Resource {UNKNOWN} cannot be found.",
        ),
        (
            {"name": "b", "instance": "{iid}", "description": ["x"]},
            "badRequest",
            400,
            "Validation error: backup['description'] ['x'] is not of type 'string', 'null'",
        ),
        (
            {"name": "b", "instance": "{iid}", "copy_to": ["LON"]},
            "badRequest",
            400,
            "Validation error: backup['copy_to'][0] 'LON' is not one of ['DFW', 'ORD', 'IAD', 'HKG', 'SYD']",
        ),
    ],
)
async def test_create_backup_bad_input_gets_its_fault_and_writes_nothing(api, inst, spec, fault, code, message):
    spec = {k: (v.replace("{iid}", inst["id"]) if isinstance(v, str) else v) for k, v in spec.items()}
    answer = await api.post("/backups", {"backup": spec})
    assert_fault(answer, fault, code, message)
    if message is None:
        assert answer[1]["badRequest"]["message"].startswith("Validation error: backup")
    assert await listed_ids(api) == []
    assert await instance_status(api, inst["id"]) == "ACTIVE"


@pytest.mark.parametrize("body", [{}, {"backups": {"name": "x"}}, {"backup": "x"}, [1]])
async def test_create_backup_wrong_json_shape_is_bad_request(api, inst, body):
    status, answer, _ = await api.post("/backups", body)
    assert status == 400 and list(answer) == ["badRequest"]
    assert answer["badRequest"]["message"].startswith("Validation error:")
    assert await listed_ids(api) == []


async def test_create_backup_malformed_json_is_bad_request(api, inst):
    assert_fault(
        await api.post("/backups", data=b"{not json"),
        "badRequest",
        400,
        "Malformed request body: the body is not valid JSON.",
    )


async def test_create_backup_of_another_accounts_instance_is_not_found(api, inst):
    other = await other_account(api)
    assert_fault(
        await other.post("/backups", {"backup": {"name": "b", "instance": inst["id"]}}),
        "itemNotFound",
        404,
        f"Resource {inst['id']} cannot be found.",
    )
    assert await listed_ids(api) == [] and await listed_ids(other) == []


async def test_create_backup_with_another_accounts_parent_is_not_found(api, inst):
    b = await backup(api, inst["id"])
    api.advance(100)
    other = await other_account(api)
    theirs = await other.create_instance(name="theirs")
    assert_fault(
        await other.post("/backups", {"backup": {"name": "b", "instance": theirs["id"], "parent_id": b["id"]}}),
        "itemNotFound",
        404,
        f"Resource {b['id']} cannot be found.",
    )
    assert await listed_ids(other) == []


async def test_create_backup_from_a_remote_location_is_not_implemented(api):
    assert_fault(
        await api.post("/backups", {"backup": {"name": "b", "restore_from": {"remote_location": "x"}}}),
        "notImplemented",
        501,
        "Creating a backup record from a remote location is not simulated.",
    )


# list and show -----------------------------------------------------------------------------------
async def test_list_backups_is_newest_first_with_datastore_and_instance_filters(api, inst):
    other = await api.create_instance(name="pg", datastore={"type": "percona"})
    first = await backup(api, inst["id"], name="first")
    api.advance(100)
    second = await backup(api, other["id"], name="second")
    api.advance(100)
    third = await backup(api, inst["id"], name="third")
    assert await listed_ids(api) == [third["id"], second["id"], first["id"]]
    mysql = (await api.get("/backups?datastore=mysql"))[1]["backups"]
    assert [b["id"] for b in mysql] == [third["id"], first["id"]]
    percona = (await api.get("/backups?datastore=percona"))[1]["backups"]
    assert [b["id"] for b in percona] == [second["id"]]
    by_instance = (await api.get(f"/backups?instance_id={other['id']}"))[1]["backups"]
    assert [b["id"] for b in by_instance] == [second["id"]]
    assert (await api.get(f"/instances/{inst['id']}/backups"))[1] == {
        "backups": [await show(api, third["id"]), await show(api, first["id"])]
    }


async def test_list_backups_pages_with_an_integer_offset_marker(api, inst):
    ids: list[str] = []
    for i in range(3):
        ids.insert(0, (await backup(api, inst["id"], name=f"b{i}"))["id"])
        api.advance(100)
    _, page1, _ = await api.get("/backups?limit=2")
    assert [b["id"] for b in page1["backups"]] == ids[:2]
    href = page1["links"][0]["href"]
    assert page1["links"][0]["rel"] == "next" and "marker=2" in href and "limit=2" in href
    _, page2, _ = await api.get("/backups?limit=2&marker=2")
    assert [b["id"] for b in page2["backups"]] == ids[2:] and "links" not in page2
    _, pyrax, _ = await api.get(f"/instances/{inst['id']}/backups?limit=20&marker=0")
    assert [b["id"] for b in pyrax["backups"]] == ids


async def test_list_backups_non_integer_marker_is_bad_request(api):
    assert_fault(
        await api.get("/backups?marker=abc"),
        "badRequest",
        400,
        "Invalid marker 'abc': backups are paged with a non-negative integer offset.",
    )


async def test_list_backups_unknown_datastore_is_not_found(api):
    assert_fault(await api.get("/backups?datastore=oracle"), "itemNotFound", 404, "Datastore 'oracle' cannot be found.")


async def test_list_instance_backups_of_an_unknown_instance_is_not_found(api):
    assert_fault(
        await api.get(f"/instances/{UNKNOWN}/backups"), "itemNotFound", 404, f"Resource {UNKNOWN} cannot be found."
    )


async def test_show_backup_unknown_or_another_accounts_is_not_found(api, inst):
    assert_fault(await api.get(f"/backups/{UNKNOWN}"), "itemNotFound", 404, f"Resource {UNKNOWN} cannot be found.")
    b = await backup(api, inst["id"])
    other = await other_account(api)
    assert_fault(await other.get(f"/backups/{b['id']}"), "itemNotFound", 404, f"Resource {b['id']} cannot be found.")


# delete, instance delete, faults --------------------------------------------------------------------
async def test_delete_backup_answers_202_and_it_is_gone(api, inst):
    b = await backup(api, inst["id"])
    api.advance(100)
    status, body, _ = await api.delete(f"/backups/{b['id']}")
    assert status == 202 and body is None
    assert_fault(await api.get(f"/backups/{b['id']}"), "itemNotFound", 404, f"Resource {b['id']} cannot be found.")


async def test_delete_backup_while_it_runs_is_unprocessable(api, inst):
    b = await backup(api, inst["id"])
    assert_fault(
        await api.delete(f"/backups/{b['id']}"),
        "unprocessableEntity",
        422,
        f"Backup {b['id']} cannot be deleted because it is running.",
    )
    assert await listed_ids(api) == [b["id"]]


async def test_delete_backup_of_another_account_is_not_found(api, inst):
    b = await backup(api, inst["id"])
    api.advance(100)
    other = await other_account(api)
    assert_fault(await other.delete(f"/backups/{b['id']}"), "itemNotFound", 404, f"Resource {b['id']} cannot be found.")
    assert await listed_ids(api) == [b["id"]]


async def test_delete_instance_fails_its_running_backup_and_keeps_its_backups(api, inst):
    done = await backup(api, inst["id"], name="done")
    api.advance(100)
    running = await backup(api, inst["id"], name="running")
    status, _, _ = await api.delete(f"/instances/{inst['id']}")
    assert status == 202
    api.advance(100)
    assert (await api.get(f"/instances/{inst['id']}"))[0] == 404
    assert (await show(api, running["id"]))["status"] == "FAILED"
    assert (await show(api, done["id"]))["status"] == "COMPLETED"
    assert await listed_ids(api) == [running["id"], done["id"]]


async def test_a_model_fault_makes_the_backup_end_failed(api, inst):
    b = await backup(api, inst["id"])
    api.backend.backups.mark_fault(b["id"])
    api.advance(100)
    failed = await show(api, b["id"])
    assert failed["status"] == "FAILED" and failed["locationRef"] is None
    assert await instance_status(api, inst["id"]) == "ACTIVE"


async def test_delete_account_removes_its_backups_and_schedules(api, inst):
    await backup(api, inst["id"])
    api.advance(100)
    await api.post(
        "/schedules",
        {"schedule": {"action": "backup", "day_of_week": 0, "hour": 1, "minute": 0, "instance_id": inst["id"]}},
    )
    api.backend.store.backups.delete_account(ACCOUNT)
    assert await listed_ids(api) == []
    assert (await api.get("/schedules"))[1] == {"schedules": []}


async def test_backup_action_malformed_body_is_bad_request(api):
    assert_fault(
        await api.call("POST", "/backups/61f12fef-edb1-4561-8122-e7c00ef26a82/action", data=b"{oops"),
        "badRequest",
        400,
        "Malformed request body: the body is not valid JSON.",
    )
