"""Scheduled backups: CRUD, validation, firing as the clock passes (and jumps over) slots, retention, run_now."""

import pytest
from support import ACCOUNT, TOKEN, assert_fault

from simulator import DemoAccount, Durations, SimulatorConfig

#: The API's names for a backup's kind (the model's full and incremental).
FULL, INCREMENTAL = "InnoBackupEx", "InnoBackupExIncremental"

UNKNOWN = "00000000-0000-4000-8000-000000000000"
DAY = 24 * 3600
SCHEDULE_KEYS = {
    "action",
    "copy_to",
    "created",
    "day_of_month",
    "day_of_week",
    "full_backup_retention",
    "hour",
    "id",
    "instance_id",
    "last_scheduled",
    "minute",
    "month",
    "next_run",
    "running",
    "source",
    "updated",
}


@pytest.fixture
def sim_config():
    # 2014-10-26 is a Sunday (day_of_week 0).
    return SimulatorConfig(
        seed=3,
        bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN),
        start_time="2014-10-26T00:00:00Z",
        durations=Durations(backup=60, backup_per_gb=100),
    )


@pytest.fixture
async def inst(api):
    return (await api.create_instance(databases=[{"name": "shop"}]))["id"]


def spec(iid, **fields):
    body = {"action": "backup", "day_of_week": 0, "hour": 1, "minute": 30, "instance_id": iid}
    body.update(fields)
    return {"schedule": body}


async def create(api, instance_id, **fields):
    status, body, _ = await api.post("/schedules", spec(instance_id, **fields))
    assert status == 202, body
    return body["schedule"]


async def backups(api):
    """Every backup, oldest first."""
    return (await api.get("/backups?limit=1000"))[1]["backups"][::-1]


async def test_create_schedule_answers_202_with_the_schedule(api, inst):
    status, body, _ = await api.post("/schedules", spec(inst, hour=14, minute=30, copy_to=["IAD", "ORD"]))
    assert status == 202
    s = body["schedule"]
    assert set(s) == SCHEDULE_KEYS
    assert s["action"] == "backup" and s["day_of_week"] == 0 and s["hour"] == 14 and s["minute"] == 30
    assert s["instance_id"] == inst and s["source"] == {"id": inst, "type": "instance"}
    assert s["next_run"] == "2014-10-26T14:30:00" and s["last_scheduled"] is None and s["running"] is False
    assert s["created"] == s["updated"] == "2014-10-26T00:00:00"
    assert s["copy_to"] == ["IAD", "ORD"] and s["full_backup_retention"] == 2  # the default retention
    assert s["day_of_month"] is None and s["month"] is None


async def test_list_show_and_delete_schedules(api, inst):
    s = await create(api, inst)
    assert (await api.get("/schedules"))[1] == {"schedules": [s]}
    assert (await api.get(f"/schedules/{s['id']}"))[1] == {"schedule": s}
    status, body, _ = await api.delete(f"/schedules/{s['id']}")
    assert status == 202 and body is None
    assert (await api.get("/schedules"))[1] == {"schedules": []}
    assert_fault(await api.get(f"/schedules/{s['id']}"), "itemNotFound", 404, f"Resource {s['id']} cannot be found.")


