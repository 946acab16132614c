"""Scheduled backups of an instance or an HA group: a weekly full and daily incrementals, fired as the simulator's
clock passes each slot, each then copied to the schedule's copy_to regions."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from simulator.backend.schemas import validate
from simulator.clock import api_time
from simulator.errors import BadRequest, SimulatorError, not_found
from simulator.repos.backups import BackupsRepo

if TYPE_CHECKING:
    from simulator.backend import Backend

DEFAULT_RETENTION = 2
EVERY_DAY = 7


def sunday_based_day(moment: dt.datetime) -> int:
    """The schedule's day numbering: 0 is Sunday, 6 is Saturday."""
    return (moment.weekday() + 1) % 7


def next_slot(after: dt.datetime, hour: int, minute: int) -> dt.datetime:
    """The first hour:minute (UTC) strictly after `after`: backups run every day at that time."""
    slot = after.replace(hour=hour, minute=minute, second=0, microsecond=0)
    while slot <= after:
        slot += dt.timedelta(days=1)
    return slot


class Schedules:
    """The rules for backup schedules."""

    due_query: str | None = BackupsRepo.NEXT_SCHEDULE_DUE

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.repo = backend.store.backups

    # reading ---------------------------------------------------------------------------------
    def get(self, account_id: str, schedule_id: str) -> dict:
        row = self.repo.schedule(account_id, schedule_id)
        if row is None:
            raise not_found(schedule_id)
        return self.view_model(row)

    def list(self, account_id: str) -> list[dict]:
        return [self.view_model(row) for row in self.repo.schedules(account_id)]

    def view_model(self, row: dict) -> dict:
        """The row plus what the API shows: next_run, running, copy_to as a list."""
        item = dict(row)
        item["next_run"] = api_time(dt.datetime.fromtimestamp(row["next_run_at"], dt.timezone.utc))
        item["running"] = self.repo.running_of_schedule(row["id"])
        item["copy_to"] = json.loads(row["copy_to"] or "[]")
        # The retention the schedule keeps: the default when none was asked for (as the service answers it).
        item["full_backup_retention"] = row["full_backup_retention"] or DEFAULT_RETENTION
        return item

    def has_schedule(self, instance_id: str) -> bool:
        """Whether the instance has a backup schedule (its view's `schedule.enabled`)."""
        return self.repo.schedule_for_instance(instance_id) is not None

    def retention_for(self, source_id: str) -> int | None:
        """How many automated full backups the schedule of an instance or HA group keeps (None: no schedule, keep
        all)."""
        row = self.repo.schedule_for_instance(source_id)
        if row is None:
            return None
        return row["full_backup_retention"] or DEFAULT_RETENTION

    # writing ---------------------------------------------------------------------------------
    def create(self, account_id: str, body: Any) -> dict:
        """POST /schedules (202 with the schedule): one schedule per instance or HA group (source_id with
        source_type "ha"; instance_id is the legacy name of an instance's source_id). A null field is one not
        given (cdbclient sends source_id, source_type and copy_to as null)."""
        validate("schedule_create", body)
        spec = body["schedule"]
        source_type = spec.get("source_type") or "instance"
        source_id = spec.get("source_id") or (spec.get("instance_id") if source_type == "instance" else None)
        if not source_id:
            raise BadRequest("instance_id is missing." if source_type == "instance" else "source_id is missing.")
        if source_type == "ha":
            self.backend.ha.must_get(account_id, source_id)
        else:
            self.backend.instances.must_get_row(account_id, source_id)
        self.check_copy_to(account_id, spec.get("copy_to") or [])
        existing = self.repo.schedule_for_instance(source_id)
        if existing is not None:
            noun = "HA instance" if source_type == "ha" else "Instance"
            raise BadRequest(f"{noun} {source_id} already has a backup schedule ({existing['id']}).")
        now = self.backend.now()
        row = {
            "id": self.backend.ids.uuid(taken=lambda i: self.repo.exists("schedules", i)),
            "account_id": account_id,
            "seq": self.repo.next_schedule_seq(),
            "instance_id": source_id,
            "source_type": source_type,
            "action": "backup",
            "day_of_week": spec["day_of_week"],
            "hour": spec["hour"],
            "minute": spec["minute"],
            "full_backup_retention": spec.get("full_backup_retention"),
            "copy_to": json.dumps(spec.get("copy_to") or []),
            "created": api_time(now),
            "updated": api_time(now),
            "last_scheduled": None,
            "next_run_at": next_slot(now, spec["hour"], spec["minute"]).timestamp(),
        }
        self.repo.insert_schedule(row)
        return self.view_model(row)

    def update(self, account_id: str, schedule_id: str, body: Any) -> None:
        """PUT /schedules/{id} (202): change the time or retention; run_now takes a backup at once."""
        validate("schedule_update", body)
        row = self.get(account_id, schedule_id)
        spec = body["schedule"]
        now = self.backend.now()
        changes = {k: spec[k] for k in ("day_of_week", "hour", "minute", "full_backup_retention") if k in spec}
        copy_to = spec.get("copy_to")
        if copy_to is not None:  # null: not given (cdbclient); cdb-cli sends its --copy-to unsplit
            copy_to = copy_to.split(",") if isinstance(copy_to, str) else copy_to
            self.check_copy_to(account_id, copy_to)
            changes["copy_to"] = json.dumps(copy_to)
        if changes:
            hour, minute = changes.get("hour", row["hour"]), changes.get("minute", row["minute"])
            changes["next_run_at"] = next_slot(now, hour, minute).timestamp()
            changes["updated"] = api_time(now)
            self.repo.update_schedule(schedule_id, changes)
        if spec.get("run_now") in (True, "true", "True", 1):
            current = self.repo.schedule_by_id(schedule_id)  # as stored, with the changes above
            assert current is not None
            self.fire(current, now, strict=True)

    def delete(self, account_id: str, schedule_id: str) -> None:
        """DELETE /schedules/{id} (202); the backups it made stay."""
        self.get(account_id, schedule_id)
        self.repo.delete_schedule(schedule_id)

    def forget_source(self, source: dict) -> None:
        """Instance delete hook, and an HA group's when it is gone: its schedule goes with it."""
        self.repo.delete_schedules_of_instance(source["id"])

    def adopt(self, instance_ids: Sequence[str], ha_id: str) -> None:
        """convert_to_ha: the schedule of the set's source (else of a replica) becomes the group's schedule (its
        source the group); the set's other schedules go."""
        rows = [row for row in map(self.repo.schedule_for_instance, instance_ids) if row is not None]
        for extra in rows[1:]:
            self.repo.delete_schedule(extra["id"])
        if rows:
            changes = {"instance_id": ha_id, "source_type": "ha", "updated": api_time(self.backend.now())}
            self.repo.update_schedule(rows[0]["id"], changes)

    def set_for_group(self, account_id: str, ha_id: str, spec: dict | None) -> None:
        """The scheduled_backup of POST /ha and convert_to_ha (cdbclient always sends one): {"enabled": false}, or
        no time at all, leaves the group without a new schedule; day_of_week, hour and minute (numbers, or their
        digits as cdb-cli sends them) give the group that schedule (or change the one convert_to_ha adopted), with
        full_backup_retention when given; part of a time is 400."""
        if not spec or spec.get("enabled") is False:
            return
        slot = ("day_of_week", "hour", "minute")
        missing = [key for key in slot if spec.get(key) is None]
        if len(missing) == len(slot):
            return
        if missing:
            raise BadRequest(f"scheduled_backup needs day_of_week, hour and minute; missing: {', '.join(missing)}.")
        fields = {key: int(spec[key]) for key in slot}
        if spec.get("full_backup_retention") is not None:
            fields["full_backup_retention"] = int(spec["full_backup_retention"])
        existing = self.repo.schedule_for_instance(ha_id)
        if existing is not None:
            self.update(account_id, existing["id"], {"schedule": fields})
        else:
            self.create(
                account_id, {"schedule": {"action": "backup", "source_id": ha_id, "source_type": "ha", **fields}}
            )

    def check_copy_to(self, account_id: str, copy_to: Sequence[str]) -> None:
        """copy_to names other regions than the schedule's own, and none from or to LON (as copy-backup)."""
        self.backend.copies.check_regions(account_id, copy_to)

    # firing ----------------------------------------------------------------------------------
    def fire(self, row: dict, at: dt.datetime, strict: bool) -> dict | None:
        """Take a slot's backup (full on day_of_week or daily for 7, else an increment on the newest completed
        automated one), of the instance or of the HA group (from the node its backups are taken from); a slot the
        source cannot take is skipped, while run_now (strict) reports why."""
        backups, instances = self.backend.backups, self.backend.instances
        ha_id = row["instance_id"] if row["source_type"] == "ha" else None
        try:
            if ha_id:
                instance = self.backend.ha.backup_node(row["account_id"], ha_id)
            else:
                instance = instances.must_get_row(row["account_id"], row["instance_id"])
            instances.check_can_act(instance)
            backups.check_quota(row["account_id"])
        except SimulatorError:
            if strict:
                raise
            return None
        full = row["day_of_week"] == EVERY_DAY or sunday_based_day(at) == row["day_of_week"]
        parent = None if full else self.repo.newest_completed(row["instance_id"], automated_only=True, ha=bool(ha_id))
        kind = "incremental" if parent else "full"
        return backups.start(
            row["account_id"],
            instance,
            name=f"auto-{kind}-{at:%Y%m%d-%H%M}",
            description=f"Scheduled {kind} backup",
            parent=parent,
            schedule_id=row["id"],
            at=at,
            ha_id=ha_id,
            copy_to=json.loads(row["copy_to"] or "[]"),
        )

    def next_due(self) -> float | None:
        return self.repo.next_schedule_due()

    def settle_one(self, now: float) -> None:
        """Fire the earliest slot the clock has passed (each missed slot in order when it jumps)."""
        row = self.repo.first_schedule_due(now)
        if row is None:
            return
        at = dt.datetime.fromtimestamp(row["next_run_at"], dt.timezone.utc)
        self.fire(row, at, strict=False)
        self.repo.update_schedule(
            row["id"],
            {"last_scheduled": api_time(at), "next_run_at": next_slot(at, row["hour"], row["minute"]).timestamp()},
        )
