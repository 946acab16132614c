"""Backups: taking full and incremental backups of an instance, their lifecycle, pages and cascade delete."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from simulator.backend.chains import EMPTY, composed, diff
from simulator.backend.schemas import validate
from simulator.clock import api_time
from simulator.errors import BadRequest, NotImplementedFault, OverLimit, UnprocessableEntity, not_found
from simulator.reference import catalog, regions
from simulator.reference.lifecycle import RUNNING_BACKUP_STATUSES
from simulator.repos.backups import BackupsRepo

if TYPE_CHECKING:
    from simulator.backend import Backend

PAGE_SIZE = 20
MAX_OFFSET = 2**62  # beyond what SQLite's OFFSET takes
#: Share of the fixed backup time spent in NEW before the guest reports BUILDING.
NEW_SHARE = 0.25


class Backups:
    """The rules for backups."""

    due_query: str | None = BackupsRepo.NEXT_DUE

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.repo = backend.store.backups

    # reading ---------------------------------------------------------------------------------
    def get(self, account_id: str, backup_id: str) -> dict:
        """A backup of the account; 404 otherwise."""
        row = self.repo.get(account_id, backup_id)
        if row is None:
            raise not_found(backup_id)
        return row

    def page(
        self,
        account_id: str,
        limit: int | None,
        marker: str | None,
        datastore: str | None = None,
        instance_id: str | None = None,
        ha_id: str | None = None,
    ) -> tuple[list[dict], int | None]:
        """One page, newest first; Trove's marker is an integer offset and a full page gets a next marker."""
        offset = 0
        if marker not in (None, ""):
            try:
                offset = int(marker)
            except ValueError:
                offset = -1
            if not 0 <= offset <= MAX_OFFSET:
                raise BadRequest(f"Invalid marker '{marker}': backups are paged with a non-negative integer offset.")
        limit = limit if limit and limit > 0 else PAGE_SIZE
        datastore_type = catalog.get_datastore(datastore).name if datastore else None
        rows = self.repo.page(account_id, offset, limit, datastore_type, instance_id, ha_id)
        return rows, (offset + limit if len(rows) == limit else None)

    def page_for_instance(
        self, account_id: str, instance_id: str, limit: int | None, marker: str | None
    ) -> tuple[list[dict], int | None]:
        """GET /instances/{id}/backups: the instance must exist (404), then its backups as page() gives them."""
        self.backend.instances.must_get_row(account_id, instance_id)
        return self.page(account_id, limit, marker, instance_id=instance_id)

    def page_for_ha(
        self, account_id: str, ha_id: str, limit: int | None, marker: str | None
    ) -> tuple[list[dict], int | None]:
        """GET /ha/{id}/backups: the group must exist (404), then its backups as page() gives them."""
        self.backend.ha.must_get(account_id, ha_id)
        return self.page(account_id, limit, marker, ha_id=ha_id)

    def running_for(self, instance_ids: set[str]) -> set[str]:
        """Which of these instances have a backup in NEW or BUILDING (they show BACKUP)."""
        return self.repo.running_for(instance_ids) if instance_ids else set()

    # create ----------------------------------------------------------------------------------
    def create(self, account_id: str, body: Any) -> dict:
        """POST /backups (202): Trove's checks in Trove's order, then a NEW backup."""
        validate("backup_create", body)
        spec = body["backup"]
        if "restore_from" in spec:
            raise NotImplementedFault("Creating a backup record from a remote location is not simulated.")
        instance_id = spec.get("instance")
        source = spec.get("source")
        ha_id = source["id"] if source and source["type"] == "ha" else None
        if not instance_id and source:
            instance_id = source["id"]
        if not instance_id:
            raise BadRequest("instance is missing.")
        instances = self.backend.instances
        if ha_id:  # taken from the replica closest to the source
            row = self.backend.ha.backup_node(account_id, ha_id)
        else:
            row = instances.must_get_row(account_id, instance_id)
            if row["ha_id"]:
                self.backend.ha.refuse_node_operation(row)
        instances.check_can_act(row)
        parent = None
        if spec.get("parent_id"):
            parent = self.get(account_id, spec["parent_id"])
        elif spec.get("incremental") == 1:
            parent = self.repo.newest_completed(instance_id)
        self.check_quota(account_id)
        copy_to = spec.get("copy_to") or []
        self.backend.copies.check_regions(account_id, copy_to)
        return self.start(
            account_id,
            row,
            name=spec["name"],
            description=spec.get("description"),
            parent=parent,
            ha_id=ha_id,
            copy_to=copy_to,
        )

    def check_quota(self, account_id: str) -> None:
        limit = self.backend.instances.quota(account_id, "backups", self.backend.config.max_backups)
        if self.repo.count(account_id) >= limit:
            raise OverLimit("Quota exceeded for resources: ['backups'].")

    def start(
        self,
        account_id: str,
        instance: dict,
        *,
        name: str,
        description: str | None,
        parent: dict | None,
        schedule_id: str | None = None,
        at: dt.datetime | None = None,
        backup_id: str | None = None,
        ha_id: str | None = None,
        copy_to: list[str] | None = None,
    ) -> dict:
        """Write a NEW backup of what the instance holds now (the instance then refuses changes until it ends);
        once COMPLETED it is copied to the copy_to regions."""
        at = at or self.backend.now()
        held = self.backend.store.instances.contents(instance["id"])
        base = (composed(self.repo, parent) or EMPTY) if parent else EMPTY
        size = self.backend.instances.used_gb(instance)
        durations = self.backend.config.durations
        start = at.timestamp()
        backup_id = backup_id or self.backend.ids.uuid(taken=lambda i: self.repo.exists("backups", i))
        row = {
            "id": backup_id,
            "account_id": account_id,
            "seq": self.repo.next_seq(),
            "name": name,
            "description": description,
            "instance_id": instance["id"],
            "parent_id": parent["id"] if parent else None,
            "backup_type": "incremental" if parent else "full",
            "is_automated": int(schedule_id is not None),
            "schedule_id": schedule_id,
            "status": "NEW",
            "created": api_time(at),
            "updated": api_time(at),
            "created_at": start,
            "building_at": start + durations.backup * NEW_SHARE,
            "completed_at": start + durations.backup + size * durations.backup_per_gb,
            "size": size,
            "location": None,
            "datastore_type": instance["datastore_type"],
            "datastore_version": instance["datastore_version"],
            "datastore_version_id": instance["datastore_version_id"],
            "flavor_ram": catalog.get_flavor(instance["flavor_id"]).ram,
            "volume_size": instance["volume_size"],
            "contents": json.dumps(diff(base, held)),
            "fault": None,
            "ha_id": ha_id,
            "copy_to": json.dumps(copy_to) if copy_to else None,
        }
        self.repo.insert(row)
        return row

    def seed_demo(self, account_id: str, backup_id: str) -> dict:
        """The sandbox's demo: an ACTIVE MySQL 5.6 source with data and a COMPLETED full backup of it."""
        instances = self.backend.instances
        source = instances.create(
            account_id,
            {
                "instance": {
                    "name": "demo-source",
                    "flavorRef": 1,
                    "volume": {"size": 2},
                    "datastore": {"type": "mysql", "version": "5.6"},
                    "databases": [{"name": "sampledb"}],
                    "users": [{"name": "demouser", "password": "demopassword", "databases": [{"name": "sampledb"}]}],
                }
            },
        )
        instances.repo.update(source["id"], {"status": "ACTIVE", "task": None, "task_until": None})
        row = self.start(
            account_id,
            instances.must_get_row(account_id, source["id"]),
            name="snapshot",
            description="My Backup",
            parent=None,
            backup_id=backup_id,
        )
        self._finish(row, self.backend.now())
        return self.get(account_id, backup_id)

    # delete ----------------------------------------------------------------------------------
    def delete(self, account_id: str, backup_id: str) -> None:
        """DELETE (202): the backup and every incremental built on it; 422 and nothing gone if one runs."""
        subtree = self.subtree(self.get(account_id, backup_id))
        for row in subtree:
            if row["status"] in RUNNING_BACKUP_STATUSES:
                raise UnprocessableEntity(f"Backup {row['id']} cannot be deleted because it is running.")
        self.repo.delete([row["id"] for row in subtree])

    def subtree(self, row: dict) -> list[dict]:
        """row and its descendants, children before their parent (Trove's deletion order)."""
        out, seen = [], set()

        def walk(node: dict) -> None:
            seen.add(node["id"])
            for child in self.repo.children(node["id"]):
                if child["id"] not in seen:
                    walk(child)
            out.append(node)

        walk(row)
        return out

    def action(self, account_id: str, backup_id: str, body: Any) -> dict:
        """POST /backups/{id}/action: copy-backup (backend/copies.py)."""
        return self.backend.copies.action(account_id, backup_id, body)

    def fail_running(self, instance: dict) -> None:
        """An instance is being deleted (Instances.shut_down): its incomplete backups end FAILED (the backups
        themselves are kept)."""
        self.repo.fail_running_of_instance(instance["id"], api_time(self.backend.now()))

    def mark_fault(self, backup_id: str) -> None:
        """Model fault: this backup ends FAILED instead of COMPLETED."""
        if self.repo.get_any(backup_id) is None:
            raise not_found(backup_id)
        self.repo.update(backup_id, {"fault": "The backup failed (injected fault)."})

    # lifecycle -------------------------------------------------------------------------------
    def next_due(self) -> float | None:
        return self.repo.next_due()

    def settle_one(self, now: float) -> None:
        """Take the earliest due backup one step: NEW -> BUILDING, or BUILDING -> COMPLETED / FAILED."""
        row = self.repo.first_due(now)
        if row is None:
            return
        if row["status"] == "NEW":
            when = dt.datetime.fromtimestamp(row["building_at"], dt.timezone.utc)
            self.repo.update(row["id"], {"status": "BUILDING", "updated": api_time(when)})
            return
        when = dt.datetime.fromtimestamp(row["completed_at"], dt.timezone.utc)
        if row["fault"]:
            failed = "COPY_ERROR" if row.get("copy_of") else "FAILED"
            self.repo.update(row["id"], {"status": failed, "updated": api_time(when)})
            return
        self._finish(row, when)
        if row.get("copy_to"):
            self.backend.copies.copy_completed(self.get(row["account_id"], row["id"]), when)
        if row["is_automated"] and row["backup_type"] == "full":
            self.prune_automated(row)

    def _finish(self, row: dict, when: dt.datetime) -> None:
        location = catalog.BACKUP_LOCATION.format(
            region=self.backend.region_of(row["account_id"]).lower(),
            account_id=regions.account_of(row["account_id"]),
            backup_id=row["id"],
        )
        self.repo.update(row["id"], {"status": "COMPLETED", "location": location, "updated": api_time(when)})

    def prune_automated(self, row: dict) -> None:
        """Keep the schedule's full_backup_retention newest automated full chains of the backup's instance, or of
        its HA group for a group's backup."""
        source_id = row["ha_id"] or row["instance_id"]
        keep = self.backend.schedules.retention_for(source_id)
        if keep is None:
            return
        for old in self.repo.automated_fulls(source_id, ha=bool(row["ha_id"]))[keep:]:
            subtree = self.subtree(old)
            if not any(link["status"] in RUNNING_BACKUP_STATUSES for link in subtree):
                self.repo.delete([link["id"] for link in subtree])
