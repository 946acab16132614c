"""Copying a backup to another region (POST /backups/{id}/action with copy-backup, and the copy_to of a backup or a
schedule once the backup is COMPLETED): which backups may be copied where, and the copy the target region then holds
(NEW, BUILDING, COMPLETED on the simulator's clock)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
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
        target = spec["target_backup_region"].upper()
        here = self.check_route(account_id, target, f"backup {backup_id}")
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

    def check_route(self, account_id: str, target: str, what: str) -> str:
        """Neither the account's region here nor the target is LON (400 otherwise); returns here."""
        here = regions.region_name(account_id, self.backend.config.region)
        if here in regions.NO_COPIES or target in regions.NO_COPIES:
            raise BadRequest(f"Backups cannot be copied to or from LON ({what} is in {here}, the target is {target}).")
        return here

    def check_regions(self, account_id: str, copy_to: Sequence[str]) -> None:
        """copy_to of a backup or a schedule: routes check_route allows, to other regions than its own (400)."""
        for target in copy_to:
            here = self.check_route(account_id, target, "the backup")
            if target == here:
                raise BadRequest(f"copy_to names {here}, where the backup is taken: name other regions.")

    def copy_completed(self, backup: dict, at: dt.datetime) -> list[dict]:
        """A backup that asked for copy_to has COMPLETED: a copy starts NEW in each of those regions. A copy that
        copy-backup would refuse (the incremental's parent not in that region, the region's backup quota full)
        is still written, and ends COPY_ERROR on the clock. The copies start when the backup completed (at)."""
        made = []
        for target in json.loads(backup.get("copy_to") or "[]"):
            scope = regions.in_region(backup["account_id"], target, self.backend.config.region)
            parent = self.parent_in(scope, backup["parent_id"]) if backup["parent_id"] else None
            limit = self.backend.instances.quota(scope, "backups", self.backend.config.max_backups)
            refused = (backup["parent_id"] and parent is None) or self.repo.count(scope) >= limit
            copy = self.write_copy(backup, scope, parent, {}, at)
            if refused:
                self.repo.update(copy["id"], {"fault": f"The copy of backup {backup['id']} to {target} failed."})
            made.append(copy)
        return made

    def parent_in(self, scope: str, parent_id: str) -> dict | None:
        """The target region's copy of a parent (or of the backup the parent itself was copied from)."""
        found = self.copy_repo.copy_in(scope, parent_id)
        original = self.copy_repo.original_of(parent_id)
        if found is None and original is not None:
            found = self.copy_repo.copy_in(scope, original)
        return found

    def write_copy(
        self, backup: dict, scope: str, parent: dict | None, spec: dict, at: dt.datetime | None = None
    ) -> dict:
        """The copy in the target region: what the original holds, its own id, NEW until it is transferred."""
        now = at or self.backend.now()
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
