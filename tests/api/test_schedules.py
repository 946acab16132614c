"""Scheduled backups: CRUD, validation, firing as the clock passes (and jumps over) slots, retention, run_now."""
import pytest
from support import ACCOUNT, TOKEN, assert_fault

from simulator import DemoAccount, Durations, SimulatorConfig

UNKNOWN = "00000000-0000-4000-8000-000000000000"
DAY = 24 * 3600
SCHEDULE_KEYS = {"action", "copy_to", "created", "day_of_month", "day_of_week", "full_backup_retention", "hour",
                 "id", "instance_id", "last_scheduled", "minute", "month", "next_run", "running", "source",
                 "updated"}


@pytest.fixture
def sim_config():
    # 2014-10-26 is a Sunday (day_of_week 0).
    return SimulatorConfig(seed=3, bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN),
                           start_time="2014-10-26T00:00:00Z", durations=Durations(backup=60, backup_per_gb=100))


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
    assert s["copy_to"] == ["IAD", "ORD"] and s["full_backup_retention"] is None
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
    assert_fault(await other.delete(f"/schedules/{s['id']}"), "itemNotFound", 404,
                 f"Resource {s['id']} cannot be found.")
    assert_fault(await other.post("/schedules", spec(inst)), "itemNotFound", 404, f"Resource {inst} cannot be found.")
    assert (await other.get("/schedules"))[1] == {"schedules": []}


@pytest.mark.parametrize("fields, message", [
    ({"day_of_week": 8}, "Validation error: schedule['day_of_week'] 8 is greater than the maximum of 7"),
    ({"day_of_week": -1}, "Validation error: schedule['day_of_week'] -1 is less than the minimum of 0"),
    ({"hour": 24}, "Validation error: schedule['hour'] 24 is greater than the maximum of 23"),
    ({"minute": 60}, "Validation error: schedule['minute'] 60 is greater than the maximum of 59"),
    ({"minute": "5"}, "Validation error: schedule['minute'] '5' is not of type 'integer'"),
    ({"hour": True}, "Validation error: schedule['hour'] True is not of type 'integer'"),
    ({"action": "restore"}, "Validation error: schedule['action'] 'restore' is not one of ['backup']"),
    ({"full_backup_retention": 0}, "Validation error: schedule['full_backup_retention'] 0 is less than the "
                                   "minimum of 1"),
    ({"copy_to": ["LON"]},
     "Validation error: schedule['copy_to'][0] 'LON' is not one of ['DFW', 'ORD', 'IAD', 'HKG', 'SYD']"),
    ({"instance_id": None}, "instance_id is missing."),
    ({"instance_id": "nope"}, "Validation error: schedule['instance_id'] 'nope' does not match "
     "'^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$'"),
])
async def test_create_schedule_bad_input_is_bad_request_and_writes_nothing(api, inst, fields, message):
    body = spec(inst, **fields)
    if fields.get("instance_id", 1) is None:
        del body["schedule"]["instance_id"]
    assert_fault(await api.post("/schedules", body), "badRequest", 400, message)
    assert (await api.get("/schedules"))[1] == {"schedules": []}


async def test_create_schedule_missing_field_is_bad_request(api, inst):
    body = spec(inst)
    del body["schedule"]["hour"]
    assert_fault(await api.post("/schedules", body), "badRequest", 400,
                 "Validation error: schedule 'hour' is a required property")


async def test_create_schedule_unknown_instance_is_not_found(api):
    assert_fault(await api.post("/schedules", spec(UNKNOWN)), "itemNotFound", 404,
                 f"Resource {UNKNOWN} cannot be found.")


async def test_create_second_schedule_for_an_instance_is_bad_request(api, inst):
    s = await create(api, inst)
    assert_fault(await api.post("/schedules", spec(inst, hour=5)), "badRequest", 400,
                 f"Instance {inst} already has a backup schedule ({s['id']}).")
    assert len((await api.get("/schedules"))[1]["schedules"]) == 1


