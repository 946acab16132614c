"""Backups: full and incremental chains of what an instance holds, their lifecycle, restore and cascade delete."""
from __future__ import annotations

import datetime as dt
import json
import re

import jsonschema

from simulator import catalog
from simulator.clock import api_time
from simulator.errors import (BadRequest, Conflict, NotImplementedFault, OverLimit, UnprocessableEntity,
                              not_found)
from simulator.validation import UUID_PATTERN, check, non_empty_string, uuid

RUNNING = ("NEW", "BUILDING")
PAGE_SIZE = 20
MAX_OFFSET = 2**62  # beyond what SQLite's OFFSET takes
#: Share of the fixed backup time spent in NEW before the guest reports BUILDING.
NEW_SHARE = 0.25
REGIONS = ("DFW", "IAD", "ORD", "HKG", "SYD")
EMPTY = {"databases": {}, "users": {}}
_UUID = re.compile(UUID_PATTERN)

CREATE_SCHEMA = {
    "type": "object", "required": ["backup"],
    "properties": {"backup": {
        "type": "object", "required": ["name"],
        "properties": {
            "name": {**non_empty_string, "maxLength": 64},
            "description": {"type": ["string", "null"], "maxLength": 255},
            "instance": {"type": ["string", "null"], "pattern": UUID_PATTERN},
            "parent_id": uuid,
            "incremental": {"type": "integer", "minimum": 0, "maximum": 1},
            "swift_container": {"type": "string"},
            "copy_to": {"type": "array", "items": {"enum": list(REGIONS)}},
            "source": {"type": "object", "required": ["type", "id"],
                       "properties": {"type": {"enum": ["instance", "ha"]}, "id": uuid}},
            "restore_from": {"type": "object"},
        }}},
}


def diff(base: dict, target: dict) -> dict:
    """What turns base into target: per kind, the entries to set and the keys to drop."""
    out = {}
    for kind in ("databases", "users"):
        old, new = base.get(kind, {}), target.get(kind, {})
        out[kind] = {"set": {k: v for k, v in new.items() if old.get(k) != v},
                     "drop": sorted(k for k in old if k not in new)}
    return out


def apply(state: dict, change: dict) -> dict:
    """state with a diff applied (a full backup is a diff against nothing)."""
    out = {}
    for kind in ("databases", "users"):
        entries = dict(state.get(kind, {}))
        for key in change[kind]["drop"]:
            entries.pop(key, None)
        entries.update(change[kind]["set"])
        out[kind] = entries
    return out


