"""Instances: create, list, show, update, delete, actions and root, with Trove's rules."""

import pytest
from support import ACCOUNT, TOKEN, assert_fault

from simulator import DemoAccount, Durations, SimulatorConfig

SEED_KEYS = {"created", "datastore", "flavor", "hostname", "id", "links", "name", "status", "updated", "volume"}


def body(**instance):
    spec = {"name": "db1", "flavorRef": 2, "volume": {"size": 2}}
    spec.update(instance)
    return {"instance": spec}


@pytest.fixture
def sim_config():
    return SimulatorConfig(
        seed=7,
        bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN),
        durations=Durations(build=60, reboot=30, resize=45, shutdown=10),
    )


async def test_create_instance_answers_200_with_the_seed_shape_in_build(api):
    status, answer, _ = await api.post("/instances", body())
    assert status == 200
    inst = answer["instance"]
    assert set(inst) == SEED_KEYS
    assert inst["status"] == "BUILD"
    assert inst["flavor"]["id"] == "2"
    assert inst["datastore"] == {"type": "mysql", "version": "8.0"}
    assert inst["volume"] == {"size": 2}
    assert inst["hostname"].endswith(".rackspaceclouddb.com")
    assert [link["rel"] for link in inst["links"]] == ["self", "bookmark"]


@pytest.mark.parametrize("flavor_ref", [2, "2", "https://ord.databases.api.rackspacecloud.com/v1.0/1234/flavors/2"])
async def test_create_instance_accepts_flavor_ref_as_int_string_or_href(api, flavor_ref):
    status, answer, _ = await api.post("/instances", body(flavorRef=flavor_ref))
    assert status == 200 and answer["instance"]["flavor"]["id"] == "2"


async def test_create_instance_ignores_unknown_keys_and_takes_the_openstack_cli_body(api):
    status, answer, _ = await api.post(
        "/instances",
        {
            "instance": {
                "name": "src-db",
                "flavorRef": 1,
                "volume": {"size": 2, "type": None},
                "datastore": {"type": "mysql", "version": "5.6"},
                "access": {"is_public": False},
                "nics": [],
            }
        },
    )
    assert status == 200
    assert answer["instance"]["datastore"] == {"type": "mysql", "version": "5.6"}


async def test_create_instance_becomes_active_after_the_build_time(api):
    _, answer, _ = await api.post("/instances", body())
    iid = answer["instance"]["id"]
    api.advance(59)
    assert (await api.get(f"/instances/{iid}"))[1]["instance"]["status"] == "BUILD"
    api.advance(1)
    shown = (await api.get(f"/instances/{iid}"))[1]["instance"]
    assert shown["status"] == "ACTIVE"
    assert shown["volume"]["used"] > 0


async def test_create_instance_with_databases_and_users(api):
    _, answer, _ = await api.post(
        "/instances",
        body(
            databases=[{"name": "sampledb"}, {"name": "nextround", "character_set": "latin1"}],
            users=[{"name": "demouser", "password": "demopassword", "databases": [{"name": "sampledb"}]}],
        ),
    )
    iid = answer["instance"]["id"]
    api.advance(60)
    assert (await api.get(f"/instances/{iid}/databases"))[1] == {
        "databases": [{"name": "nextround"}, {"name": "sampledb"}]
    }
    assert (await api.get(f"/instances/{iid}/users"))[1] == {
        "users": [{"name": "demouser", "host": "%", "databases": [{"name": "sampledb"}]}]
    }


async def test_create_instance_missing_name_is_bad_request(api):
    spec = body()
    del spec["instance"]["name"]
    assert_fault(
        await api.post("/instances", spec),
        "badRequest",
        400,
        "Validation error: instance 'name' is a required property",
    )


async def test_create_instance_without_instance_key_is_bad_request(api):
    assert_fault(
        await api.post("/instances", {}), "badRequest", 400, "Validation error: 'instance' is a required property"
    )


async def test_create_instance_zero_volume_is_bad_request(api):
    assert_fault(
        await api.post("/instances", body(volume={"size": 0})),
        "badRequest",
        400,
        "Validation error: instance['volume']['size'] 0 is not valid under any of the given schemas; "
        "0 is less than the minimum of 1; 0 is not of type 'string'",
    )


async def test_create_instance_volume_over_the_limit_is_over_limit(api):
    assert_fault(
        await api.post("/instances", body(volume={"size": 2000})),
        "overLimit",
        413,
        "Volume 'size' cannot exceed maximum of 1024 GB, 2000 cannot be accepted.",
    )


