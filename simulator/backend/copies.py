"""Copying a backup to another region (POST /backups/{id}/action with copy-backup): which backups may be copied
where, and the copy the target region then holds (NEW, BUILDING, COMPLETED on the simulator's clock)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.backend.schemas import validate
from simulator.clock import api_time
from simulator.errors import BadRequest, OverLimit
from simulator.reference import regions

if TYPE_CHECKING:
    from simulator.backend import Backend


class BackupCopies:
    """The rules of copy-backup."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.repo = backend.store.backups
        self.copy_repo = backend.store.copies

    def action(self, account_id: str, backup_id: str, body: Any) -> dict:
        """copy-backup (202): only a COMPLETED backup, between two regions other than LON, and an incremental only
        once its parent is in the target region (400 otherwise); the copy starts NEW in the target region."""
        validate("backup_action", body)
        backup = self.backend.backups.get(account_id, backup_id)
        spec = body["copy-backup"]
        default = self.backend.config.region
        here = regions.region_name(account_id, default)
        target = spec["target_backup_region"].upper()
        if here in regions.NO_COPIES or target in regions.NO_COPIES:
            raise BadRequest(
                f"Backups cannot be copied to or from LON (backup {backup_id} is in {here}, the target is {target})."
            )
        if target == here:
            raise BadRequest(f"Backup {backup_id} is already in {here}: name another target_backup_region.")
        if backup["status"] != "COMPLETED":
            raise BadRequest(
                f"Backup {backup_id} cannot be copied because it is not completed (status {backup['status']})."
            )
        scope = regions.in_region(account_id, target, default)
        parent = None
        if backup["parent_id"]:
            parent = self.parent_in(scope, backup["parent_id"])
            if parent is None:
                raise BadRequest(
                    f"Backup {backup_id} is incremental and its parent {backup['parent_id']} is not in "
                    f"{target}: copy the parent to {target} first."
                )
        limit = self.backend.instances.quota(scope, "backups", self.backend.config.max_backups)
        if self.repo.count(scope) >= limit:
            raise OverLimit("Quota exceeded for resources: ['backups'].")
        return self.write_copy(backup, scope, parent, spec)

    def parent_in(self, scope: str, parent_id: str) -> dict | None:
        """The target region's copy of a parent (or of the backup the parent itself was copied from)."""
        found = self.copy_repo.copy_in(scope, parent_id)
        original = self.copy_repo.original_of(parent_id)
        if found is None and original is not None:
            found = self.copy_repo.copy_in(scope, original)
        return found

    def write_copy(self, backup: dict, scope: str, parent: dict | None, spec: dict) -> dict:
        """The copy in the target region: what the original holds, its own id, NEW until it is transferred."""
        now = self.backend.now()
        start = now.timestamp()
        durations = self.backend.config.durations
        row = {
            key: backup[key]
            for key in (
                "instance_id",
                "backup_type",
                "datastore_type",
                "datastore_version",
                "datastore_version_id",
                "flavor_ram",
                "volume_size",
                "size",
                "contents",
            )
        }
        row.update(
            {
                "id": self.backend.ids.uuid(taken=lambda i: self.repo.exists("backups", i)),
                "account_id": scope,
                "seq": self.repo.next_seq(),
                "name": spec.get("name") or backup["name"],
                "description": spec.get("description", backup["description"]),
                "parent_id": parent["id"] if parent else None,
                "is_automated": 0,
                "schedule_id": None,
                "status": "NEW",
                "created": api_time(now),
                "updated": api_time(now),
                "created_at": start,
                "building_at": start + durations.backup * 0.25,
                "completed_at": start + durations.backup + (backup["size"] or 0) * durations.backup_per_gb,
                "location": None,
                "fault": None,
                "copy_of": backup["id"],
            }
        )
        self.repo.insert(row)
        return row
