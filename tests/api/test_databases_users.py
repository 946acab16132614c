"""Databases and users of an instance: create, list (paged), delete, show, update, passwords, access."""

import pytest
from support import assert_fault


@pytest.fixture
async def inst(api):
    return await api.create_instance(
        databases=[{"name": "shop"}], users=[{"name": "alice", "password": "pw1", "databases": [{"name": "shop"}]}]
    )


async def test_create_databases_then_list_sorted_by_name(api, inst):
    status, answer, _ = await api.post(
        f"/instances/{inst['id']}/databases",
        {"databases": [{"name": "zeta"}, {"name": "alpha", "character_set": "utf8mb4"}]},
    )
    assert status == 202 and answer is None
    _, listed, _ = await api.get(f"/instances/{inst['id']}/databases")
    assert listed == {"databases": [{"name": "alpha"}, {"name": "shop"}, {"name": "zeta"}]}


async def test_list_databases_pages_by_name(api, inst):
    await api.post(f"/instances/{inst['id']}/databases", {"databases": [{"name": f"db{i}"} for i in range(4)]})
    _, page, _ = await api.get(f"/instances/{inst['id']}/databases?limit=2")
    assert page["databases"] == [{"name": "db0"}, {"name": "db1"}]
    assert "marker=db1" in page["links"][0]["href"]
    _, page2, _ = await api.get(f"/instances/{inst['id']}/databases?limit=2&marker=db1")
    assert page2["databases"] == [{"name": "db2"}, {"name": "db3"}]


async def test_create_database_existing_name_is_bad_request(api, inst):
    assert_fault(
        await api.post(f"/instances/{inst['id']}/databases", {"databases": [{"name": "shop"}]}),
        "badRequest",
        400,
        'A database with the name "shop" already exists.',
    )


async def test_create_database_reserved_name_is_bad_request(api, inst):
    assert_fault(
        await api.post(f"/instances/{inst['id']}/databases", {"databases": [{"name": "mysql"}]}),
        "badRequest",
        400,
        'Database name "mysql" is on the reserved list: '
        "['lost+found', 'information_schema', 'mysql', 'performance_schema', 'sys'].",
    )


async def test_create_database_invalid_name_is_bad_request(api, inst):
    assert_fault(
        await api.post(f"/instances/{inst['id']}/databases", {"databases": [{"name": "a;drop"}]}),
        "badRequest",
        400,
        "'a;drop' is not a valid database name.",
    )


async def test_create_database_too_long_name_is_bad_request(api, inst):
    name = "d" * 65
    assert_fault(
        await api.post(f"/instances/{inst['id']}/databases", {"databases": [{"name": name}]}),
        "badRequest",
        400,
        f"Database name '{name}' is too long. Max length = 64.",
    )


async def test_create_database_unknown_charset_is_bad_request(api, inst):
    assert_fault(
        await api.post(
            f"/instances/{inst['id']}/databases", {"databases": [{"name": "x1", "character_set": "klingon"}]}
        ),
        "badRequest",
        400,
        "'klingon' not a valid character set.",
    )


async def test_create_database_duplicates_in_request_is_bad_request_and_writes_nothing(api, inst):
    assert_fault(
        await api.post(f"/instances/{inst['id']}/databases", {"databases": [{"name": "new1"}, {"name": "new1"}]}),
        "badRequest",
        400,
        "Two or more databases share the same name in the initial databases list. "
        "Please correct the names or remove the duplicate entries.",
    )
    assert (await api.get(f"/instances/{inst['id']}/databases"))[1] == {"databases": [{"name": "shop"}]}


async def test_create_database_while_building_is_unprocessable(api):
    _, answer, _ = await api.post("/instances", {"instance": {"name": "b", "flavorRef": 1, "volume": {"size": 1}}})
    iid = answer["instance"]["id"]  # no request has settled the model yet on this clock tick: still BUILD
    api.backend.store.instances.update(iid, {"task_until": api.clock.time() + 100})
    assert_fault(
        await api.post(f"/instances/{iid}/databases", {"databases": [{"name": "x1"}]}),
        "unprocessableEntity",
        422,
        f"Instance {iid} is not ready, status: BUILD.",
    )