async def test_create_instance_unknown_flavor_is_bad_request(api):
    assert_fault(await api.post("/instances", body(flavorRef=42)), "badRequest", 400, "Resource 42 cannot be found.")


async def test_create_instance_unknown_datastore_is_not_found(api):
    assert_fault(
        await api.post("/instances", body(datastore={"type": "oracle"})),
        "itemNotFound",
        404,
        "Datastore 'oracle' cannot be found.",
    )


async def test_create_instance_unknown_datastore_version_is_bad_request(api):
    assert_fault(
        await api.post("/instances", body(datastore={"type": "mysql", "version": "9.9"})),
        "badRequest",
        400,
        "Datastore version '9.9' cannot be found.",
    )


async def test_create_instance_user_with_database_not_in_list_is_bad_request(api):
    assert_fault(
        await api.post(
            "/instances", body(users=[{"name": "u1", "password": "pw", "databases": [{"name": "missing"}]}])
        ),
        "badRequest",
        400,
        "The request indicates that user u1 should have access to database missing, but database missing is not "
        "included in the initial databases list.",
    )


async def test_create_instance_duplicate_databases_is_bad_request_and_writes_nothing(api):
    assert_fault(
        await api.post("/instances", body(databases=[{"name": "a1"}, {"name": "a1"}])),
        "badRequest",
        400,
        "Two or more databases share the same name in the initial databases list. "
        "Please correct the names or remove the duplicate entries.",
    )
    assert (await api.get("/instances"))[1] == {"instances": []}


async def test_create_instance_over_quota_is_over_limit_without_retry_after(api):
    api.backend.identity.create_account("small", token="tok-small", settings={"quotas": {"instances": 1}})
    small = api.as_account("small", "tok-small")
    assert (await small.post("/instances", body()))[0] == 200
    status, answer, resp = await small.post("/instances", body())
    assert_fault((status, answer), "overLimit", 413, "Quota exceeded for resources: ['instances'].")
    assert "Retry-After" not in resp.headers


async def test_list_instances_pages_with_limit_marker_and_next_link(api):
    ids = [(await api.post("/instances", body(name=f"i{n}")))[1]["instance"]["id"] for n in range(5)]
    status, page1, _ = await api.get("/instances?limit=2")
    assert status == 200 and len(page1["instances"]) == 2
    href = page1["links"][0]["href"]
    assert page1["links"][0]["rel"] == "next" and "limit=2" in href and "marker=" in href
    marker = href.split("marker=")[1].split("&")[0]
    _, page2, _ = await api.get(f"/instances?limit=2&marker={marker}")
    _, page3, _ = await api.get(
        f"/instances?limit=2&marker={page2['links'][0]['href'].split('marker=')[1].split('&')[0]}"
    )
    assert "links" not in page3
    seen = [i["id"] for p in (page1, page2, page3) for i in p["instances"]]
    assert sorted(seen) == sorted(ids)
    assert "created" not in page1["instances"][0]


async def test_list_instances_bad_limit_is_bad_request(api):
    assert_fault(
        await api.get("/instances?limit=abc"),
        "badRequest",
        400,
        "Query parameter 'limit' must be an integer, not 'abc'.",
    )


async def test_patch_instance_renames_it(api):
    inst = await api.create_instance()
    status, _, _ = await api.patch(f"/instances/{inst['id']}", {"instance": {"name": "renamed"}})
    assert status == 202
    assert (await api.get(f"/instances/{inst['id']}"))[1]["instance"]["name"] == "renamed"


async def test_patch_instance_replica_of_on_a_non_replica_is_bad_request(api):
    inst = await api.create_instance()
    api.advance(60)  # Trove's action gate comes first (an instance in BUILD is a 422)
    assert_fault(
        await api.patch(f"/instances/{inst['id']}", {"instance": {"replica_of": ""}}),
        "badRequest",
        400,
        f"Instance {inst['id']} is not a replica.",
    )


async def test_put_instance_unknown_configuration_is_not_found(api):
    inst = await api.create_instance()
    api.advance(60)
    assert_fault(
        await api.put(f"/instances/{inst['id']}", {"instance": {"configuration": "c-1"}}),
        "itemNotFound",
        404,
        "Configuration group id: c-1 could not be found.",
    )


async def test_delete_instance_in_build_is_unprocessable(api):
    _, answer, _ = await api.post("/instances", body())
    iid = answer["instance"]["id"]
    assert_fault(
        await api.delete(f"/instances/{iid}"),
        "unprocessableEntity",
        422,
        f"Instance {iid} is not ready. (Status is BUILD).",
    )


