"""The seed page (restore-backup.rst), byte for byte, against a sandbox holding its backup."""

import json

import pytest
from support import SEED_REQUEST_BODY, Api

from simulator import DemoAccount, SimulatorConfig

SEED_TOKEN = "87c6033c-9ff6-405f-943e-2deb73f278b7"
SEED_BACKUP = "61f12fef-edb1-4561-8122-e7c00ef26a82"

SEED_BODY = SEED_REQUEST_BODY
SEED_HEADERS = {
    "User-Agent": "python-troveclient",
    "Host": "ord.databases.api.rackspacecloud.com",
    "X-Auth-Token": SEED_TOKEN,
    "Accept": "application/json",
    "Content-Type": "application/json",
}
#: The seed page's response, as printed there.
SEED_RESPONSE = json.loads("""{
    "instance": {
        "created": "2014-02-13T21:47:16",
        "datastore": {"type": "mysql", "version": "5.6"},
        "flavor": {
            "id": "1",
            "links": [
                {"href": "https://ord.databases.api.rackspacecloud.com/v1.0/1234/flavors/1", "rel": "self"},
                {"href": "https://ord.databases.api.rackspacecloud.com/flavors/1", "rel": "bookmark"}
            ]
        },
        "hostname": "e09ad9a3f73309469cf1f43d11e79549caf9acf2.rackspaceclouddb.com",
        "id": "1e9c84df-4443-4f39-9498-5ab7c14a3bb4",
        "links": [
            {"href": "https://ord.databases.api.rackspacecloud.com/v1.0/1234/instances/1e9c84df-4443-4f39-9498-5ab7c14a3bb4", "rel": "self"},
            {"href": "https://ord.databases.api.rackspacecloud.com/instances/1e9c84df-4443-4f39-9498-5ab7c14a3bb4", "rel": "bookmark"}
        ],
        "name": "json_restore",
        "status": "BUILD",
        "updated": "2014-02-13T21:47:16",
        "volume": {"size": 2}
    }
}""")


@pytest.fixture
def sim_config():
    """The sandbox's own bootstrap: account 1234 with the seed page's token (and so the seed's backup); it answers
    to the seed's Host as a sandbox reached by that name (a hosts-file entry, a proxy) is told to."""
    return SimulatorConfig(seed=7, bootstrap=DemoAccount(), allowed_hosts=(SEED_HEADERS["Host"],))


@pytest.fixture
def seed_api(api):
    return Api(api.client, "1234", SEED_TOKEN)


def same_shape(expected, actual, path="instance"):
    """Every key of expected is in actual with a value of the same JSON type, recursively."""
    assert type(actual) is type(expected), (path, expected, actual)
    if isinstance(expected, dict):
        for key, value in expected.items():
            assert key in actual, (path, key)
            same_shape(value, actual[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert len(actual) == len(expected), path
        for i, (e, a) in enumerate(zip(expected, actual, strict=False)):
            same_shape(e, a, f"{path}[{i}]")


async def test_seed_restore_request_byte_for_byte_answers_200_with_the_seed_shape(api):
    resp = await api.client.post("/v1.0/1234/instances", data=SEED_BODY.encode(), headers=SEED_HEADERS)
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("application/json")
    answer = await resp.json()
    same_shape(SEED_RESPONSE, answer)
    inst = answer["instance"]
    assert set(inst) == set(SEED_RESPONSE["instance"])
    assert inst["status"] == "BUILD" and inst["name"] == "json_restore"
    assert inst["datastore"] == {"type": "mysql", "version": "5.6"}
    assert inst["flavor"]["id"] == "1" and inst["volume"] == {"size": 2}
    assert [link["rel"] for link in inst["links"]] == ["self", "bookmark"]
    assert inst["hostname"].endswith(".rackspaceclouddb.com")


async def test_seed_backup_is_a_completed_mysql_56_full_backup_small_enough(seed_api):
    status, body, _ = await seed_api.get(f"/backups/{SEED_BACKUP}")
    assert status == 200
    b = body["backup"]
    assert b["status"] == "COMPLETED" and b["type"] == "InnoBackupEx" and b["parent_id"] is None
    assert b["datastore"]["type"] == "mysql" and b["datastore"]["version"] == "5.6"
    assert 0 < b["size"] <= 2 and b["locationRef"].endswith(f"/z_CLOUDDB_BACKUPS/{SEED_BACKUP}.xbstream.gz")
    source = (await seed_api.get(f"/instances/{b['instance_id']}"))[1]["instance"]
    assert source["status"] == "ACTIVE" and source["datastore"] == {"type": "mysql", "version": "5.6"}


async def test_seed_restore_becomes_active_with_the_demo_data(api, seed_api):
    resp = await api.client.post("/v1.0/1234/instances", data=SEED_BODY.encode(), headers=SEED_HEADERS)
    iid = (await resp.json())["instance"]["id"]
    api.advance(0)
    assert (await seed_api.get(f"/instances/{iid}"))[1]["instance"]["status"] == "ACTIVE"
    assert (await seed_api.get(f"/instances/{iid}/databases"))[1] == {"databases": [{"name": "sampledb"}]}
    status, login, _ = await seed_api.post(
        f"/_sim/accounts/1234/instances/{iid}/login", {"user": "demouser", "password": "demopassword"}
    )
    assert status == 200 and login == {"login": True}