async def test_delete_database_removes_it_and_its_grants(api, inst):
    assert (await api.delete(f"/instances/{inst['id']}/databases/shop"))[0] == 202
    assert (await api.get(f"/instances/{inst['id']}/databases"))[1] == {"databases": []}
    assert (await api.get(f"/instances/{inst['id']}/users/alice"))[1]["user"]["databases"] == []


async def test_delete_database_unknown_is_not_found(api, inst):
    assert_fault(
        await api.delete(f"/instances/{inst['id']}/databases/ghost"),
        "itemNotFound",
        404,
        "Database ghost cannot be found on the instance.",
    )


async def test_create_users_then_list_and_show(api, inst):
    status, _, _ = await api.post(
        f"/instances/{inst['id']}/users",
        {"users": [{"name": "bob", "password": "pw2", "host": "10.0.0.1", "databases": [{"name": "shop"}]}]},
    )
    assert status == 202
    _, listed, _ = await api.get(f"/instances/{inst['id']}/users")
    assert listed["users"] == [
        {"name": "alice", "host": "%", "databases": [{"name": "shop"}]},
        {"name": "bob", "host": "10.0.0.1", "databases": [{"name": "shop"}]},
    ]
    _, shown, _ = await api.get(f"/instances/{inst['id']}/users/bob%4010.0.0.1")
    assert shown == {"user": {"name": "bob", "host": "10.0.0.1", "databases": [{"name": "shop"}]}}


async def test_show_user_accepts_double_encoded_dots(api, inst):
    await api.post(
        f"/instances/{inst['id']}/users", {"users": [{"name": "carol", "password": "p", "host": "10.0.0.2"}]}
    )
    status, shown, _ = await api.get(f"/instances/{inst['id']}/users/carol%4010%252E0%252E0%252E2")
    assert status == 200 and shown["user"]["host"] == "10.0.0.2"


async def test_create_user_existing_is_bad_request(api, inst):
    assert_fault(
        await api.post(f"/instances/{inst['id']}/users", {"users": [{"name": "alice", "password": "x"}]}),
        "badRequest",
        400,
        'A user with the name "alice" already exists.',
    )


async def test_create_user_reserved_name_is_bad_request(api, inst):
    assert_fault(
        await api.post(f"/instances/{inst['id']}/users", {"users": [{"name": "root", "password": "x"}]}),
        "badRequest",
        400,
        "User name \"root\" is on the reserved list: ['os_admin', 'root'].",
    )


async def test_create_user_too_long_name_is_bad_request(api, inst):
    assert_fault(
        await api.post(f"/instances/{inst['id']}/users", {"users": [{"name": "a" * 17, "password": "x"}]}),
        "badRequest",
        400,
        f"User name '{'a' * 17}' is too long. Max length = 16.",
    )


async def test_create_user_bad_host_is_bad_request(api, inst):
    assert_fault(
        await api.post(
            f"/instances/{inst['id']}/users", {"users": [{"name": "dave", "password": "x", "host": "not.an.ip"}]}
        ),
        "badRequest",
        400,
        "'not.an.ip' is not a valid hostname.",
    )


async def test_create_user_bad_password_is_bad_request(api, inst):
    assert_fault(
        await api.post(f"/instances/{inst['id']}/users", {"users": [{"name": "dave", "password": "a'b"}]}),
        "badRequest",
        400,
        "The password is not valid: it must not start or end with a space or contain ' \" ; ` , / or \\.",
    )


async def test_create_user_missing_password_is_bad_request(api, inst):
    assert_fault(
        await api.post(f"/instances/{inst['id']}/users", {"users": [{"name": "dave"}]}),
        "badRequest",
        400,
        "Validation error: users[0] 'password' is a required property",
    )


async def test_create_user_with_unknown_database_is_not_found(api, inst):
    assert_fault(
        await api.post(
            f"/instances/{inst['id']}/users",
            {"users": [{"name": "erin", "password": "x", "databases": [{"name": "nope"}]}]},
        ),
        "itemNotFound",
        404,
        "Database nope cannot be found on the instance.",
    )


async def test_show_user_unknown_is_not_found(api, inst):
    assert_fault(
        await api.get(f"/instances/{inst['id']}/users/ghost"),
        "itemNotFound",
        404,
        "User ghost cannot be found on the instance.",
    )