async def test_schedule_of_another_account_is_not_found(api, inst):
    s = await create(api, inst)
    api.backend.identity.create_account("5678", token="other-token")
    other = api.as_account("5678", "other-token")
    assert_fault(await other.get(f"/schedules/{s['id']}"), "itemNotFound", 404, f"Resource {s['id']} cannot be found.")
    assert_fault(
        await other.delete(f"/schedules/{s['id']}"), "itemNotFound", 404, f"Resource {s['id']} cannot be found."
    )
    assert_fault(await other.post("/schedules", spec(inst)), "itemNotFound", 404, f"Resource {inst} cannot be found.")
    assert (await other.get("/schedules"))[1] == {"schedules": []}


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"day_of_week": 8}, "Validation error: schedule['day_of_week'] 8 is greater than the maximum of 7"),
        ({"day_of_week": -1}, "Validation error: schedule['day_of_week'] -1 is less than the minimum of 0"),
        ({"hour": 24}, "Validation error: schedule['hour'] 24 is greater than the maximum of 23"),
        ({"minute": 60}, "Validation error: schedule['minute'] 60 is greater than the maximum of 59"),
        ({"minute": "5"}, "Validation error: schedule['minute'] '5' is not of type 'integer'"),
        ({"hour": True}, "Validation error: schedule['hour'] True is not of type 'integer'"),
        ({"action": "restore"}, "Validation error: schedule['action'] 'restore' is not one of ['backup']"),
        (
            {"full_backup_retention": 0},
            "Validation error: schedule['full_backup_retention'] 0 is less than the minimum of 1",
        ),
        (
            {"copy_to": ["LON"]},
            "Validation error: schedule['copy_to'][0] 'LON' is not one of ['DFW', 'ORD', 'IAD', 'HKG', 'SYD']",
        ),
        ({"instance_id": None}, "instance_id is missing."),
        (
            {"instance_id": "nope"},
            "Validation error: schedule['instance_id'] 'nope' does not match "
            "'^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$'",
        ),
    ],
)
async def test_create_schedule_bad_input_is_bad_request_and_writes_nothing(api, inst, fields, message):
    body = spec(inst, **fields)
    if fields.get("instance_id", 1) is None:
        del body["schedule"]["instance_id"]
    assert_fault(await api.post("/schedules", body), "badRequest", 400, message)
    assert (await api.get("/schedules"))[1] == {"schedules": []}


async def test_create_schedule_missing_field_is_bad_request(api, inst):
    body = spec(inst)
    del body["schedule"]["hour"]
    assert_fault(
        await api.post("/schedules", body),
        "badRequest",
        400,
        "Validation error: schedule 'hour' is a required property",
    )


async def test_create_schedule_unknown_instance_is_not_found(api):
    assert_fault(
        await api.post("/schedules", spec(UNKNOWN)), "itemNotFound", 404, f"Resource {UNKNOWN} cannot be found."
    )


async def test_create_second_schedule_for_an_instance_is_bad_request(api, inst):
    s = await create(api, inst)
    assert_fault(
        await api.post("/schedules", spec(inst, hour=5)),
        "badRequest",
        400,
        f"Instance {inst} already has a backup schedule ({s['id']}).",
    )
    assert len((await api.get("/schedules"))[1]["schedules"]) == 1


async def test_schedule_fires_each_missed_slot_in_order_when_the_clock_jumps(api, inst):
    s = await create(api, inst, day_of_week=0, hour=1, minute=30)
    api.advance(10 * DAY)  # Sun 26th .. Tue 4th Nov: ten slots at 01:30
    made = await backups(api)
    assert [b["created"] for b in made] == [
        f"2014-{d}T01:30:00"
        for d in ("10-26", "10-27", "10-28", "10-29", "10-30", "10-31", "11-01", "11-02", "11-03", "11-04")
    ]
    assert all(b["is_automated"] == 1 and b["status"] == "COMPLETED" for b in made)
    assert [b["type"] for b in made] == [FULL] + [INCREMENTAL] * 6 + [FULL] + [INCREMENTAL] * 2
    assert [b["parent_id"] for b in made] == [None, *[b["id"] for b in made[:6]], None, made[7]["id"], made[8]["id"]]
    shown = (await api.get(f"/schedules/{s['id']}"))[1]["schedule"]
    assert shown["last_scheduled"] == "2014-11-04T01:30:00" and shown["next_run"] == "2014-11-05T01:30:00"


async def test_schedule_fires_as_the_clock_passes_the_slot(api, inst):
    await create(api, inst, hour=1, minute=30)
    api.advance(5399)
    assert await backups(api) == []
    api.advance(1)
    made = await backups(api)
    assert len(made) == 1 and made[0]["status"] == "NEW" and made[0]["type"] == FULL
    assert (await api.get(f"/instances/{inst}"))[1]["instance"]["status"] == "BACKUP"
    s = (await api.get("/schedules"))[1]["schedules"][0]
    assert s["running"] is True
    api.advance(100)
    assert (await backups(api))[0]["status"] == "COMPLETED"
    assert (await api.get("/schedules"))[1]["schedules"][0]["running"] is False