async def test_delete_instance_goes_shutdown_then_gone(api):
    inst = await api.create_instance()
    api.advance(60)
    status, answer, _resp = await api.delete(f"/instances/{inst['id']}")
    assert status == 202 and answer is None
    assert (await api.get(f"/instances/{inst['id']}"))[1]["instance"]["status"] == "SHUTDOWN"
    api.advance(10)
    assert_fault(
        await api.get(f"/instances/{inst['id']}"), "itemNotFound", 404, f"Resource {inst['id']} cannot be found."
    )


async def test_delete_instance_frees_quota_at_once(api):
    api.backend.identity.create_account("one", token="tok-one", settings={"quotas": {"instances": 1}})
    one = api.as_account("one", "tok-one")
    inst = await one.create_instance()
    api.advance(60)
    assert (await one.delete(f"/instances/{inst['id']}"))[0] == 202
    assert (await one.post("/instances", body()))[0] == 200


async def test_restart_goes_reboot_then_active(api):
    inst = await api.create_instance()
    api.advance(60)
    assert (await api.post(f"/instances/{inst['id']}/action", {"restart": {}}))[0] == 202
    assert (await api.get(f"/instances/{inst['id']}"))[1]["instance"]["status"] == "REBOOT"
    api.advance(30)
    assert (await api.get(f"/instances/{inst['id']}"))[1]["instance"]["status"] == "ACTIVE"


async def test_restart_while_building_is_unprocessable(api):
    _, answer, _ = await api.post("/instances", body())
    iid = answer["instance"]["id"]
    assert_fault(
        await api.post(f"/instances/{iid}/action", {"restart": {}}),
        "unprocessableEntity",
        422,
        f"Instance {iid} is not currently available for an action to be performed (task status was BUILDING).",
    )


async def test_resize_flavor_goes_resize_then_new_flavor(api):
    inst = await api.create_instance()
    api.advance(60)
    assert (await api.post(f"/instances/{inst['id']}/action", {"resize": {"flavorRef": "4"}}))[0] == 202
    shown = (await api.get(f"/instances/{inst['id']}"))[1]["instance"]
    assert shown["status"] == "RESIZE" and shown["flavor"]["id"] == "2"
    api.advance(45)
    shown = (await api.get(f"/instances/{inst['id']}"))[1]["instance"]
    assert shown["status"] == "ACTIVE" and shown["flavor"]["id"] == "4"


async def test_resize_to_the_same_flavor_is_bad_request(api):
    inst = await api.create_instance()
    api.advance(60)
    assert_fault(
        await api.post(f"/instances/{inst['id']}/action", {"resize": {"flavorRef": 2}}),
        "badRequest",
        400,
        "The new flavor id must be different than the current flavor id of '2'.",
    )


async def test_resize_to_unknown_flavor_is_bad_request(api):
    inst = await api.create_instance()
    api.advance(60)
    assert_fault(
        await api.post(f"/instances/{inst['id']}/action", {"resize": {"flavorRef": 77}}),
        "badRequest",
        400,
        "Resource 77 cannot be found.",
    )


async def test_resize_volume_grows_it(api):
    inst = await api.create_instance()
    api.advance(60)
    assert (await api.post(f"/instances/{inst['id']}/action", {"resize": {"volume": {"size": 5}}}))[0] == 202
    api.advance(45)
    assert (await api.get(f"/instances/{inst['id']}"))[1]["instance"]["volume"]["size"] == 5


async def test_resize_volume_not_larger_is_bad_request(api):
    inst = await api.create_instance()
    api.advance(60)
    assert_fault(
        await api.post(f"/instances/{inst['id']}/action", {"resize": {"volume": {"size": 2}}}),
        "badRequest",
        400,
        "The new volume 'size' must be larger than the current volume size of '2'.",
    )


async def test_resize_volume_over_max_is_over_limit(api):
    inst = await api.create_instance()
    api.advance(60)
    assert_fault(
        await api.post(f"/instances/{inst['id']}/action", {"resize": {"volume": {"size": 5000}}}),
        "overLimit",
        413,
        "Volume 'size' cannot exceed maximum of 1024 GB, 5000 cannot be accepted.",
    )


async def test_action_while_resizing_is_unprocessable(api):
    inst = await api.create_instance()
    api.advance(60)
    await api.post(f"/instances/{inst['id']}/action", {"resize": {"flavorRef": 3}})
    assert_fault(
        await api.post(f"/instances/{inst['id']}/action", {"restart": {}}),
        "unprocessableEntity",
        422,
        f"Instance {inst['id']} is not currently available for an action to be performed (task status was RESIZING).",
    )


