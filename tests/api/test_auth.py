"""Auth on /v1.0 calls: tokens, accounts and roles."""

from support import ACCOUNT, assert_fault

BAD_TOKEN = "The supplied token is not authorized to access the resources, either it's expired or invalid."


def add_account(api, account_id, role="dbaas:admin", token=None):
    return api.backend.identity.create_account(account_id, role=role, token=token or f"tok-{account_id}")


async def test_list_flavors_without_token_is_unauthorized(api):
    caller = api.as_account(ACCOUNT, None)
    assert_fault(await caller.get("/flavors"), "unauthorized", 401, BAD_TOKEN)


async def test_list_flavors_unknown_token_is_unauthorized(api):
    assert_fault(await api.as_account(ACCOUNT, "forged").get("/flavors"), "unauthorized", 401, BAD_TOKEN)


async def test_list_instances_with_another_accounts_token_is_forbidden(api):
    add_account(api, "5678")
    other = api.as_account(ACCOUNT, "tok-5678")
    assert_fault(
        await other.get("/instances"), "forbidden", 403, "User with tenant id 5678 cannot access this resource."
    )


async def test_show_instance_of_another_account_is_not_found(api):
    created = await api.create_instance()
    add_account(api, "5678")
    other = api.as_account("5678", "tok-5678")
    assert_fault(
        await other.get(f"/instances/{created['id']}"),
        "itemNotFound",
        404,
        f"Resource {created['id']} cannot be found.",
    )


async def test_observer_may_read_but_not_write(api):
    add_account(api, "obs", role="dbaas:observer")
    observer = api.as_account("obs", "tok-obs")
    assert (await observer.get("/instances"))[0] == 200
    assert_fault(
        await observer.post("/instances", {"instance": {"name": "x", "flavorRef": 1, "volume": {"size": 1}}}),
        "forbidden",
        403,
        "Policy doesn't allow create_instance to be performed.",
    )


async def test_creator_may_create_but_not_delete(api):
    add_account(api, "cre", role="dbaas:creator")
    creator = api.as_account("cre", "tok-cre")
    created = await creator.create_instance()
    assert_fault(
        await creator.delete(f"/instances/{created['id']}"),
        "forbidden",
        403,
        "Policy doesn't allow delete_instance to be performed.",
    )


async def test_versions_need_no_token(api):
    anonymous = api.as_account(ACCOUNT, None)
    status, body, _ = await anonymous.get("/")
    assert status == 200 and body["versions"][0]["id"] == "v1.0"
    status, body, _ = await anonymous.get("/v1.0")
    assert status == 200 and body["version"]["status"] == "CURRENT"
