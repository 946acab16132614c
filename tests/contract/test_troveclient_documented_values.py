"""python-troveclient, unmodified, reads the values the API reference's examples show (tests/conformance): a
backup's `type` InnoBackupEx / InnoBackupExIncremental and numeric `is_automated`, an instance's `schedule`,
`available_upgrades` and flavor name and RAM, and the `ip` of a replication set's members."""

from __future__ import annotations

from keystoneauth1 import session, token_endpoint
from troveclient.v1 import client


def token_client(account) -> client.Client:
    return client.Client(session=session.Session(auth=token_endpoint.Token(account.endpoint, account.token)))


def test_troveclient_reads_the_documented_backup_and_instance_values(sim, account):
    tc = token_client(account)
    source = tc.instances.create("src", flavor_id="2", volume={"size": 1}, datastore="mysql", datastore_version="5.6")
    shown, _ = sim.wait_for(tc.instances.get, source.id, "ACTIVE")
    assert (shown.flavor["name"], shown.flavor["ram"], shown.schedule) == ("1GB Instance", 1024, {"enabled": False})
    assert shown.available_upgrades == {
        "current_version": "5.6",
        "upgrades": [
            {"datastore_type": "mysql", "datastore_version": "5.7", "version": "5.7"},
            {"datastore_type": "mariadb", "datastore_version": "10.4enc", "version": "10.4enc"},
        ],
    }

    full = tc.backups.create("nightly", source.id)
    assert (full.type, full.is_automated) == ("InnoBackupEx", False)  # the create answer's boolean
    done, _ = sim.wait_for(tc.backups.get, full.id, "COMPLETED")
    assert (done.type, done.is_automated) == ("InnoBackupEx", 0)
    inc = tc.backups.create("hourly", source.id, incremental=True)
    sim.wait_for(tc.backups.get, inc.id, "COMPLETED")
    assert [(b.type, b.is_automated) for b in tc.backups.list()] == [
        ("InnoBackupExIncremental", 0),
        ("InnoBackupEx", 0),
    ]

    replica = tc.instances.create("rep", replica_of=source.id)
    sim.wait_for(tc.instances.get, replica.id, "ACTIVE")
    sim.wait_for(tc.instances.get, source.id, "ACTIVE")
    ips = {i.id: i.ip for i in tc.instances.list()}
    assert len(ips[source.id]) == 1 and ips[source.id][0].startswith("10.")
    assert tc.instances.get(replica.id).ip == [ips[replica.id][0]]