async def test_unknown_action_is_bad_request(api):
    inst = await api.create_instance()
    assert_fault(
        await api.post(f"/instances/{inst['id']}/action", {"explode": {}}),
        "badRequest",
        400,
        "Invalid instance action: 'explode'.",
    )


async def test_two_actions_in_one_body_is_bad_request(api):
    inst = await api.create_instance()
    assert_fault(
        await api.post(f"/instances/{inst['id']}/action", {"restart": {}, "resize": {}}),
        "badRequest",
        400,
        "Validation error: an action body has exactly one key (restart or resize).",
    )


async def test_enable_root_returns_a_password_and_status_turns_true(api):
    inst = await api.create_instance()
    api.advance(60)
    assert (await api.get(f"/instances/{inst['id']}/root"))[1] == {"rootEnabled": False}
    status, answer, _ = await api.post(f"/instances/{inst['id']}/root")
    assert status == 200 and answer["user"]["name"] == "root" and answer["user"]["password"]
    assert (await api.get(f"/instances/{inst['id']}/root"))[1] == {"rootEnabled": True}
    users = (await api.get(f"/instances/{inst['id']}/users"))[1]["users"]
    assert {"name": "root", "host": "%", "databases": []} in users


async def test_enable_root_while_building_is_unprocessable(api):
    _, answer, _ = await api.post("/instances", body())
    iid = answer["instance"]["id"]
    assert_fault(
        await api.post(f"/instances/{iid}/root"),
        "unprocessableEntity",
        422,
        f"Instance {iid} is not ready, status: BUILD.",
    )


async def test_same_seed_and_requests_give_the_same_ids(aiohttp_client, sim_config):
    from support import Api

    from simulator import create_app

    runs = []
    for _ in range(2):
        run = Api(await aiohttp_client(create_app(sim_config)))
        runs.append([(await run.post("/instances", body(name=f"n{i}")))[1]["instance"]["id"] for i in range(3)])
    assert runs[0] == runs[1]


async def test_show_adds_the_later_examples_keys_schedule_upgrades_and_the_flavors_name_and_ram(api):
    status, body, _ = await api.post(
        "/instances",
        {
            "instance": {
                "name": "db",
                "flavorRef": 2,
                "volume": {"size": 1},
                "datastore": {"type": "mysql", "version": "5.6"},
            }
        },
    )
    assert status == 200 and "schedule" not in body["instance"]  # a create's answer keeps the seed's keys
    instance_id = body["instance"]["id"]
    _, shown, _ = await api.get(f"/instances/{instance_id}")
    # BUILD: the guest has said nothing yet
    assert shown["instance"]["available_upgrades"] == {"current_version": "UNKNOWN", "upgrades": []}
    api.advance(600)
    _, shown, _ = await api.get(f"/instances/{instance_id}")
    inst = shown["instance"]
    assert (inst["flavor"]["name"], inst["flavor"]["ram"], inst["schedule"]) == (
        "1GB Instance",
        1024,
        {"enabled": False},
    )
    assert inst["status"] == "ACTIVE", inst
    assert inst["available_upgrades"] == {
        "current_version": "5.6",
        "upgrades": [
            {"datastore_type": "mysql", "datastore_version": "5.7", "version": "5.7"},
            {"datastore_type": "mariadb", "datastore_version": "10.4enc", "version": "10.4enc"},
        ],
    }
    assert "ip" not in inst  # only a replication set's members show their address
    status, _, _ = await api.post(
        "/schedules",
        {"schedule": {"action": "backup", "instance_id": instance_id, "day_of_week": 0, "hour": 1, "minute": 0}},
    )
    assert status == 202
    _, shown, _ = await api.get(f"/instances/{instance_id}")
    assert shown["instance"]["schedule"] == {"enabled": True}


async def test_a_replication_sets_members_show_their_private_address_in_ip(api):
    source = await api.create_instance("src")
    api.advance(600)
    _, body, _ = await api.post("/instances", {"instance": {"name": "rep", "replica_of": source["id"]}})
    replica_id = body["instance"]["id"]
    api.advance(600)
    _, shown, _ = await api.get(f"/instances/{replica_id}")
    [address] = shown["instance"]["ip"]
    assert address.startswith("10.") and len(address.split(".")) == 4
    _, listed, _ = await api.get("/instances")
    assert {i["id"]: i["ip"] for i in listed["instances"]}[replica_id] == [address]
    _, replicas, _ = await api.get(f"/instances/{source['id']}/replicas")
    assert [r["ip"] for r in replicas["instances"]] == [[address]]
