"""README example: use cdbsim as a sandbox for your own code (here python-troveclient, any SDK works)."""


def test_backup_then_restore_keeps_databases_and_logins(cdbsim):
    trove = cdbsim.trove_client()  # python-troveclient on this test's own account (endpoint + token)
    flavor = min(trove.flavors.list(), key=lambda f: f.ram)
    source = trove.instances.create(
        "orders-db",
        flavor_id=str(flavor.id),
        volume={"size": 2},
        databases=[{"name": "orders"}],
        users=[{"name": "app", "password": "app-secret", "databases": [{"name": "orders"}]}],
    )
    # Time is the simulator's: wait_for moves its clock between polls, and builds and backups finish on it.
    cdbsim.wait_for(trove.instances.get, source.id, "ACTIVE")

    backup = trove.backups.create("nightly", source.id)
    cdbsim.wait_for(trove.backups.get, backup.id, "COMPLETED")

    restored = trove.instances.create(
        "orders-restored", flavor_id=str(flavor.id), volume={"size": 2}, restorePoint={"backupRef": backup.id}
    )
    cdbsim.wait_for(trove.instances.get, restored.id, "ACTIVE")

    assert [db.name for db in trove.databases.list(restored)] == ["orders"]
    assert cdbsim.check_login(restored.id, "app", "app-secret")  # passwords came back with the backup
    assert cdbsim.journal.routes().count("create_instance") == 2

    trove.instances.delete(restored)
    cdbsim.wait_gone(trove.instances.get, restored.id)  # SHUTDOWN, then NotFound
