"""Regions: the identity catalog lists every Cloud Databases region, each with its own endpoint; the configured region
keeps today's URLs; an account's resources in one region are invisible from another's endpoint."""

import pytest
from support import ACCOUNT, TOKEN, UNAUTHORIZED, Api, assert_fault

from simulator import DemoAccount, Durations, SimulatorConfig, create_app

LOGIN = {"auth": {"passwordCredentials": {"username": "demo", "password": "demo-password"}}}


@pytest.fixture
def sim_config():
    return SimulatorConfig(
        seed=7,
        bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN, username="demo", password="demo-password"),
        durations=Durations(build=60, reboot=30, shutdown=10, backup=20),
    )


def region_api(api, prefix: str, token: str = TOKEN):
    """A client (of the account, or with another token) on another region's endpoint for the account."""
    regional = api.as_account(ACCOUNT, token)
    regional.url = lambda path: f"{prefix}/v1.0/{ACCOUNT}{path}"
    return regional


async def create(api, name="db1"):
    status, body, _ = await api.post("/instances", {"instance": {"name": name, "flavorRef": 2, "volume": {"size": 1}}})
    assert status == 200, body
    return body["instance"]


async def test_catalog_lists_every_region_the_configured_one_first_and_unchanged(api):
    status, body, _ = await api.as_account(ACCOUNT, None).post("/v2.0/tokens", LOGIN)
    assert status == 200
    origin = str(api.client.make_url("")).rstrip("/")
    for service in body["access"]["serviceCatalog"]:
        endpoints = [(e["region"], e["publicURL"]) for e in service["endpoints"]]
        assert endpoints == [
            ("DFW", f"{origin}/v1.0/{ACCOUNT}"),
            ("ORD", f"{origin}/ord/v1.0/{ACCOUNT}"),
            ("IAD", f"{origin}/iad/v1.0/{ACCOUNT}"),
            ("LON", f"{origin}/lon/v1.0/{ACCOUNT}"),
            ("HKG", f"{origin}/hkg/v1.0/{ACCOUNT}"),
            ("SYD", f"{origin}/syd/v1.0/{ACCOUNT}"),
        ]
    assert {s["type"] for s in body["access"]["serviceCatalog"]} == {"rax:database", "database"}
    assert body["access"]["user"]["RAX-AUTH:defaultRegion"] == "DFW"


@pytest.mark.parametrize(
    "sim_config", [SimulatorConfig(seed=7, region="ORD", bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN))]
)
async def test_another_configured_region_keeps_the_plain_urls_and_dfw_gets_a_prefix(api):
    _, body, _ = await api.as_account(ACCOUNT, None).post("/v2.0/tokens", LOGIN)
    regions = [
        (e["region"], e["publicURL"].split("/v1.0/")[0].rsplit("/", 1)[-1])
        for e in body["access"]["serviceCatalog"][0]["endpoints"]
    ]
    assert regions[0][0] == "ORD" and ("DFW", "dfw") in regions and ("ORD", "ord") not in regions
    assert (await region_api(api, "/ord").get("/instances"))[0] == 404
    assert (await region_api(api, "/dfw").get("/instances"))[0] == 200


async def test_resources_of_one_region_are_invisible_from_another(api):
    iad, lon = region_api(api, "/iad"), region_api(api, "/lon")
    here = await create(api, "dfw-db")
    there = await create(iad, "iad-db")
    assert [i["id"] for i in (await api.get("/instances"))[1]["instances"]] == [here["id"]]
    assert [i["id"] for i in (await iad.get("/instances"))[1]["instances"]] == [there["id"]]
    assert (await lon.get("/instances"))[1] == {"instances": []}
    assert_fault(
        await api.get(f"/instances/{there['id']}"), "itemNotFound", 404, f"Resource {there['id']} cannot be found."
    )
    assert_fault(
        await iad.get(f"/instances/{here['id']}"), "itemNotFound", 404, f"Resource {here['id']} cannot be found."
    )
    assert_fault(
        await iad.delete(f"/instances/{here['id']}"), "itemNotFound", 404, f"Resource {here['id']} cannot be found."
    )


async def test_a_regions_answers_link_to_that_regions_endpoint(api):
    iad = region_api(api, "/iad")
    inst = await create(iad)
    origin = str(api.client.make_url("")).rstrip("/")
    assert [link["href"] for link in inst["links"]] == [
        f"{origin}/iad/v1.0/{ACCOUNT}/instances/{inst['id']}",
        f"{origin}/iad/instances/{inst['id']}",
    ]
    assert inst["flavor"]["links"][0]["href"] == f"{origin}/iad/v1.0/{ACCOUNT}/flavors/2"
    iad.advance(60)
    status, body, _ = await iad.get("/instances?limit=1")
    assert status == 200 and "links" not in body