async def test_schedule_day_of_week_seven_takes_a_full_backup_every_day(api, inst):
    await create(api, inst, day_of_week=7, full_backup_retention=5)
    api.advance(3 * DAY)
    assert [(b["type"], b["parent_id"]) for b in await backups(api)] == [(FULL, None)] * 3


async def test_schedule_keeps_only_the_retained_full_chains(api, inst):
    await create(api, inst, day_of_week=0, full_backup_retention=2)
    api.advance(21 * DAY)  # fulls on the 26th, 2nd and 9th, then incrementals up to the 15th
    made = await backups(api)
    fulls = [b for b in made if b["type"] == FULL]
    assert [b["created"] for b in fulls] == ["2014-11-02T01:30:00", "2014-11-09T01:30:00"]
    assert len(made) == 14 and made[0]["created"] == "2014-11-02T01:30:00"


async def test_schedule_default_retention_is_two_full_backups(api, inst):
    await create(api, inst, day_of_week=7)
    api.advance(5 * DAY)
    assert [b["created"] for b in await backups(api)] == ["2014-10-29T01:30:00", "2014-10-30T01:30:00"]


async def test_schedule_skips_a_slot_the_instance_cannot_take(api, inst):
    await create(api, inst, day_of_week=7, hour=1, minute=0)
    manual = await api.post("/backups", {"backup": {"name": "manual", "instance": inst}})
    assert manual[0] == 202
    api.clock.advance(3600 - 30)  # the manual backup (76 s) still runs at the 01:00 slot
    api.backend.settle()
    assert [b["name"] for b in await backups(api)] == ["manual"]
    api.advance(DAY)
    assert [b["is_automated"] for b in await backups(api)] == [0, 1]


async def test_update_schedule_changes_the_time_and_run_now_takes_a_backup(api, inst):
    s = await create(api, inst, day_of_week=0, hour=1, minute=30)
    status, body, _ = await api.put(
        f"/schedules/{s['id']}", {"schedule": {"hour": 6, "minute": 19, "full_backup_retention": 3}}
    )
    assert status == 202 and body is None
    shown = (await api.get(f"/schedules/{s['id']}"))[1]["schedule"]
    assert shown["hour"] == 6 and shown["minute"] == 19 and shown["full_backup_retention"] == 3
    assert shown["next_run"] == "2014-10-26T06:19:00"
    assert (await api.put(f"/schedules/{s['id']}", {"schedule": {"run_now": "true"}}))[0] == 202
    made = await backups(api)
    assert len(made) == 1 and made[0]["is_automated"] == 1 and made[0]["created"] == "2014-10-26T00:00:00"


async def test_update_schedule_run_now_while_a_backup_runs_is_unprocessable(api, inst):
    s = await create(api, inst)
    await api.post("/backups", {"backup": {"name": "manual", "instance": inst}})
    assert_fault(
        await api.put(f"/schedules/{s['id']}", {"schedule": {"run_now": True, "hour": 9}}),
        "unprocessableEntity",
        422,
        f"Instance {inst} is not currently available for an action to be performed (instance status was BACKUP).",
    )
    assert (await api.get(f"/schedules/{s['id']}"))[1]["schedule"]["hour"] == 1
    assert len(await backups(api)) == 1


@pytest.mark.parametrize("fields", [{"hour": -1}, {"minute": 99}, {"day_of_week": "monday"}, {"run_now": "yes"}])
async def test_update_schedule_bad_input_is_bad_request_and_changes_nothing(api, inst, fields):
    s = await create(api, inst)
    status, body, _ = await api.put(f"/schedules/{s['id']}", {"schedule": fields})
    assert status == 400 and body["badRequest"]["message"].startswith("Validation error: schedule[")
    assert (await api.get(f"/schedules/{s['id']}"))[1]["schedule"] == s


