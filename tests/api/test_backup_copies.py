"""Copying a backup to another region (copy-backup) through raw requests: only a COMPLETED backup, never to or from
LON, an incremental only after its parent; the copy goes NEW -> BUILDING -> COMPLETED in the target region and a
restore there works."""

import pytest
from support import ACCOUNT, TOKEN, assert_fault

from simulator import DemoAccount, Durations, SimulatorConfig

UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def sim_config():
    return SimulatorConfig(
        seed=7,
        bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN),
        durations=Durations(build=60, reboot=30, shutdown=10, backup=20, backup_per_gb=10),
    )


def region_api(api, prefix: str):
    regional = api.as_account(ACCOUNT, TOKEN)
    regional.url = lambda path: f"{prefix}/v1.0/{ACCOUNT}{path}"
    return regional


async def completed_backup(api, parent_id=None, instance_id=None) -> tuple[dict, dict]:
    """A COMPLETED backup (an incremental one when a parent is given) of an instance with a database."""
    if instance_id is None:
        user = {"name": "app", "password": "s3cret", "databases": [{"name": "sales"}]}
        inst = await api.create_instance(databases=[{"name": "sales"}], users=[user])
        api.advance(60)
        instance_id = inst["id"]
    backup = {"name": "nightly", "instance": instance_id, "description": "before the copy"}
    if parent_id:
        backup["parent_id"] = parent_id
    status, body, _ = await api.post("/backups", {"backup": backup})
    assert status == 202, body
    api.advance(60)
    return body["backup"], {"id": instance_id}


async def copy(api, backup_id, region="IAD", **extra):
    return await api.post(f"/backups/{backup_id}/action", {"copy-backup": {"target_backup_region": region, **extra}})


async def test_copy_goes_new_building_completed_in_the_target_region_and_restores_there(api):
    backup, _ = await completed_backup(api)
    status, body, _ = await copy(api, backup["id"], description="a backup copy", name="dfw-to-iad")
    assert (status, body) == (202, None)
    iad = region_api(api, "/iad")
    [copied] = (await iad.get("/backups"))[1]["backups"]
    assert (copied["name"], copied["description"], copied["status"], copied["size"]) == (
        "dfw-to-iad",
        "a backup copy",
        "NEW",
        None,
    )
    assert copied["id"] != backup["id"] and copied["instance_id"] == backup["instance_id"]
    api.advance(6)
    assert (await iad.get(f"/backups/{copied['id']}"))[1]["backup"]["status"] == "BUILDING"
    api.advance(30)
    done = (await iad.get(f"/backups/{copied['id']}"))[1]["backup"]
    assert done["status"] == "COMPLETED"
    assert done["locationRef"] == (
        f"https://snet-storage101.iad1.clouddrive.com/v1/MossoCloudFS_{ACCOUNT}/"
        f"z_CLOUDDB_BACKUPS/{copied['id']}.xbstream.gz"
    )
    assert [b["id"] for b in (await api.get("/backups"))[1]["backups"]] == [backup["id"]]
    status, body, _ = await iad.post(
        "/instances",
        {
            "instance": {
                "name": "restored",
                "flavorRef": 2,
                "volume": {"size": 2},
                "restorePoint": {"backupRef": copied["id"]},
            }
        },
    )
    assert status == 200, body
    iad.advance(100)
    restored = body["instance"]["id"]
    assert (await iad.get(f"/instances/{restored}/databases"))[1]["databases"] == [{"name": "sales"}]
    assert api.backend.users.check_login(f"{ACCOUNT}@IAD", restored, "app", "s3cret")
    assert_fault(
        await api.post(
            "/instances",
            {
                "instance": {
                    "name": "x",
                    "flavorRef": 2,
                    "volume": {"size": 2},
                    "restorePoint": {"backupRef": copied["id"]},
                }
            },
        ),
        "itemNotFound",
        404,
        f"Resource {copied['id']} cannot be found.",
    )


