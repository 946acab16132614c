"""Backups keep a derivable location, the catalog's version id and an empty change short in the database, and render
exactly as when all were stored in full (rows written the old way, by older versions or restored from their
snapshots, included)."""

from typing import Any

import pytest
from support import ACCOUNT, TOKEN, found

from simulator import DemoAccount, SimulatorConfig
from simulator.repos.backups import EMPTY_CHANGE, VERSION_IDS, pack_location
from simulator.repos.store import Store


@pytest.fixture
def sim_config():
    return SimulatorConfig(seed=7, bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN), region="IAD")


def url(region: str, account_id: str, backup_id: str) -> str:
    """The locationRef as the simulator always wrote it, spelled out."""
    return (
        f"https://snet-storage101.{region}1.clouddrive.com/v1/MossoCloudFS_{account_id}/"
        f"z_CLOUDDB_BACKUPS/{backup_id}.xbstream.gz"
    )


async def completed_backup(api, **instance) -> dict:
    inst = await api.create_instance(**instance)
    api.advance(3600)
    status, body, _ = await api.post("/backups", {"backup": {"name": "b", "instance": inst["id"]}})
    assert status == 202, body
    api.advance(3600)
    return (await api.get(f"/backups/{body['backup']['id']}"))[1]["backup"]


def stored(api, backup_id: str) -> tuple:
    return api.backend.store.db.execute(
        "select location, contents, datastore_version_id from backups where id = ?", [backup_id]
    ).fetchone()


async def test_show_backup_location_ref_is_the_cloud_files_url_of_the_backup(api):
    b = await completed_backup(api)
    assert b["status"] == "COMPLETED"
    assert b["locationRef"] == url("iad", ACCOUNT, b["id"])
    assert b["datastore"] == {"type": "mysql", "version": "8.0", "version_id": "0b058cca-ed2b-46e7-8736-abbb4242df83"}
    assert stored(api, b["id"]) == ("iad", None, None)  # the region alone; nothing held; the catalog's version


async def test_show_backup_written_in_full_renders_the_same(api):
    b = await completed_backup(api, databases=[{"name": "shop"}])
    listed = (await api.get("/backups"))[1]
    api.backend.store.db.execute(
        "update backups set location = ?, contents = coalesce(contents, ?), datastore_version_id = ? where id = ?",
        [url("iad", ACCOUNT, b["id"]), EMPTY_CHANGE, b["datastore"]["version_id"], b["id"]],
    )
    assert stored(api, b["id"])[0].startswith("https://")
    assert (await api.get(f"/backups/{b['id']}"))[1]["backup"] == b
    assert (await api.get("/backups"))[1] == listed


async def test_restore_from_backup_with_empty_change_stored_either_way_holds_nothing(api):
    b = await completed_backup(api)
    for contents in (None, EMPTY_CHANGE):
        api.backend.store.db.execute("update backups set contents = ? where id = ?", [contents, b["id"]])
        status, body, _ = await api.post(
            "/instances",
            {"instance": {"name": "r", "flavorRef": 1, "volume": {"size": 2}, "restorePoint": {"backupRef": b["id"]}}},
        )
        assert status == 200, body
        api.advance(3600)
        restored = body["instance"]["id"]
        assert (await api.get(f"/instances/{restored}/databases"))[1] == {"databases": []}
        assert (await api.get(f"/instances/{restored}/users"))[1] == {"users": []}


async def test_show_backup_whose_location_names_another_backup_renders_that_url(api):
    """A row copied from another backup (as the memory benchmark writes them) keeps the other's URL."""
    b = await completed_backup(api)
    repo = api.backend.store.backups
    copy = dict(repo.get(ACCOUNT, b["id"]))
    copy.update(id="0f0e0d0c-0000-4000-8000-000000000001", seq=repo.next_seq(), name="copy")
    repo.insert(copy)
    shown = (await api.get(f"/backups/{copy['id']}"))[1]["backup"]
    assert shown["locationRef"] == url("iad", ACCOUNT, b["id"])
    assert stored(api, copy["id"]) == (f"iad {ACCOUNT} {b['id']}", None, None)
    assert {k: v for k, v in shown.items() if k not in ("id", "name")} == {
        k: v for k, v in b.items() if k not in ("id", "name")
    }