async def test_update_schedule_with_a_field_it_does_not_know_is_refused_naming_it(api, inst):
    s = await create(api, inst)
    assert_fault(
        await api.put(f"/schedules/{s['id']}", {"schedule": {"hour": 9, "bogus": 1}}),
        "badRequest",
        400,
        "Validation error: schedule Additional properties are not allowed ('bogus' was unexpected)",
    )
    assert (await api.get(f"/schedules/{s['id']}"))[1]["schedule"] == s


async def test_delete_instance_deletes_its_schedule(api, inst):
    await create(api, inst)
    assert (await api.delete(f"/instances/{inst}"))[0] == 202
    assert (await api.get("/schedules"))[1] == {"schedules": []}


# --- what cdbclient sends: nulls for fields not given ---------------------------------------------------------------


async def test_create_schedule_with_nulls_for_fields_not_given_is_accepted(api, inst):
    """cdbclient's create_backup always sends source_id, source_type and copy_to, as null when not given."""
    s = await create(api, inst, source_id=None, source_type=None, copy_to=None)
    assert (s["instance_id"], s["source"], s["copy_to"]) == (inst, {"id": inst, "type": "instance"}, [])


async def test_create_schedule_of_an_instance_by_source_id_with_a_null_instance_id(api, inst):
    s = await create(api, None, source_id=inst, source_type="instance", copy_to=None)
    assert (s["instance_id"], s["source"]) == (inst, {"id": inst, "type": "instance"})


async def test_update_schedule_with_cdb_clis_run_now_false_and_null_copy_to_changes_only_what_is_given(api, inst):
    s = await create(api, inst, copy_to=["IAD"])
    assert (await api.put(f"/schedules/{s['id']}", {"schedule": {"run_now": False, "copy_to": None, "hour": 6}}))[
        0
    ] == 202
    shown = (await api.get(f"/schedules/{s['id']}"))[1]["schedule"]
    assert (shown["hour"], shown["copy_to"]) == (6, ["IAD"]) and await backups(api) == []


async def test_update_schedule_takes_cdb_clis_comma_separated_copy_to(api, inst):
    s = await create(api, inst)
    assert (await api.put(f"/schedules/{s['id']}", {"schedule": {"copy_to": "IAD,ORD"}}))[0] == 202
    assert (await api.get(f"/schedules/{s['id']}"))[1]["schedule"]["copy_to"] == ["IAD", "ORD"]
    assert_fault(
        await api.put(f"/schedules/{s['id']}", {"schedule": {"copy_to": "IAD,LON"}}),
        "badRequest",
        400,
        contains="Validation error: schedule['copy_to'] 'IAD,LON' is not valid under any of the given schemas",
    )


async def test_schedule_copy_to_its_own_region_is_bad_request(api, inst):
    assert_fault(
        await api.post("/schedules", spec(inst, copy_to=["IAD", "DFW"])),
        "badRequest",
        400,
        "copy_to names DFW, where the backup is taken: name other regions.",
    )


async def test_scheduled_backups_are_copied_to_the_copy_to_regions(api, inst):
    await create(api, inst, copy_to=["IAD"])
    api.advance(DAY / 2)  # the 01:30 full, then long enough for it and its copy to complete
    [made] = await backups(api)
    iad = api.as_account(ACCOUNT, TOKEN)
    iad.url = lambda path: f"/iad/v1.0/{ACCOUNT}{path}"
    [copied] = (await iad.get("/backups"))[1]["backups"]
    assert (copied["name"], copied["status"]) == (made["name"], "COMPLETED") and copied["id"] != made["id"]


# --- HA groups (source_type "ha") -----------------------------------------------------------------------------------


def ha_group_body() -> dict:
    node = {"flavorRef": "2", "volume": {"size": 1}}
    return {
        "ha": {
            "name": "ha-1",
            "datastore": {"type": "mysql", "version": "5.7"},
            "replica_source": [{"name": "src", **node}],
            "replicas": [{"name": "rep", **node}],
        }
    }


