"""README example: use cdbsim as a sandbox for your own code (here python-troveclient, any SDK works)."""
import time


def wait_for(get, resource_id, status, sleep=time.sleep, timeout=600):
    """Your code: poll until the resource reaches status (sleep is injectable, so tests need not wait)."""
    waited = 0
    while (current := get(resource_id).status) != status:
        assert current not in ("ERROR", "FAILED"), f"{resource_id} is {current}"
        assert waited < timeout, f"{resource_id} still {current} after {timeout}s"
        sleep(5)
        waited += 5
    return get(resource_id)


def test_backup_then_restore_keeps_databases_and_logins(cdbsim):
    trove = cdbsim.trove_client()  # python-troveclient on this test's own account (endpoint + token)
    flavor = min(trove.flavors.list(), key=lambda f: f.ram)
    source = trove.instances.create(
        "orders-db", flavor_id=str(flavor.id), volume={"size": 2},
        databases=[{"name": "orders"}],
        users=[{"name": "app", "password": "app-secret", "databases": [{"name": "orders"}]}])
    # Time is the simulator's: "sleeping" moves its clock, and builds and backups finish on it.
    wait_for(trove.instances.get, source.id, "ACTIVE", sleep=cdbsim.clock.advance)

    backup = trove.backups.create("nightly", source.id)
    wait_for(trove.backups.get, backup.id, "COMPLETED", sleep=cdbsim.clock.advance)

    restored = trove.instances.create("orders-restored", flavor_id=str(flavor.id), volume={"size": 2},
                                      restorePoint={"backupRef": backup.id})
    wait_for(trove.instances.get, restored.id, "ACTIVE", sleep=cdbsim.clock.advance)

    assert [db.name for db in trove.databases.list(restored)] == ["orders"]
    assert cdbsim.check_login(restored.id, "app", "app-secret")  # passwords came back with the backup
    assert cdbsim.journal.routes().count("create_instance") == 2