async def test_each_region_has_its_own_quota_count(api):
    api.backend.store.accounts.update_settings(ACCOUNT, settings={"quotas": {"instances": 1}})
    await create(api)
    assert_fault(
        await api.post("/instances", {"instance": {"name": "x", "flavorRef": 2, "volume": {"size": 1}}}),
        "overLimit",
        413,
        "Quota exceeded for resources: ['instances'].",
    )
    await create(region_api(api, "/syd"))


async def test_a_region_needs_the_accounts_token_like_any_call(api):
    iad = region_api(api, "/iad")
    iad.token = None
    assert_fault(await iad.get("/instances"), "unauthorized", 401, UNAUTHORIZED)
    api.backend.identity.create_account("other", token="other-token")
    assert_fault(
        await region_api(api, "/iad", "other-token").get("/instances"),
        "forbidden",
        403,
        "User with tenant id other cannot access this resource.",
    )


async def test_unknown_region_prefix_is_not_found(api):
    assert_fault(
        await region_api(api, "/xyz").get("/instances"), "itemNotFound", 404, "The resource could not be found."
    )


async def test_the_journal_names_the_regional_path_and_the_account(api):
    await create(region_api(api, "/hkg"))
    status, body, _ = await api.get(f"/_sim/journal?account_id={ACCOUNT}&route=create_instance")
    assert status == 200
    assert [(e["path"], e["account_id"]) for e in body["journal"]] == [(f"/hkg/v1.0/{ACCOUNT}/instances", ACCOUNT)]


async def test_an_account_reset_and_snapshot_take_in_every_region(api):
    iad = region_api(api, "/iad")
    await create(iad)
    status, body, _ = await api.post("/_sim/snapshots", {"name": "before", "account_id": ACCOUNT})
    assert status in (200, 201), body
    assert (await api.post(f"/_sim/accounts/{ACCOUNT}/reset"))[0] == 200
    assert (await iad.get("/instances"))[1] == {"instances": []}
    assert (await api.post("/_sim/snapshots/before/restore"))[0] == 200
    assert len((await iad.get("/instances"))[1]["instances"]) == 1


async def test_serve_region_option_makes_that_region_the_plain_one(aiohttp_client):
    from simulator.serve.cli import build_parser
    from simulator.serve.options import config_from_args

    args = build_parser().parse_args(
        ["serve", "--region", "IAD", "--db", ":memory:", "--token", TOKEN, "--account-id", ACCOUNT]
    )
    api = Api(await aiohttp_client(create_app(config_from_args(args))))
    _, body, _ = await api.as_account(ACCOUNT, None).post("/v2.0/tokens", LOGIN)
    assert body["access"]["user"]["RAX-AUTH:defaultRegion"] == "IAD"
    assert (await api.get("/instances"))[0] == 200
    assert (await region_api(api, "/dfw").get("/instances"))[0] == 200
    assert (await region_api(api, "/iad").get("/instances"))[0] == 404
    assert build_parser().parse_args(["serve"]).region == "DFW"


def test_every_regions_routes_are_the_tables_account_routes_under_its_prefix():
    from aiohttp.web import DynamicResource

    from simulator.reference import regions
    from simulator.routes import API, OPERATIONS, TROVE_ONLY

    app = create_app(SimulatorConfig())
    expected: list[tuple[str, str | None]] = [(op.method, op.name) for op in OPERATIONS if op.path.startswith(API)]
    expected += [(route.method, None) for route in TROVE_ONLY]
    paths = [op.path for op in OPERATIONS if op.path.startswith(API)] + [route.path for route in TROVE_ONLY]
    for region in regions.other_regions("DFW"):
        sub = next(r for r in app.router.resources() if r.canonical == regions.prefix(region)).get_info()["app"]
        routes = list(sub.router.routes())
        assert [(r.method, r.name) for r in routes] == expected
        resources = [r.resource for r in routes if r.resource is not None]
        assert [r.canonical for r in resources] == [
            regions.prefix(region) + DynamicResource(p).canonical for p in paths
        ]
        assert resources[0].get_info()["pattern"].fullmatch(f"{regions.prefix(region)}/v1.0/{ACCOUNT}/instances")


async def test_a_regions_route_answers_a_method_it_lacks_with_405_and_a_trove_only_path_with_404(api):
    iad = region_api(api, "/iad")
    assert_fault(await iad.delete("/flavors"), "badMethod", 405, "The method DELETE is not allowed for this resource.")
    path = f"/iad/v1.0/{ACCOUNT}/clusters"
    message = f"{path} is part of OpenStack Trove, not of the Cloud Databases v1.0 API: there is no such resource here."
    assert_fault(await iad.get("/clusters"), "itemNotFound", 404, message)
    assert (await iad.get("/instances"))[0] == 200