async def ha_group(api) -> str:
    status, body, _ = await api.post("/ha", ha_group_body())
    assert status == 202, body
    api.advance(600)
    return body["ha_instance"]["id"]


async def test_ha_schedule_backs_the_group_up_as_ha_backups(api):
    ha_id = await ha_group(api)
    status, body, _ = await api.post("/schedules", spec(None, source_id=ha_id, source_type="ha", hour=1, minute=30))
    assert status == 202, body
    s = body["schedule"]
    assert (s["instance_id"], s["source"]) == (None, {"id": ha_id, "type": "ha"})
    api.advance(2 * DAY)
    made = await backups(api)
    assert [(b["type"], b["is_automated"], b["source"]["type"], b["source"]["id"]) for b in made] == [
        ("InnoBackupEx", 1, "ha", ha_id),
        ("InnoBackupExIncremental", 1, "ha", ha_id),
    ]
    assert made[1]["parent_id"] == made[0]["id"]
    assert [b["id"] for b in (await api.get(f"/ha/{ha_id}/backups"))[1]["backups"]] == [made[1]["id"], made[0]["id"]]
    assert_fault(
        await api.post("/schedules", spec(None, source_id=ha_id, source_type="ha")),
        "badRequest",
        400,
        f"HA instance {ha_id} already has a backup schedule ({s['id']}).",
    )


async def test_ha_schedule_of_an_unknown_group_or_without_source_id_is_refused(api, inst):
    assert_fault(
        await api.post("/schedules", spec(None, source_id=UNKNOWN, source_type="ha")),
        "itemNotFound",
        404,
        f"Resource {UNKNOWN} cannot be found.",
    )
    assert_fault(await api.post("/schedules", spec(inst, source_type="ha")), "badRequest", 400, "source_id is missing.")
    assert (await api.get("/schedules"))[1] == {"schedules": []}


async def test_deleting_the_group_deletes_its_schedule(api):
    ha_id = await ha_group(api)
    await create(api, None, source_id=ha_id, source_type="ha")
    assert (await api.delete(f"/ha/{ha_id}"))[0] == 202
    api.advance(600)
    assert (await api.get("/schedules"))[1] == {"schedules": []}


async def test_convert_to_ha_makes_the_sources_schedule_the_groups(api, inst):
    api.advance(600)
    status, body, _ = await api.post("/instances", {"instance": {"name": "rep", "replica_of": inst}})
    assert status == 200, body
    api.advance(600)
    s = await create(api, inst)
    status, body, _ = await api.post(
        f"/instances/{inst}/action",
        {"convert_to_ha": {"name": "ha-c", "scheduled_backup": {"hour": "5", "minute": "0", "day_of_week": "1"}}},
    )
    assert status == 202, body
    ha_id = body["ha_instance"]["id"]
    shown = (await api.get(f"/schedules/{s['id']}"))[1]["schedule"]
    assert (shown["instance_id"], shown["source"]) == (None, {"id": ha_id, "type": "ha"})
    assert (shown["day_of_week"], shown["hour"], shown["minute"]) == (1, 5, 0)  # the time sent with the convert


async def test_run_now_of_a_schedule_with_copy_to_copies_its_backup(api, inst):
    s = await create(api, inst, copy_to=["ORD"])
    assert (await api.put(f"/schedules/{s['id']}", {"schedule": {"run_now": True}}))[0] == 202
    api.advance(3600)  # before the 01:30 slot
    ord_ = api.as_account(ACCOUNT, TOKEN)
    ord_.url = lambda path: f"/ord/v1.0/{ACCOUNT}{path}"
    [made] = await backups(api)
    [copied] = (await ord_.get("/backups"))[1]["backups"]
    assert (copied["name"], copied["status"]) == (made["name"], "COMPLETED")
    assert (await api.get(f"/instances/{inst}"))[1]["instance"]["status"] == "ACTIVE"