async def test_schedule_fires_each_missed_slot_in_order_when_the_clock_jumps(api, inst):
    s = await create(api, inst, day_of_week=0, hour=1, minute=30)
    api.advance(10 * DAY)  # Sun 26th .. Tue 4th Nov: ten slots at 01:30
    made = await backups(api)
    assert [b["created"] for b in made] == [f"2014-{d}T01:30:00" for d in (
        "10-26", "10-27", "10-28", "10-29", "10-30", "10-31", "11-01", "11-02", "11-03", "11-04")]
    assert all(b["is_automated"] is True and b["status"] == "COMPLETED" for b in made)
    assert [b["type"] for b in made] == ["full"] + ["incremental"] * 6 + ["full"] + ["incremental"] * 2
    assert [b["parent_id"] for b in made] == [None, *[b["id"] for b in made[:6]], None, made[7]["id"],
                                              made[8]["id"]]
    shown = (await api.get(f"/schedules/{s['id']}"))[1]["schedule"]
    assert shown["last_scheduled"] == "2014-11-04T01:30:00" and shown["next_run"] == "2014-11-05T01:30:00"


async def test_schedule_fires_as_the_clock_passes_the_slot(api, inst):
    await create(api, inst, hour=1, minute=30)
    api.advance(5399)
    assert await backups(api) == []
    api.advance(1)
    made = await backups(api)
    assert len(made) == 1 and made[0]["status"] == "NEW" and made[0]["type"] == "full"
    assert (await api.get(f"/instances/{inst}"))[1]["instance"]["status"] == "BACKUP"
    s = (await api.get("/schedules"))[1]["schedules"][0]
    assert s["running"] is True
    api.advance(100)
    assert (await backups(api))[0]["status"] == "COMPLETED"
    assert (await api.get("/schedules"))[1]["schedules"][0]["running"] is False


async def test_schedule_day_of_week_seven_takes_a_full_backup_every_day(api, inst):
    await create(api, inst, day_of_week=7, full_backup_retention=5)
    api.advance(3 * DAY)
    assert [(b["type"], b["parent_id"]) for b in await backups(api)] == [("full", None)] * 3


async def test_schedule_keeps_only_the_retained_full_chains(api, inst):
    await create(api, inst, day_of_week=0, full_backup_retention=2)
    api.advance(21 * DAY)  # fulls on the 26th, 2nd and 9th, then incrementals up to the 15th
    made = await backups(api)
    fulls = [b for b in made if b["type"] == "full"]
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
    assert [b["is_automated"] for b in await backups(api)] == [False, True]


async def test_update_schedule_changes_the_time_and_run_now_takes_a_backup(api, inst):
    s = await create(api, inst, day_of_week=0, hour=1, minute=30)
    status, body, _ = await api.put(f"/schedules/{s['id']}", {"schedule": {"hour": 6, "minute": 19,
                                                                           "full_backup_retention": 3}})
    assert status == 202 and body is None
    shown = (await api.get(f"/schedules/{s['id']}"))[1]["schedule"]
    assert shown["hour"] == 6 and shown["minute"] == 19 and shown["full_backup_retention"] == 3
    assert shown["next_run"] == "2014-10-26T06:19:00"
    assert (await api.put(f"/schedules/{s['id']}", {"schedule": {"run_now": "true"}}))[0] == 202
    made = await backups(api)
    assert len(made) == 1 and made[0]["is_automated"] is True and made[0]["created"] == "2014-10-26T00:00:00"


async def test_update_schedule_run_now_while_a_backup_runs_is_unprocessable(api, inst):
    s = await create(api, inst)
    await api.post("/backups", {"backup": {"name": "manual", "instance": inst}})
    assert_fault(await api.put(f"/schedules/{s['id']}", {"schedule": {"run_now": True, "hour": 9}}),
                 "unprocessableEntity", 422, f"Instance {inst} is not currently available for an action to be "
                                             f"performed (instance status was BACKUP).")
    assert (await api.get(f"/schedules/{s['id']}"))[1]["schedule"]["hour"] == 1
    assert len(await backups(api)) == 1


@pytest.mark.parametrize("fields", [{"hour": -1}, {"minute": 99}, {"day_of_week": "monday"}, {"run_now": "yes"}])
async def test_update_schedule_bad_input_is_bad_request_and_changes_nothing(api, inst, fields):
    s = await create(api, inst)
    status, body, _ = await api.put(f"/schedules/{s['id']}", {"schedule": fields})
    assert status == 400 and body["badRequest"]["message"].startswith("Validation error: schedule[")
    assert (await api.get(f"/schedules/{s['id']}"))[1]["schedule"] == s


async def test_delete_instance_deletes_its_schedule(api, inst):
    await create(api, inst)
    assert (await api.delete(f"/instances/{inst}"))[0] == 202
    assert (await api.get("/schedules"))[1] == {"schedules": []}
