"""python-troveclient, unmodified, against the running simulator: instances, databases, users, auth failures."""

from __future__ import annotations

import pytest
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import session, token_endpoint
from keystoneauth1.identity import v2
from troveclient import exceptions
from troveclient.v1 import client

FLAVOR_RAM = {1: 512, 2: 1024, 3: 2048, 4: 4096, 5: 8192, 6: 16384, 7: 32768, 8: 65536}


def token_client(account, token: str | None = None) -> client.Client:
    """troveclient over a keystoneauth1 session with a fixed endpoint and token (no identity traffic)."""
    auth = token_endpoint.Token(account.endpoint, token or account.token)
    return client.Client(session=session.Session(auth=auth))


def password_client(account, password: str | None = None) -> client.Client:
    """troveclient over keystoneauth1's v2 Password plugin: token and endpoint from the simulator's catalog."""
    auth = v2.Password(
        auth_url=account.identity_url,
        username=account.username,
        password=password or account.password,
        tenant_id=account.account_id,
    )
    return client.Client(session=session.Session(auth=auth), service_type="rax:database", region_name=account.region)


def exercise_instance(sim, tc: client.Client) -> None:
    """The common walk: flavors, create, ACTIVE, databases and users, resize, restart, delete."""
    flavors = tc.flavors.list()
    assert {f.id: f.ram for f in flavors} == FLAVOR_RAM
    assert tc.flavors.get(2).name == "1GB Instance"

    inst = tc.instances.create(
        "contract-db", flavor_id="1", volume={"size": 2}, datastore="mysql", datastore_version="5.6"
    )
    assert inst.status == "BUILD"
    assert inst.flavor["id"] == "1" and inst.volume["size"] == 2
    assert inst.datastore == {"type": "mysql", "version": "5.6"}
    active, seen = sim.wait_for(tc.instances.get, inst.id, "ACTIVE")
    assert seen[0] == "BUILD"
    assert active.name == "contract-db" and active.hostname
    assert [i.id for i in tc.instances.list()] == [inst.id]

    tc.databases.create(inst.id, [{"name": "orders"}, {"name": "stock", "character_set": "utf8"}])
    tc.users.create(inst.id, [{"name": "alice", "password": "s3cret-pw", "databases": [{"name": "orders"}]}])
    assert sorted(d.name for d in tc.databases.list(inst.id)) == ["orders", "stock"]
    users = tc.users.list(inst.id)
    assert [(u.name, u.host) for u in users] == [("alice", "%")]
    assert [d["name"] for d in users[0].databases] == ["orders"]
    assert tc.users.get(inst.id, "alice").name == "alice"
    assert [a.name for a in tc.users.list_access(inst.id, "alice")] == ["orders"]

    tc.instances.resize_instance(inst.id, 3)
    assert tc.instances.get(inst.id).status == "RESIZE"
    resized, _ = sim.wait_for(tc.instances.get, inst.id, "ACTIVE")
    assert resized.flavor["id"] == "3"

    tc.instances.resize_volume(inst.id, 4)
    resized, _ = sim.wait_for(tc.instances.get, inst.id, "ACTIVE")
    assert resized.volume["size"] == 4

    tc.instances.restart(inst.id)
    assert tc.instances.get(inst.id).status == "REBOOT"
    sim.wait_for(tc.instances.get, inst.id, "ACTIVE")

    tc.instances.delete(inst.id)
    assert tc.instances.get(inst.id).status == "SHUTDOWN"
    sim.wait_gone(tc.instances.get, inst.id)
    assert tc.instances.list() == []


def test_instance_lifecycle_with_fixed_token(sim, account):
    exercise_instance(sim, token_client(account))


def test_instance_lifecycle_through_identity_v2_password(sim, account):
    tc = password_client(account)
    exercise_instance(sim, tc)
    # The session found the service in the catalog under rax:database and authenticated once.
    assert tc.client.get_endpoint() == account.endpoint


def test_database_create_while_building_is_unprocessable(sim, account):
    tc = token_client(account)
    inst = tc.instances.create("busy", flavor_id="1", volume={"size": 1})
    with pytest.raises(exceptions.UnprocessableEntity) as err:
        tc.databases.create(inst.id, [{"name": "early"}])
    assert err.value.http_status == 422
    assert err.value.message == f"Instance {inst.id} is not ready, status: BUILD."


def test_show_instance_unknown_id_is_not_found(account):
    tc = token_client(account)
    missing = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(exceptions.NotFound) as err:
        tc.instances.get(missing)
    assert err.value.http_status == 404
    assert err.value.message == f"Resource {missing} cannot be found."


def test_show_instance_of_another_account_is_not_found(sim, account):
    other = sim.new_account()
    theirs = token_client(other).instances.create("theirs", flavor_id="1", volume={"size": 1})
    with pytest.raises(exceptions.NotFound) as err:
        token_client(account).instances.get(theirs.id)
    assert err.value.message == f"Resource {theirs.id} cannot be found."


def test_list_instances_with_unknown_token_is_unauthorized(account):
    with pytest.raises(exceptions.Unauthorized) as err:
        token_client(account, token="not-a-token").instances.list()
    assert err.value.http_status == 401
    assert err.value.message == (
        "The supplied token is not authorized to access the resources, either it's expired or invalid."
    )


def test_identity_v2_password_with_wrong_password_is_unauthorized(account):
    # The session authenticates as soon as troveclient asks it for the catalog's endpoint.
    with pytest.raises(ks_exceptions.Unauthorized) as err:
        password_client(account, password="wrong-password").flavors.list()
    assert err.value.http_status == 401


def test_list_instances_with_another_accounts_token_is_forbidden(sim, account):
    other = sim.new_account()
    with pytest.raises(exceptions.Forbidden) as err:
        token_client(account, token=other.token).instances.list()
    assert err.value.http_status == 403
    assert err.value.message == f"User with tenant id {other.account_id} cannot access this resource."


def test_delete_instance_as_observer_is_forbidden(sim):
    observer = sim.new_account(role="dbaas:observer")
    tc = token_client(observer)
    assert len(tc.flavors.list()) == 8  # reading is allowed
    with pytest.raises(exceptions.Forbidden) as err:
        tc.instances.create("nope", flavor_id="1", volume={"size": 1})
    assert err.value.message == "Policy doesn't allow create_instance to be performed."


def test_legacy_http_client_authenticates_through_identity(sim, account):
    # No session: troveclient's own Keystone v2 code (tenantName, X-Auth-Project-Id on every call).
    tc = client.Client(
        account.username,
        account.password,
        project_id=account.account_id,
        auth_url=account.identity_url,
        service_type="rax:database",
        region_name=account.region,
    )
    assert len(tc.flavors.list()) == 8
    inst = tc.instances.create("legacy", flavor_id="2", volume={"size": 1})
    assert tc.client.management_url == account.endpoint
    sim.wait_for(tc.instances.get, inst.id, "ACTIVE")
    tc.databases.create(inst.id, [{"name": "legacy_db"}])
    assert [d.name for d in tc.databases.list(inst.id)] == ["legacy_db"]
    with pytest.raises(exceptions.NotFound):
        tc.instances.get("00000000-0000-4000-8000-000000000001")
