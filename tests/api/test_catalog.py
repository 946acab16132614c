"""Flavors and datastores: the documented reference data."""

from support import assert_fault


async def test_list_flavors_has_the_eight_documented_flavors_with_int_ids(api):
    status, body, _ = await api.get("/flavors")
    assert status == 200
    flavors = body["flavors"]
    assert [f["id"] for f in flavors] == list(range(1, 9))
    assert flavors[0]["name"] == "512MB Instance" and flavors[0]["ram"] == 512
    assert flavors[7]["ram"] == 65536
    rels = [link["rel"] for link in flavors[0]["links"]]
    assert rels == ["self", "bookmark"]
    assert flavors[0]["links"][0]["href"].endswith("/v1.0/1234/flavors/1")
    assert flavors[0]["links"][1]["href"].endswith("/flavors/1") and "/v1.0/" not in flavors[0]["links"][1]["href"]


async def test_show_flavor_by_id(api):
    status, body, _ = await api.get("/flavors/3")
    assert status == 200 and body["flavor"]["name"] == "2GB Instance"


async def test_show_flavor_unknown_is_not_found(api):
    assert_fault(await api.get("/flavors/99"), "itemNotFound", 404, "Resource 99 cannot be found.")
    assert_fault(await api.get("/flavors/abc"), "itemNotFound", 404, "Resource abc cannot be found.")


async def test_list_datastores_has_mysql_percona_mariadb_with_mysql_8_default(api):
    status, body, _ = await api.get("/datastores")
    assert status == 200
    by_name = {d["name"]: d for d in body["datastores"]}
    assert set(by_name) == {"mysql", "percona", "mariadb"}
    mysql = by_name["mysql"]
    default = next(v for v in mysql["versions"] if v["id"] == mysql["default_version"])
    assert default["name"] == "8.0"
    assert {v["name"] for v in mysql["versions"]} == {"5.6", "5.7", "8.0"}


async def test_show_datastore_by_name_and_its_versions(api):
    status, body, _ = await api.get("/datastores/mysql/versions")
    assert status == 200
    assert all(v["datastore"] == "749239dc-4805-4d9c-a5c3-3befee6e572f" for v in body["versions"])
    status, body, _ = await api.get("/datastores/mysql/versions/5.7")
    assert status == 200 and body["version"]["name"] == "5.7"
    vid = body["version"]["id"]
    status, body, _ = await api.get(f"/datastores/versions/{vid}")
    assert status == 200 and body["version"]["name"] == "5.7"


async def test_show_datastore_unknown_is_not_found(api):
    assert_fault(await api.get("/datastores/oracle"), "itemNotFound", 404, "Datastore 'oracle' cannot be found.")


async def test_list_datastore_version_flavors(api):
    status, body, _ = await api.get("/datastores/mysql/versions/8.0/flavors")
    assert status == 200 and len(body["flavors"]) == 8