class Backups:
    """The rules for backups."""

    def __init__(self, backend) -> None:
        self.backend = backend
        self.repo = backend.store.backups
        self.create_validator = jsonschema.Draft4Validator(CREATE_SCHEMA)
        backend.instances.on_delete.append(self.fail_running)

    # reading ---------------------------------------------------------------------------------
    def get(self, account_id: str, backup_id: str) -> dict:
        """A backup of the account; 404 otherwise."""
        row = self.repo.get(account_id, backup_id)
        if row is None:
            raise not_found(backup_id)
        return row

    def page(self, account_id: str, limit: int | None, marker: str | None, datastore: str | None = None,
             instance_id: str | None = None) -> tuple[list[dict], int | None]:
        """One page, newest first; Trove's marker is an integer offset and a full page gets a next marker."""
        offset = 0
        if marker not in (None, ""):
            try:
                offset = int(marker)
            except ValueError:
                offset = -1
            if not 0 <= offset <= MAX_OFFSET:
                raise BadRequest(f"Invalid marker '{marker}': backups are paged with a non-negative "
                                 f"integer offset.")
        limit = limit if limit and limit > 0 else PAGE_SIZE
        datastore_type = catalog.get_datastore(datastore).name if datastore else None
        rows = self.repo.page(account_id, offset, limit, datastore_type, instance_id)
        return rows, (offset + limit if len(rows) == limit else None)

    def page_for_instance(self, account_id: str, instance_id: str, limit: int | None,
                          marker: str | None) -> tuple[list[dict], int | None]:
        """GET /instances/{id}/backups: the instance must exist (404), then its backups as page() gives them."""
        self.backend.instances.must_get_row(account_id, instance_id)
        return self.page(account_id, limit, marker, instance_id=instance_id)

    def running_for(self, instance_ids: set[str]) -> set[str]:
        """Which of these instances have a backup in NEW or BUILDING (they show BACKUP)."""
        return self.repo.running_for(instance_ids) if instance_ids else set()

    # create ----------------------------------------------------------------------------------
    def create(self, account_id: str, body) -> dict:
        """POST /backups (202): Trove's checks in Trove's order, then a NEW backup."""
        check(self.create_validator, body)
        spec = body["backup"]
        if "restore_from" in spec:
            raise NotImplementedFault("Creating a backup record from a remote location is not simulated.")
        instance_id = spec.get("instance")
        source = spec.get("source")
        if source and source["type"] == "ha":
            raise NotImplementedFault("Backups of HA instance groups are not simulated.")
        if not instance_id and source:
            instance_id = source["id"]
        if not instance_id:
            raise BadRequest("instance is missing.")
        instances = self.backend.instances
        row = instances.must_get_row(account_id, instance_id)
        instances.check_can_act(row)
        parent = None
        if spec.get("parent_id"):
            parent = self.get(account_id, spec["parent_id"])
        elif spec.get("incremental") == 1:
            parent = self.repo.newest_completed(instance_id)
        self.check_quota(account_id)
        return self.start(account_id, row, name=spec["name"], description=spec.get("description"), parent=parent)

    def check_quota(self, account_id: str) -> None:
        limit = self.backend.instances.quota(account_id, "backups", self.backend.config.max_backups)
        if self.repo.count(account_id) >= limit:
            raise OverLimit("Quota exceeded for resources: ['backups'].")

    def start(self, account_id: str, instance: dict, *, name: str, description: str | None, parent: dict | None,
              schedule_id: str | None = None, at: dt.datetime | None = None, backup_id: str | None = None) -> dict:
        """Write a NEW backup of what the instance holds now (the instance then refuses changes until it ends)."""
        at = at or self.backend.now()
        held = self.backend.store.instances.contents(instance["id"])
        base = (self.composed(parent) or EMPTY) if parent else EMPTY
        size = self.backend.instances.used_gb(instance)
        durations = self.backend.config.durations
        start = at.timestamp()
        backup_id = backup_id or self.backend.ids.uuid(taken=lambda i: self.repo.exists("backups", i))
        row = {
            "id": backup_id, "account_id": account_id, "seq": self.repo.next_seq(),
            "name": name, "description": description, "instance_id": instance["id"],
            "parent_id": parent["id"] if parent else None,
            "backup_type": "incremental" if parent else "full", "is_automated": int(schedule_id is not None),
            "schedule_id": schedule_id, "status": "NEW", "created": api_time(at), "updated": api_time(at),
            "created_at": start, "building_at": start + durations.backup * NEW_SHARE,
            "completed_at": start + durations.backup + size * durations.backup_per_gb,
            "size": size, "location": None, "datastore_type": instance["datastore_type"],
            "datastore_version": instance["datastore_version"],
            "datastore_version_id": instance["datastore_version_id"],
            "flavor_ram": catalog.get_flavor(instance["flavor_id"]).ram, "volume_size": instance["volume_size"],
            "contents": json.dumps(diff(base, held)), "fault": None,
        }
        self.repo.insert(row)
        return row

    def seed_demo(self, account_id: str, backup_id: str) -> dict:
        """The sandbox's demo: an ACTIVE MySQL 5.6 source with data and a COMPLETED full backup of it."""
        instances = self.backend.instances
        source = instances.create(account_id, {"instance": {
            "name": "demo-source", "flavorRef": 1, "volume": {"size": 2},
            "datastore": {"type": "mysql", "version": "5.6"}, "databases": [{"name": "sampledb"}],
            "users": [{"name": "demouser", "password": "demopassword", "databases": [{"name": "sampledb"}]}]}})
        instances.repo.update(source["id"], {"status": "ACTIVE", "task": None, "task_until": None})
        row = self.start(account_id, instances.must_get_row(account_id, source["id"]), name="snapshot",
                         description="My Backup", parent=None, backup_id=backup_id)
        self._finish(row, self.backend.now())
        return self.get(account_id, backup_id)

    # delete ----------------------------------------------------------------------------------
    def delete(self, account_id: str, backup_id: str) -> None:
        """DELETE (202): the backup and every incremental built on it; 422 and nothing gone if one runs."""
        subtree = self.subtree(self.get(account_id, backup_id))
        for row in subtree:
            if row["status"] in RUNNING:
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

    def action(self, account_id: str, backup_id: str) -> None:
        """POST /backups/{id}/action (copy-backup): not simulated."""
        self.get(account_id, backup_id)
        raise NotImplementedFault("Copying backups to another region is not simulated.")

    def fail_running(self, instance: dict) -> None:
        """Instance delete hook: its incomplete backups end FAILED (the backups themselves are kept)."""
        self.repo.fail_running_of_instance(instance["id"], api_time(self.backend.now()))

    def mark_fault(self, backup_id: str) -> None:
        """Model fault: this backup ends FAILED instead of COMPLETED."""
        if self.repo.get_any(backup_id) is None:
            raise not_found(backup_id)
        self.repo.update(backup_id, {"fault": "The backup failed (injected fault)."})

    # restore ---------------------------------------------------------------------------------
    def find_for_restore(self, account_id: str, backup_ref) -> dict:
        """The backup a restorePoint names (an id or an href ending in one): 400 if not an id, 404 if unknown."""
        ref = str(backup_ref)
        backup_id = ref.rstrip("/").rsplit("/", 1)[-1]
        if not _UUID.match(backup_id):
            raise BadRequest(f"Validation error: instance['restorePoint']['backupRef'] '{ref}' does not match "
                             f"'{UUID_PATTERN}'")
        row = self.get(account_id, backup_id)
        return {"backup_id": row["id"], "datastore_version_id": row["datastore_version_id"], "row": row}

    def check_restore(self, restore: dict, volume_size: int, version) -> dict:
        """Trove's restore checks after the lookup: 409 not COMPLETED, 400 too large, 400 other datastore."""
        row = restore["row"]
        if row["status"] != "COMPLETED":
            raise Conflict(f"Unable to create instance because backup {row['id']} is not completed. "
                           f"Actual state: {row['status']}.")
        if row["size"] > volume_size:
            raise BadRequest(f"Backup is too large for given flavor or volume. Backup size: {row['size']} GBs. "
                             f"Available size: {volume_size} GBs.")
        if row["datastore_type"] != version.datastore_name:
            raise BadRequest(f"The datastore from which the backup was taken, {row['datastore_type']}, does not "
                             f"match the destination datastore of {version.datastore_name}.")
        chain = self.chain(row) or [row]
        return {**restore, "contents": self.composed(row) or EMPTY,
                "chain_size": round(sum(link["size"] or 0 for link in chain), 2)}

    def compose(self, account_id: str, backup_id: str) -> dict | None:
        """What a restore yields (full, then each increment in order); None if a link is gone or not COMPLETED."""
        row = self.repo.get(account_id, backup_id)
        chain = self.chain(row) if row else None
        if chain is None or any(link["status"] != "COMPLETED" for link in chain):
            return None
        return self._apply_chain(chain)

    def chain(self, row: dict) -> list[dict] | None:
        """The links from the full backup down to row; None when a parent is gone."""
        links, seen = [row], {row["id"]}
        while links[-1]["parent_id"]:
            parent = self.repo.get(row["account_id"], links[-1]["parent_id"])
            if parent is None or parent["id"] in seen:
                return None
            seen.add(parent["id"])
            links.append(parent)
        return links[::-1]

    def composed(self, row: dict) -> dict | None:
        """The state a backup records, whatever the links' states (None when the chain is broken)."""
        chain = self.chain(row)
        return self._apply_chain(chain) if chain is not None else None

    @staticmethod
    def _apply_chain(chain: list[dict]) -> dict:
        state = EMPTY
        for link in chain:
            state = apply(state, json.loads(link["contents"]))
        return state

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
            self.repo.update(row["id"], {"status": "FAILED", "updated": api_time(when)})
            return
        self._finish(row, when)
        if row["is_automated"] and row["backup_type"] == "full":
            self.prune_automated(row["instance_id"])

    def _finish(self, row: dict, when: dt.datetime) -> None:
        region = self.backend.config.region.lower()
        location = (f"https://snet-storage101.{region}1.clouddrive.com/v1/MossoCloudFS_{row['account_id']}/"
                    f"z_CLOUDDB_BACKUPS/{row['id']}.xbstream.gz")
        self.repo.update(row["id"], {"status": "COMPLETED", "location": location, "updated": api_time(when)})

    def prune_automated(self, instance_id: str) -> None:
        """Keep the schedule's full_backup_retention newest automated full chains of the instance."""
        schedules = getattr(self.backend, "schedules", None)
        keep = schedules.retention_for(instance_id) if schedules else None
        if keep is None:
            return
        for old in self.repo.automated_fulls(instance_id)[keep:]:
            subtree = self.subtree(old)
            if not any(link["status"] in RUNNING for link in subtree):
                self.repo.delete([link["id"] for link in subtree])
