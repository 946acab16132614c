"""python-troveclient, unmodified: backups, incremental chains, restore, cascade delete, 409, rate-limit 413."""

from __future__ import annotations

import pytest
from keystoneauth1 import session, token_endpoint
from troveclient import exceptions
from troveclient.v1 import client


def token_client(account) -> client.Client:
    return client.Client(session=session.Session(auth=token_endpoint.Token(account.endpoint, account.token)))


def names(items) -> list[str]:
    return sorted(i.name for i in items)


def test_backup_incremental_restore_and_cascade_delete(sim, account):
    tc = token_client(account)
    src = tc.instances.create("src-db", flavor_id="1", volume={"size": 2}, datastore="mysql", datastore_version="5.6")
    sim.wait_for(tc.instances.get, src.id, "ACTIVE")
    tc.databases.create(src.id, [{"name": "orders"}, {"name": "scratch"}])
    tc.users.create(src.id, [{"name": "alice", "password": "alice-pw", "databases": [{"name": "orders"}]}])

    full = tc.backups.create("nightly", src.id, description="pre-restore")
    assert (full.status, full.instance_id, full.parent_id, full.description) == ("NEW", src.id, None, "pre-restore")
    assert tc.instances.get(src.id).status == "BACKUP"
    # 409: a restore from a backup that is still running, with the backup's actual state.
    state = tc.backups.get(full.id).status
    with pytest.raises(exceptions.Conflict) as err:
        tc.instances.create("too-early", flavor_id="1", volume={"size": 2}, restorePoint={"backupRef": full.id})
    assert err.value.http_status == 409
    assert err.value.message == (
        f"Unable to create instance because backup {full.id} is not completed. Actual state: {state}."
    )
    # 422: a second backup of the same instance while one runs.
    with pytest.raises(exceptions.UnprocessableEntity):
        tc.backups.create("second", src.id)
    done, seen = sim.wait_for(tc.backups.get, full.id, "COMPLETED")
    assert seen[0] == "NEW" and done.locationRef and done.size > 0
    assert tc.instances.get(src.id).status == "ACTIVE"

    # Changes after the full backup: one database dropped, one added, one user added.
    tc.databases.delete(src.id, "scratch")
    tc.databases.create(src.id, [{"name": "stock"}])
    tc.users.create(src.id, [{"name": "bob", "password": "bob-pw", "databases": [{"name": "stock"}]}])
    inc = tc.backups.create("hourly", src.id, incremental=True)
    assert inc.parent_id == full.id
    sim.wait_for(tc.backups.get, inc.id, "COMPLETED")
    assert [b.id for b in tc.instances.backups(src.id)] == [inc.id, full.id]
    assert [b.id for b in tc.backups.list(instance_id=src.id)] == [inc.id, full.id]

    # Backups outlive their instance; restore each link of the chain onto a new instance.
    tc.instances.delete(src.id)
    sim.wait_gone(tc.instances.get, src.id)
    from_full = tc.instances.create("from-full", flavor_id="1", volume={"size": 2}, restorePoint={"backupRef": full.id})
    from_inc = tc.instances.create("from-inc", flavor_id="1", volume={"size": 2}, restorePoint={"backupRef": inc.id})
    assert from_full.status == from_inc.status == "BUILD"
    sim.wait_for(tc.instances.get, from_full.id, "ACTIVE")
    sim.wait_for(tc.instances.get, from_inc.id, "ACTIVE")
    assert names(tc.databases.list(from_full.id)) == ["orders", "scratch"]
    assert names(tc.users.list(from_full.id)) == ["alice"]
    assert names(tc.databases.list(from_inc.id)) == ["orders", "stock"]
    assert names(tc.users.list(from_inc.id)) == ["alice", "bob"]
    assert [a.name for a in tc.users.list_access(from_inc.id, "bob")] == ["stock"]

    # Deleting the full backup deletes its incremental child too.
    tc.backups.delete(full.id)
    for backup_id in (full.id, inc.id):
        with pytest.raises(exceptions.NotFound):
            tc.backups.get(backup_id)
    assert tc.backups.list() == []


def test_create_backup_of_unknown_instance_is_not_found(account):
    missing = "00000000-0000-4000-8000-00000000000b"
    with pytest.raises(exceptions.NotFound) as err:
        token_client(account).backups.create("orphan", missing)
    assert err.value.http_status == 404


def test_restore_from_unknown_backup_is_not_found(account):
    missing = "00000000-0000-4000-8000-00000000000c"
    with pytest.raises(exceptions.NotFound) as err:
        token_client(account).instances.create(
            "nope", flavor_id="1", volume={"size": 2}, restorePoint={"backupRef": missing}
        )
    assert err.value.http_status == 404


def test_list_flavors_over_rate_limit_exposes_retry_after(sim):
    account = sim.new_account(rate_limits=True)
    tc = token_client(account)
    served = 0
    with pytest.raises(exceptions.RequestEntityTooLarge) as err:
        for _ in range(150):
            tc.flavors.list()
            served += 1
    assert served == 100  # the documented GET /flavors limit: 100 a minute
    assert err.value.http_status == 413
    assert err.value.message == "This request was rate-limited."
    assert 0 < err.value.retry_after <= 60
    sim.advance(err.value.retry_after)
    assert len(tc.flavors.list()) == 8