async def test_copy_keeps_the_name_and_description_when_none_is_given(api):
    backup, _ = await completed_backup(api)
    assert (await copy(api, backup["id"], region="ord"))[0] == 202
    [copied] = (await region_api(api, "/ord").get("/backups"))[1]["backups"]
    assert (copied["name"], copied["description"]) == ("nightly", "before the copy")


async def test_only_a_completed_backup_is_copied(api):
    inst = await api.create_instance()
    api.advance(60)
    _, body, _ = await api.post("/backups", {"backup": {"name": "b", "instance": inst["id"]}})
    assert_fault(
        await copy(api, body["backup"]["id"]),
        "badRequest",
        400,
        f"Backup {body['backup']['id']} cannot be copied because it is not completed (status NEW).",
    )


@pytest.mark.parametrize("region", ["LON", "lon"])
async def test_no_copy_to_lon(api, region):
    backup, _ = await completed_backup(api)
    assert_fault(
        await copy(api, backup["id"], region=region),
        "badRequest",
        400,
        f"Backups cannot be copied to or from LON (backup {backup['id']} is in DFW, the target is LON).",
    )


async def test_no_copy_from_lon(api):
    lon = region_api(api, "/lon")
    backup, _ = await completed_backup(lon)
    assert_fault(
        await copy(lon, backup["id"]),
        "badRequest",
        400,
        f"Backups cannot be copied to or from LON (backup {backup['id']} is in LON, the target is IAD).",
    )


async def test_no_copy_to_its_own_region(api):
    backup, _ = await completed_backup(api)
    assert_fault(
        await copy(api, backup["id"], region="DFW"),
        "badRequest",
        400,
        f"Backup {backup['id']} is already in DFW: name another target_backup_region.",
    )


async def test_an_incremental_needs_its_parent_in_the_target_region(api):
    full, inst = await completed_backup(api)
    await api.post(f"/instances/{inst['id']}/databases", {"databases": [{"name": "later"}]})
    incremental, _ = await completed_backup(api, parent_id=full["id"], instance_id=inst["id"])
    assert_fault(
        await copy(api, incremental["id"]),
        "badRequest",
        400,
        f"Backup {incremental['id']} is incremental and its parent {full['id']} is not in IAD: copy the "
        f"parent to IAD first.",
    )
    assert (await copy(api, full["id"]))[0] == 202
    assert (await copy(api, incremental["id"]))[0] == 202
    api.advance(100)
    iad = region_api(api, "/iad")
    copies = (await iad.get("/backups"))[1]["backups"]
    [inc] = [b for b in copies if b["parent_id"]]
    [parent] = [b for b in copies if not b["parent_id"]]
    assert (inc["status"], inc["parent_id"], parent["status"]) == ("COMPLETED", parent["id"], "COMPLETED")
    status, body, _ = await iad.post(
        "/instances",
        {"instance": {"name": "r", "flavorRef": 2, "volume": {"size": 2}, "restorePoint": {"backupRef": inc["id"]}}},
    )
    assert status == 200, body
    iad.advance(200)
    names = {d["name"] for d in (await iad.get(f"/instances/{body['instance']['id']}/databases"))[1]["databases"]}
    assert names == {"sales", "later"}


async def test_copy_refusals_of_the_request_itself(api):
    backup, _ = await completed_backup(api)
    assert_fault(
        await copy(api, backup["id"], region="MARS"),
        "badRequest",
        400,
        contains="Validation error: copy-backup['target_backup_region'] 'MARS' is not one of",
    )
    assert_fault(
        await api.post(f"/backups/{backup['id']}/action", {"restore": {}}),
        "badRequest",
        400,
        "Validation error: 'copy-backup' is a required property",
    )
    assert_fault(await copy(api, UNKNOWN), "itemNotFound", 404, f"Resource {UNKNOWN} cannot be found.")