@pytest.mark.parametrize(
    "location",
    [
        url("dfw", "1234", "b1"),
        url("syd1", "1234", "b1"),
        url("hkg", "5678", "b1"),
        url("ord", "1234", "other"),
        "https://example.com/b1.xbstream.gz",
        "https://snet-storage101.DFW1.clouddrive.com/v1/MossoCloudFS_1234/z_CLOUDDB_BACKUPS/b1.xbstream.gz",
        None,
    ],
)
def test_backup_location_reads_back_as_written(location):
    store = Store.open(":memory:")
    repo = store.backups
    row = {
        "id": "b1",
        "account_id": "1234",
        "seq": 1,
        "name": "b",
        "status": "COMPLETED",
        "backup_type": "full",
        "location": location,
        "contents": EMPTY_CHANGE,
    }
    repo.insert(row)
    assert found(repo.get("1234", "b1"))["location"] == location
    repo.update("b1", {"location": location, "contents": EMPTY_CHANGE})
    assert found(repo.get_any("b1"))["location"] == location and found(repo.get_any("b1"))["contents"] == EMPTY_CHANGE
    assert row["location"] == location and row["contents"] == EMPTY_CHANGE  # the caller's row is left as it was
    packed = store.db.execute("select location from backups").fetchone()[0]
    assert packed == pack_location(location, "1234", "b1")
    assert location is None or len(packed) <= len(location)


@pytest.mark.parametrize(
    "datastore, version, version_id",
    [
        *[(ds, v, vid) for (ds, v), vid in sorted(VERSION_IDS.items())],
        ("mysql", "5.7", "0b058cca-ed2b-46e7-8736-abbb4242df83"),  # another version's id: kept as written
        ("mysql", "9.9", "00000000-0000-4000-8000-000000000009"),
        ("mysql", "8.0", None),  # never written (every instance has a version id): reads as the catalog's
    ],
)
def test_backup_datastore_version_id_reads_back_as_written(datastore, version, version_id):
    store = Store.open(":memory:")
    row = {
        "id": "b1",
        "account_id": "1234",
        "seq": 1,
        "name": "b",
        "status": "NEW",
        "backup_type": "full",
        "datastore_type": datastore,
        "datastore_version": version,
        "datastore_version_id": version_id,
        "contents": EMPTY_CHANGE,
    }
    store.backups.insert(row)
    got = found(store.backups.get("1234", "b1"))
    assert (got["datastore_type"], got["datastore_version"], got["datastore_version_id"]) == (
        datastore,
        version,
        version_id or VERSION_IDS.get((datastore, version)),
    )
    kept = store.db.execute("select datastore_version_id from backups").fetchone()[0]
    assert kept == (None if VERSION_IDS.get((datastore, version)) == version_id else version_id)


def test_state_file_with_rows_written_in_full_is_packed_on_open_and_reads_the_same(tmp_path):
    path = str(tmp_path / "state.db")
    store = Store.open(path)
    held = '{"databases": {"set": {"a": {}}, "drop": []}, "users": {"set": {}, "drop": []}}'
    old: list[dict[str, Any]] = [
        {
            "id": f"b{i}",
            "account_id": "1234",
            "seq": i,
            "name": "b",
            "status": "COMPLETED",
            "backup_type": "full",
            "location": location,
            "contents": contents,
            "datastore_type": "mysql",
            "datastore_version": "5.6",
            "datastore_version_id": version_id,
        }
        for i, (location, contents, version_id) in enumerate(
            [
                (url("dfw", "1234", "b0"), EMPTY_CHANGE, "c00000b0-00c0-0c00-00c0-000b000000cc"),
                (url("iad", "1234", "x"), held, "564490bd-ddb9-4d84-a714-868370e36f48"),
                (None, EMPTY_CHANGE, "c00000b0-00c0-0c00-00c0-000b000000cc"),
            ]
        )
    ]
    store.db.table("backups").insert_all(old)  # as older versions wrote them: everything in full
    store.db.execute("delete from _sqlite_migrations where name in ('pack_backup_rows', 'pack_backup_version_ids')")
    store.close()
    store = Store.open(path)
    assert store.db.execute("select location, contents, datastore_version_id from backups order by seq").fetchall() == [
        ("dfw", None, None),
        ("iad 1234 x", held, "564490bd-ddb9-4d84-a714-868370e36f48"),
        (None, None, None),
    ]
    for row in old:
        got = found(store.backups.get("1234", row["id"]))
        assert {k: got[k] for k in row} == row
    store.close()
