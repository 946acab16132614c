"""Replication (Cloud Databases' replicas, Trove's rules): create a replica of a source, what a replica holds and how
it follows its source, detach, promote and eject, and what a replication set refuses (a source's delete, a replica's
database and user writes)."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from simulator.backend.schemas import validate
from simulator.clock import api_time
from simulator.errors import BadRequest, Forbidden, ItemNotFound, Unauthorized, UnprocessableEntity, not_found
from simulator.reference import catalog
from simulator.reference.lifecycle import DETACH, EJECT, PROMOTE, RESTART, VERIFY_UPGRADE

if TYPE_CHECKING:
    from simulator.backend import Backend

#: Cloud Databases allows this many replicas per source.
MAX_REPLICAS = 2
#: Replicas (and HA nodes) need a flavor with at least this much RAM (MB): 1 GB and above.
MIN_RAM = 1024


def check_flavor(flavor: catalog.Flavor) -> None:
    """Replicas and HA nodes need 1 GB of RAM or more (Cloud Databases, since v2.17.0)."""
    if flavor.ram < MIN_RAM:
        raise BadRequest(
            f"Replication needs a flavor of 1 GB or more; flavor {flavor.id} ({flavor.name}) has "
            f"{flavor.ram} MB of RAM."
        )


class Replication:
    """The rules for replicas and replication sets (a source and the replicas whose replica_of names it)."""

    due_query: str | None = None  # next_due is the simulator's own: the sources written since the last settle

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.repo = backend.store.replication
        self.instance_repo = backend.store.instances
        #: Sources written since their replicas last caught up (None: every source, as after a start).
        self._behind: set[str] | None = None

    # create ------------------------------------------------------------------------------------
    def create(self, account_id: str, body: Any) -> dict:
        """POST /instances with replica_of (or Trove's slave_of): Trove's checks, Cloud Databases' limits, then the
        replica in BUILD while its source restarts; returns the (first) replica's row, which Instances.create
        answers."""
        validate("replica_create", body)
        spec = body["instance"]
        source_id = spec.get("replica_of") or spec.get("slave_of")
        if spec.get("databases") or spec.get("users"):
            raise BadRequest("Cannot create a replica with users or databases.")
        if spec.get("restorePoint"):
            raise BadRequest("Cannot create a replica from a backup: a replica starts from its source's data.")
        source = self.instance_repo.get(account_id, source_id)
        if source is None:
            raise not_found(source_id)
        if source["replica_of"]:
            raise Unauthorized(f"Cannot create a replica of a replica {source_id}.")
        if source["ha_id"]:
            raise BadRequest(
                f"Instance {source_id} is a node of HA instance group {source['ha_id']}: add a replica "
                f"to the group instead (POST /ha/{source['ha_id']}/action with add_replica)."
            )
        version = catalog.find_version(source["datastore_version_id"])
        self.check_datastore(spec.get("datastore") or {}, version)
        self.backend.instances.check_can_act(source)
        count = int(spec.get("replica_count") or 1)
        self.check_room(source, count)
        flavor = catalog.get_flavor(source["flavor_id"])
        if spec.get("flavorRef") is not None:
            try:
                flavor = catalog.get_flavor(spec["flavorRef"])
            except ItemNotFound as exc:
                raise BadRequest(exc.message) from None
        check_flavor(flavor)
        size = int((spec.get("volume") or {}).get("size") or source["volume_size"])
        self.backend.instances.check_volume_limit(size)
        group = (
            self.backend.configurations.check_for_instance(account_id, spec["configuration"], version.id)
            if spec.get("configuration")
            else None
        )
        self.backend.instances.check_quota(account_id, count)
        names = [spec["name"]] if count == 1 else [f"{spec['name']}-{n}" for n in range(1, count + 1)]
        rows = [self.add_replica(source, name, flavor, size, group["id"] if group else None) for name in names]
        self.restart_source(source)
        return rows[0]

    @staticmethod
    def check_datastore(requested: dict, version: catalog.DatastoreVersion) -> None:
        """A replica runs its source's datastore and version: naming another is a 400."""
        if requested.get("type") and requested["type"].lower() not in (version.datastore_name, version.datastore_id):
            raise BadRequest(
                f"A replica runs its source's datastore ({version.datastore_name} {version.name}); "
                f"'{requested['type']}' was requested."
            )
        if requested.get("version") and requested["version"].lower() not in (version.name, version.id):
            raise BadRequest(
                f"A replica runs its source's datastore version ({version.datastore_name} "
                f"{version.name}); '{requested['version']}' was requested."
            )

    def check_room(self, source: dict, adding: int) -> None:
        """At most MAX_REPLICAS replicas per source (Cloud Databases)."""
        have = len(self.repo.live_replicas(source["id"]))
        if have + adding > MAX_REPLICAS:
            raise BadRequest(
                f"Instance {source['id']} has {have} replica(s); a source can have at most {MAX_REPLICAS}."
            )

    def add_replica(
        self,
        source: dict,
        name: str,
        flavor: catalog.Flavor,
        size: int,
        group_id: str | None,
        version: catalog.DatastoreVersion | None = None,
        ha_id: str | None = None,
        at: dt.datetime | None = None,
    ) -> dict:
        """Write a replica of source in BUILD (what it holds arrives when its build ends)."""
        version = version or catalog.find_version(source["datastore_version_id"])
        row = self.backend.instances.new_row(
            source["account_id"], name, flavor, size, version, group_id, self.backend.config.durations.build, at=at
        )
        row.update(replica_of=source["id"], ha_id=ha_id)
        self.instance_repo.insert(row)
        return row

    def restart_source(self, source: dict) -> None:
        """The source's database restarts while a replica is added (RESTART, then ACTIVE); a restart also ends a
        pending RESTART_REQUIRED."""
        self.backend.instances.start_task(source, RESTART, self.backend.config.durations.reboot, None)

    # what a replica holds ------------------------------------------------------------------------
    def check_data_write(self, row: dict, creating: bool) -> None:
        """Databases and users are written on a source and replicate: a replica refuses them (Cloud Databases
        v2.18.0), an HA node all but creating on the group's source."""
        if row["ha_id"]:
            self.backend.ha.check_node_write(row, creating)
        if row["replica_of"]:
            raise BadRequest(
                f"Instance {row['id']} is a replica of {row['replica_of']}: databases and users are "
                f"managed on the source and replicate to its replicas."
            )
        if self._behind is not None:
            self._behind.add(row["id"])

    def follow(self, source_id: str) -> None:
        """A source's replicas catch up: each running replica holds what the source holds (a broken or building
        one does not)."""
        replicas = [r for r in self.repo.replicas(source_id) if r["status"] == "ACTIVE" and r["task"] != "BUILD"]
        if replicas:
            contents = self.instance_repo.contents(source_id)
            for replica in replicas:
                self.instance_repo.replace_contents(replica["id"], contents)

    def next_due(self) -> float | None:
        """Replication is asynchronous: a source written in one call has its replicas caught up before the next."""
        return 0.0 if self._behind is None or self._behind else None

    def settle_one(self, now: float) -> None:
        behind = self._behind
        self._behind = set()
        sources = behind if behind is not None else self.repo.sources()
        for source_id in sorted(sources):
            self.follow(source_id)

    # detach, promote, eject ----------------------------------------------------------------------
    def detach(self, row: dict, value: Any) -> None:
        """PATCH/PUT with replica_of (or slave_of) "" or null: Trove's gate, then DETACH_REPLICA until the replica
        stands alone (ACTIVE). An upgraded replica that waits in VERIFY_UPGRADE detaches too."""
        if value not in ("", None):
            raise BadRequest(
                f'An instance cannot be made a replica after it is created: send replica_of "" or '
                f"null to detach instance {row['id']} from its source."
            )
        if row["ha_id"]:
            self.backend.ha.refuse_node_operation(row)
        if row["task"] != VERIFY_UPGRADE:
            self.backend.instances.check_can_act(row)
        if not row["replica_of"]:
            raise BadRequest(f"Instance {row['id']} is not a replica.")
        self.backend.instances.start_task(row, DETACH, self.backend.config.durations.reboot, None)

    def promote(self, row: dict, body: Any) -> None:
        """promote_to_replica_source: the replica becomes its set's source, the old source one of its replicas."""
        if row["ha_id"]:
            self.backend.ha.refuse_node_operation(row)
        self.backend.instances.check_can_act(row)
        if not row["replica_of"]:
            raise BadRequest(f"Instance {row['id']} is not a replica.")
        source = self.instance_repo.get(row["account_id"], row["replica_of"])
        assert source is not None  # a source with replicas cannot be deleted
        members = [source, *self.repo.replicas(source["id"])]
        self._start_set_task(members, PROMOTE, {"new_source": row["id"]})

    def eject(self, row: dict, body: Any) -> None:
        """eject_replica_source: a source that lost its heartbeat leaves its set and a replica takes over. A source
        whose database still answers keeps its place (400, Trove's text)."""
        if row["ha_id"]:
            self.backend.ha.refuse_node_operation(row)
        if row["task"] and row["task"] != "RESTART_REQUIRED":
            self.backend.instances.check_can_act(row)
        replicas = [r for r in self.repo.replicas(row["id"]) if r["task"] != "SHUTDOWN"]
        if not replicas:
            raise BadRequest(f"Instance {row['id']} is not a replica source.")
        if row["status"] != "SHUTDOWN":  # its database answers: it has a current heartbeat
            self.backend.instances.check_can_act(row)
            raise BadRequest(f"Replica Source {row['id']} cannot be ejected as it has a current heartbeat")
        candidates = [r for r in replicas if r["status"] == "ACTIVE"] or replicas
        self._start_set_task([row, *replicas], EJECT, {"new_source": candidates[0]["id"], "ejected": row["id"]})

    def _start_set_task(self, members: list[dict], task: str, data: dict) -> None:
        for member in members:
            self.backend.instances.start_task(member, task, self.backend.config.durations.reboot, data)

    def task_ended(self, row: dict, data: dict, changes: dict) -> None:
        """An instance task ends (Instances.settle_one, before it writes changes; not for a finished delete): a
        replica's build copies its source; detach, promote and eject repoint the set (they may add to changes)."""
        task = row["task"]
        if task == "BUILD" and row["replica_of"] and changes.get("status") == "ACTIVE":
            self.instance_repo.replace_contents(row["id"], self.instance_repo.contents(row["replica_of"]))
            if data.get("upgrade"):  # the upgraded replica waits with its source until it is detached
                changes.update(task=VERIFY_UPGRADE, task_until=None)
        elif task == DETACH:
            self._detached(row, data, changes)
        elif task in (PROMOTE, EJECT) and data.get("new_source") == row["id"]:
            self._take_over(row, data, changes)
        if task in (PROMOTE, EJECT, DETACH) and data.get("fault"):
            changes.update(status="ERROR", fault=data["fault"])

    def _detached(self, row: dict, data: dict, changes: dict) -> None:
        """The replica stands alone; a source that waited for its upgraded replica runs again."""
        changes["replica_of"] = None
        if data.get("leave_group"):
            changes["ha_id"] = None
        source = self.instance_repo.get(row["account_id"], row["replica_of"]) if row["replica_of"] else None
        if source is not None and source["task"] == VERIFY_UPGRADE:
            self.instance_repo.update(source["id"], {"task": None, "task_until": None, "updated": changes["updated"]})

    def _take_over(self, row: dict, data: dict, changes: dict) -> None:
        """The new source of a promoted or ejected set: the others replicate from it; an ejected source stands
        alone (and stays down)."""
        old_source = row["replica_of"]
        others = [r["id"] for r in self.repo.replicas(old_source) if r["id"] != row["id"]]
        self.repo.point(others, row["id"])
        if data.get("ejected"):
            self.repo.point([old_source], None)
        else:
            self.repo.point([old_source], row["id"])
        changes["replica_of"] = None

    # delete --------------------------------------------------------------------------------------
    def check_delete(self, row: dict) -> None:
        """A source that still has replicas is not deleted (Trove's 403)."""
        if row["ha_id"]:
            self.backend.ha.refuse_node_operation(row)
        if self.repo.live_replicas(row["id"]):
            raise Forbidden("Detach replicas before deleting replica source.")

    # faults --------------------------------------------------------------------------------------
    def break_replica(self, row: dict, message: str) -> str:
        """Fault: a replica's replication breaks (ERROR; it stops following its source)."""
        if not row["replica_of"]:
            raise UnprocessableEntity(f"Instance {row['id']} is not a replica: there is no replication to break.")
        self.instance_repo.update(
            row["id"],
            {
                "status": "ERROR",
                "task": None,
                "task_until": None,
                "task_data": None,
                "fault": message,
                "updated": api_time(self.backend.now()),
            },
        )
        return f"replica {row['id']} of {row['replica_of']} is in ERROR (replication broken)"

    def source_down(self, row: dict, message: str) -> str:
        """Fault: a replication source's database stops answering (SHUTDOWN, no heartbeat): its replicas wait for
        an eject."""
        self.instance_repo.update(
            row["id"],
            {
                "status": "SHUTDOWN",
                "task": None,
                "task_until": None,
                "task_data": None,
                "fault": message,
                "updated": api_time(self.backend.now()),
            },
        )
        return f"source {row['id']} is down (SHUTDOWN); eject it to promote a replica"

    @staticmethod
    def upgrade_data() -> str:
        """The task data of an upgraded replica's build (it waits in VERIFY_UPGRADE when built)."""
        return json.dumps({"upgrade": True})
