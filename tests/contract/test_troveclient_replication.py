"""python-troveclient, unmodified: replicas (create without a flavor, listing, following the source, refusals),
detach, promote, eject, and a second region's endpoint found in the identity catalog."""

from __future__ import annotations

import pytest
from keystoneauth1 import session, token_endpoint
from keystoneauth1.identity import v2
from troveclient import exceptions
from troveclient.v1 import client


def token_client(account) -> client.Client:
    return client.Client(session=session.Session(auth=token_endpoint.Token(account.endpoint, account.token)))


def catalog_client(account, region: str) -> client.Client:
    """A client that finds its endpoint in the identity catalog, as a multi-region application does."""
    auth = v2.Password(
        auth_url=account.identity_url,
        username=account.username,
        password=account.password,
        tenant_id=account.account_id,
    )
    return client.Client(session=session.Session(auth=auth), service_type="rax:database", region_name=region)


def active_source(sim, tc, name="src"):
    source = tc.instances.create(
        name,
        flavor_id="2",
        volume={"size": 1},
        datastore="mysql",
        datastore_version="5.7",
        databases=[{"name": "orders"}],
        users=[{"name": "app", "password": "s3cret", "databases": [{"name": "orders"}]}],
    )
    sim.wait_for(tc.instances.get, source.id, "ACTIVE")
    return source


def test_replica_is_created_from_its_source_and_follows_it(sim, account):
    tc = token_client(account)
    source = active_source(sim, tc)
    replica = tc.instances.create("rep", replica_of=source.id)  # no flavor, no volume: the source's
    assert (replica.status, replica.replica_of["id"], replica.flavor["id"], replica.volume) == (
        "BUILD",
        source.id,
        "2",
        {"size": 1},
    )
    assert tc.instances.get(source.id).status == "RESTART"
    _, seen = sim.wait_for(tc.instances.get, replica.id, "ACTIVE")
    assert seen[0] == "BUILD"

    shown = tc.instances.get(source.id)
    assert [r["id"] for r in shown.replicas] == [replica.id]
    listed = {i.id: i for i in tc.instances.list()}
    assert listed[replica.id].replica_of["id"] == source.id and listed[source.id].replicas[0]["id"] == replica.id
    status, body, _ = sim.raw("GET", account, "/instances?include_replicas=false")
    assert [i["id"] for i in body["instances"]] == [source.id]
    status, body, _ = sim.raw("GET", account, f"/instances/{source.id}/replicas")
    assert status == 200 and [i["id"] for i in body["instances"]] == [replica.id]

    assert [d.name for d in tc.databases.list(replica.id)] == ["orders"]
    tc.databases.create(source.id, [{"name": "audit"}])
    assert sorted(d.name for d in tc.databases.list(replica.id)) == ["audit", "orders"]
    with pytest.raises(exceptions.BadRequest) as err:
        tc.users.create(replica.id, [{"name": "sneaky", "password": "pw"}])
    assert err.value.message == (
        f"Instance {replica.id} is a replica of {source.id}: databases and users are "
        f"managed on the source and replicate to its replicas."
    )
    with pytest.raises(exceptions.Forbidden) as err:
        tc.instances.delete(source.id)
    assert err.value.message == "Detach replicas before deleting replica source."


def test_replica_refusals(sim, account):
    tc = token_client(account)
    source = active_source(sim, tc)
    with pytest.raises(exceptions.NotFound):
        tc.instances.create("rep", replica_of="00000000-0000-4000-8000-000000000000")
    replica = tc.instances.create("rep", replica_of=source.id)
    sim.wait_for(tc.instances.get, replica.id, "ACTIVE")
    with pytest.raises(exceptions.Unauthorized) as err:  # Trove's Forbidden answers 401
        tc.instances.create("chain", replica_of=replica.id)
    assert err.value.message == f"Cannot create a replica of a replica {replica.id}."
    small = tc.instances.create("small", flavor_id="1", volume={"size": 1})
    sim.wait_for(tc.instances.get, small.id, "ACTIVE")
    with pytest.raises(exceptions.BadRequest) as err:
        tc.instances.create("rep-small", replica_of=small.id)
    assert "needs a flavor of 1 GB or more" in err.value.message


def test_detach_promote_and_eject(sim, account):
    tc = token_client(account)
    source = active_source(sim, tc)
    first = tc.instances.create("first", replica_of=source.id)
    sim.wait_for(tc.instances.get, first.id, "ACTIVE")

    with pytest.raises(exceptions.BadRequest) as err:
        tc.instances.eject_replica_source(source.id)
    assert err.value.message == f"Replica Source {source.id} cannot be ejected as it has a current heartbeat"
    tc.instances.promote_to_replica_source(first.id)
    assert tc.instances.get(first.id).status == "PROMOTE"
    sim.wait_for(tc.instances.get, first.id, "ACTIVE")
    assert [r["id"] for r in tc.instances.get(first.id).replicas] == [source.id]
    assert tc.instances.get(source.id).replica_of["id"] == first.id

    tc.instances.update(source.id, detach_replica_source=True)  # PUT {"instance": {"replica_of": null}}
    assert tc.instances.get(source.id).status == "DETACH_REPLICA"
    detached, _ = sim.wait_for(tc.instances.get, source.id, "ACTIVE")
    assert not hasattr(detached, "replica_of")
    with pytest.raises(exceptions.BadRequest) as err:
        tc.instances.update(source.id, detach_replica_source=True)
    assert err.value.message == f"Instance {source.id} is not a replica."


def test_a_second_regions_endpoint_from_the_catalog(sim, account):
    dfw, iad = catalog_client(account, "DFW"), catalog_client(account, "IAD")
    made = iad.instances.create("iad-db", flavor_id="2", volume={"size": 1})
    assert made.links[0]["href"].startswith(f"{sim.url}/iad/v1.0/{account.account_id}/instances/")
    sim.wait_for(iad.instances.get, made.id, "ACTIVE")
    assert [i.id for i in iad.instances.list()] == [made.id]
    assert dfw.instances.list() == []
    with pytest.raises(exceptions.NotFound):
        dfw.instances.get(made.id)
    assert [i.id for i in token_client(account).instances.list()] == []  # the fixed endpoint is the DFW one