# --- copy_to: the completed backup copies itself --------------------------------------------------------------------


async def test_copy_to_on_a_backup_copies_it_to_each_region_once_completed(api):
    inst = await api.create_instance(databases=[{"name": "sales"}])
    api.advance(60)
    status, body, _ = await api.post(
        "/backups",
        {"backup": {"name": "nightly", "instance": inst["id"], "description": "far", "copy_to": ["IAD", "ORD"]}},
    )
    assert status == 202, body
    iad, ord_ = region_api(api, "/iad"), region_api(api, "/ord")
    assert (await iad.get("/backups"))[1]["backups"] == []  # nothing to copy until it is COMPLETED
    original = body["backup"]
    while original["status"] != "COMPLETED":
        api.advance(1)
        original = (await api.get(f"/backups/{original['id']}"))[1]["backup"]
    copies = {}
    for region in (iad, ord_):
        [copies[region]] = (await region.get("/backups"))[1]["backups"]
        assert copies[region]["id"] != original["id"]
        assert (copies[region]["name"], copies[region]["description"], copies[region]["status"]) == (
            "nightly",
            "far",
            "NEW",
        )
        assert copies[region]["created"] == original["updated"]  # it starts when the original completes
    api.advance(60)
    for region, copied in copies.items():
        assert (await region.get(f"/backups/{copied['id']}"))[1]["backup"]["status"] == "COMPLETED"
    copied = copies[iad]
    status, body, _ = await iad.post(
        "/instances",
        {
            "instance": {
                "name": "far",
                "flavorRef": 2,
                "volume": {"size": 2},
                "restorePoint": {"backupRef": copied["id"]},
            }
        },
    )
    assert status == 200, body


async def test_copy_to_an_incremental_whose_parent_is_not_there_ends_copy_error(api):
    full, inst = await completed_backup(api)
    status, body, _ = await api.post(
        "/backups", {"backup": {"name": "incr", "instance": inst["id"], "parent_id": full["id"], "copy_to": ["IAD"]}}
    )
    assert status == 202, body
    api.advance(60)
    iad = region_api(api, "/iad")
    [copied] = (await iad.get("/backups"))[1]["backups"]
    api.advance(60)
    assert (await iad.get(f"/backups/{copied['id']}"))[1]["backup"]["status"] == "COPY_ERROR"


@pytest.mark.parametrize(
    "copy_to, message",
    [
        (["DFW"], "copy_to names DFW, where the backup is taken: name other regions."),
        (["LON"], "Validation error: backup['copy_to'][0] 'LON' is not one of ['DFW', 'ORD', 'IAD', 'HKG', 'SYD']"),
    ],
)
async def test_copy_to_its_own_region_or_lon_is_bad_request(api, copy_to, message):
    inst = await api.create_instance()
    api.advance(60)
    assert_fault(
        await api.post("/backups", {"backup": {"name": "b", "instance": inst["id"], "copy_to": copy_to}}),
        "badRequest",
        400,
        message,
    )
    assert (await api.get("/backups"))[1]["backups"] == []


async def test_copy_backup_with_a_null_name_keeps_the_backups_name(api):
    """cdbclient's backup_copy sends "name": null when none is given."""
    backup, _ = await completed_backup(api)
    assert (await copy(api, backup["id"], name=None, description=""))[0] == 202
    [copied] = (await region_api(api, "/iad").get("/backups"))[1]["backups"]
    assert (copied["name"], copied["description"]) == ("nightly", "")


async def test_a_copy_being_made_does_not_hold_the_instance_it_came_from(api):
    backup, inst = await completed_backup(api)
    assert (await copy(api, backup["id"]))[0] == 202
    assert (await api.get(f"/instances/{inst['id']}"))[1]["instance"]["status"] == "ACTIVE"
    status, body, _ = await api.post("/backups", {"backup": {"name": "next", "instance": inst["id"]}})
    assert status == 202, body