async def test_update_user_renames_and_keeps_grants(api, inst):
    assert (await api.put(f"/instances/{inst['id']}/users/alice", {"user": {"name": "alicia"}}))[0] == 202
    _, shown, _ = await api.get(f"/instances/{inst['id']}/users/alicia")
    assert shown["user"]["databases"] == [{"name": "shop"}]
    assert (await api.get(f"/instances/{inst['id']}/users/alice"))[0] == 404


async def test_update_user_onto_an_existing_user_is_bad_request(api, inst):
    await api.post(f"/instances/{inst['id']}/users", {"users": [{"name": "bob", "password": "x"}]})
    assert_fault(
        await api.put(f"/instances/{inst['id']}/users/alice", {"user": {"name": "bob"}}),
        "badRequest",
        400,
        'A user with the name "bob" already exists.',
    )


async def test_update_user_empty_is_bad_request(api, inst):
    assert_fault(
        await api.put(f"/instances/{inst['id']}/users/alice", {"user": {}}),
        "badRequest",
        400,
        "Validation error: user {} should be non-empty",
    )


async def test_change_passwords_changes_the_login(api, inst):
    backend = api.backend
    assert backend.users.check_login("1234", inst["id"], "alice", "pw1")
    assert (await api.put(f"/instances/{inst['id']}/users", {"users": [{"name": "alice", "password": "new"}]}))[
        0
    ] == 202
    assert backend.users.check_login("1234", inst["id"], "alice", "new")
    assert not backend.users.check_login("1234", inst["id"], "alice", "pw1")


async def test_change_passwords_unknown_user_is_not_found_and_changes_nothing(api, inst):
    assert_fault(
        await api.put(
            f"/instances/{inst['id']}/users",
            {"users": [{"name": "alice", "password": "new"}, {"name": "ghost", "password": "x"}]},
        ),
        "itemNotFound",
        404,
        "User ghost cannot be found on the instance.",
    )
    assert api.backend.users.check_login("1234", inst["id"], "alice", "pw1")


async def test_delete_user(api, inst):
    assert (await api.delete(f"/instances/{inst['id']}/users/alice"))[0] == 202
    assert (await api.get(f"/instances/{inst['id']}/users"))[1] == {"users": []}


async def test_delete_user_unknown_is_not_found(api, inst):
    assert_fault(
        await api.delete(f"/instances/{inst['id']}/users/ghost"),
        "itemNotFound",
        404,
        "User ghost cannot be found on the instance.",
    )


async def test_grant_list_and_revoke_access(api, inst):
    await api.post(f"/instances/{inst['id']}/databases", {"databases": [{"name": "blog"}]})
    assert (await api.put(f"/instances/{inst['id']}/users/alice/databases", {"databases": [{"name": "blog"}]}))[
        0
    ] == 202
    _, access, _ = await api.get(f"/instances/{inst['id']}/users/alice/databases")
    assert access == {"databases": [{"name": "blog"}, {"name": "shop"}]}
    assert (await api.delete(f"/instances/{inst['id']}/users/alice/databases/shop"))[0] == 202
    assert (await api.get(f"/instances/{inst['id']}/users/alice/databases"))[1] == {"databases": [{"name": "blog"}]}


async def test_revoke_access_not_granted_is_not_found(api, inst):
    assert_fault(
        await api.delete(f"/instances/{inst['id']}/users/alice/databases/blog"),
        "itemNotFound",
        404,
        "Database blog cannot be found on the instance.",
    )


async def test_grant_access_unknown_database_is_not_found(api, inst):
    assert_fault(
        await api.put(f"/instances/{inst['id']}/users/alice/databases", {"databases": [{"name": "x1"}]}),
        "itemNotFound",
        404,
        "Database x1 cannot be found on the instance.",
    )


async def test_list_users_pages_by_name_at_host(api, inst):
    await api.post(f"/instances/{inst['id']}/users", {"users": [{"name": f"u{i}", "password": "p"} for i in range(3)]})
    _, page, _ = await api.get(f"/instances/{inst['id']}/users?limit=2")
    assert [u["name"] for u in page["users"]] == ["alice", "u0"]
    assert "marker=u0%2540%2525" in page["links"][0]["href"]
    _, page2, _ = await api.get(f"/instances/{inst['id']}/users?limit=2&marker=u0%40%25")
    assert [u["name"] for u in page2["users"]] == ["u1", "u2"]
