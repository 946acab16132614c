"""Instance maintenance besides restart and resize: datastore upgrades (Trove's in-place PATCH and the Cloud
Databases `upgrade` action, which builds an upgraded replica), `save_logs`, and `convert_to_ha` (the HA rules)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.clock import api_time
from simulator.errors import BadRequest, ItemNotFound
from simulator.reference import catalog
from simulator.reference.lifecycle import UPGRADE, VERIFY_UPGRADE

if TYPE_CHECKING:
    from simulator.backend import Backend

#: The upgrades the `upgrade` action allows (cloud-databases-api §7.3), as (datastore, version) pairs, for the
#: versions the catalog lists (MySQL 5.1 and MariaDB 10 / 10.1 are not in it).
ALLOWED_UPGRADES = {
    ("mysql", "5.6"): (("mysql", "5.7"), ("mariadb", "10.4enc")),
    ("mariadb", "10.4"): (("mariadb", "10.4enc"),),
}
DOCUMENTED_UPGRADES = (
    "MySQL 5.1 to 5.7, MySQL 5.6 to 5.7 or MariaDB 10.4enc, MariaDB 10 and 10.1 to 10.4, MariaDB 10.4 to 10.4enc"
)


def available_upgrades(model: dict) -> dict:
    """An instance view's `available_upgrades`: the version its guest reports and the upgrade action's documented
    paths from its datastore version; while it builds the guest has said nothing (UNKNOWN, none: the reference's
    example). Each path names what the upgrade action takes (datastore_type, datastore_version) and `version`, the
    one key Rackspace's cdbclient reads of it (cdb-cli's "Available upgrades" table)."""
    if model["status"] == "BUILD":
        return {"current_version": "UNKNOWN", "upgrades": []}
    current = (model["datastore_type"], model["datastore_version"])
    return {
        "current_version": model["datastore_version"],
        "upgrades": [
            {"datastore_type": ds, "datastore_version": version, "version": version}
            for ds, version in ALLOWED_UPGRADES.get(current, ())
        ],
    }


def upgrade_target(current: tuple[str, str], spec: dict) -> catalog.DatastoreVersion:
    """The version a Cloud Databases `upgrade` names, when it is one of the documented paths from current
    (datastore, version); 400 otherwise (an instance's action and an HA group's share this rule)."""
    datastore = catalog.get_datastore(spec.get("datastore_type") or current[0])
    try:
        target = catalog.get_version(datastore, spec["datastore_version"])
    except ItemNotFound:
        raise BadRequest(f"Datastore version '{spec['datastore_version']}' cannot be found.") from None
    if (datastore.name, target.name) not in ALLOWED_UPGRADES.get(current, ()):
        raise BadRequest(
            f"Upgrading {current[0]} {current[1]} to {datastore.name} {target.name} is not "
            f"supported; the upgrades offered are {DOCUMENTED_UPGRADES}."
        )
    return target


class Maintenance:
    """The rules for upgrades and the other maintenance actions."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def upgrade_in_place(self, instance: dict, version_ref: Any) -> None:
        """PATCH/PUT {"instance": {"datastore_version": v}} (troveclient's `upgrade`): behind the action gate, a
        newer version of the instance's own datastore; the version changes at once and the instance shows UPGRADE
        until the upgrade is done (as Trove records it)."""
        self.backend.instances.check_can_act(instance)
        datastore = catalog.get_datastore(instance["datastore_type"])
        try:
            target = catalog.get_version(datastore, version_ref)
        except ItemNotFound:
            raise BadRequest(f"Datastore version '{version_ref}' cannot be found.") from None
        current = catalog.find_version(instance["datastore_version_id"])
        if datastore.versions.index(target) <= datastore.versions.index(current):
            raise BadRequest(
                f"Datastore version '{target.name}' is not newer than the instance's current version "
                f"'{current.name}': an instance can only be upgraded, never downgraded."
            )
        self.backend.configurations.check_upgrade(instance, target)
        now = self.backend.now()
        # As long as a resize: both replace what the server runs and restart the database.
        self.backend.store.instances.update(
            instance["id"],
            {
                "task": UPGRADE,
                "task_until": now.timestamp() + self.backend.config.durations.resize,
                "task_data": None,
                "datastore_version": target.name,
                "datastore_version_id": target.id,
                "updated": api_time(now),
            },
        )

    def save_logs(self, instance: dict, body: Any) -> None:
        """POST /action {"save_logs": {...}}: behind the action gate (an HA node too, with allow_ha)."""
        self.backend.instances.check_can_act(instance)
        # The logs go to the account's Cloud Files container z_MYSQL_LOGS, which is not part of this API.

    def convert_to_ha(self, instance: dict, body: Any) -> tuple[str, dict]:
        """POST /action {"convert_to_ha": {...}}: answers the new HA group (backend/ha_actions.py)."""
        return "ha_instance", self.backend.ha_actions.convert(instance, body)

    def upgrade_action(self, instance: dict, body: Any) -> tuple[str, dict]:
        """{"upgrade": {"datastore_type", "datastore_version"}}: a documented upgrade path, for an instance that is
        neither a source nor a replica (v3.10.0); it builds an upgraded replica (BUILD), and the instance and the
        replica show VERIFY_UPGRADE until the replica is detached, which leaves it standalone on the new version;
        answers the replica."""
        spec = body["upgrade"]
        self.backend.instances.check_can_act(instance)
        target = upgrade_target((instance["datastore_type"], instance["datastore_version"]), spec)
        replication = self.backend.replication
        if instance["replica_of"] or replication.repo.live_replicas(instance["id"]):
            raise BadRequest(
                f"Instance {instance['id']} is part of a replication set: the upgrade action builds "
                f"an upgraded replica, so a source or a replica cannot be upgraded this way."
            )
        flavor = catalog.get_flavor(instance["flavor_id"])
        self.backend.instances.check_quota(instance["account_id"])
        row = replication.add_replica(
            instance, f"{instance['name']}-upgrade", flavor, instance["volume_size"], None, target
        )
        self.backend.store.instances.update(row["id"], {"task_data": replication.upgrade_data()})
        self.backend.instances.start_task(instance, VERIFY_UPGRADE, None, None)
        model = self.backend.instances.view_model(row)
        model["used"] = self.backend.instances.used_gb(row, 0)
        return "instance", model
