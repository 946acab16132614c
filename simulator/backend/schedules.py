"""Scheduled backups: a weekly full and daily incrementals, fired as the simulator's clock passes each slot."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from simulator.backend.schemas import validate
from simulator.clock import api_time
from simulator.errors import BadRequest, NotImplementedFault, SimulatorError, not_found

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
        return item

    def retention_for(self, instance_id: str) -> int | None:
        """How many automated full backups the instance's schedule keeps (None: no schedule, keep all)."""
        row = self.repo.schedule_for_instance(instance_id)
        if row is None:
            return None
        return row["full_backup_retention"] or DEFAULT_RETENTION

    # writing ---------------------------------------------------------------------------------
    def create(self, account_id: str, body: Any) -> dict:
        """POST /schedules (202 with the schedule): one schedule per instance."""
        validate("schedule_create", body)
        spec = body["schedule"]
        if spec.get("source_type") == "ha":
            raise NotImplementedFault("Schedules of HA instance groups are not simulated.")
        instance_id = spec.get("instance_id") or spec.get("source_id")
        if not instance_id:
            raise BadRequest("instance_id is missing.")
        self.backend.instances.must_get_row(account_id, instance_id)
        existing = self.repo.schedule_for_instance(instance_id)
        if existing is not None:
            raise BadRequest(f"Instance {instance_id} already has a backup schedule ({existing['id']}).")
        now = self.backend.now()
        row = {
            "id": self.backend.ids.uuid(taken=lambda i: self.repo.exists("schedules", i)),
            "account_id": account_id,
            "seq": self.repo.next_schedule_seq(),
            "instance_id": instance_id,
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
        if "copy_to" in spec:
            changes["copy_to"] = json.dumps(spec["copy_to"])
        if changes:
            hour, minute = changes.get("hour", row["hour"]), changes.get("minute", row["minute"])
            changes["next_run_at"] = next_slot(now, hour, minute).timestamp()
            changes["updated"] = api_time(now)
            self.repo.update_schedule(schedule_id, changes)
        if spec.get("run_now") in (True, "true", "True", 1):
            self.fire({**row, **changes}, now, strict=True)

    def delete(self, account_id: str, schedule_id: str) -> None:
        """DELETE /schedules/{id} (202); the backups it made stay."""
        self.get(account_id, schedule_id)
        self.repo.delete_schedule(schedule_id)

    def forget_instance(self, instance: dict) -> None:
        """An instance is being deleted (Instances.shut_down): its schedule goes with it."""
        self.repo.delete_schedules_of_instance(instance["id"])

    # firing ----------------------------------------------------------------------------------
    def fire(self, row: dict, at: dt.datetime, strict: bool) -> dict | None:
        """Take a slot's backup (full on day_of_week or daily for 7, else an increment on the newest completed
        automated one); a slot the instance cannot take is skipped, while run_now (strict) reports why."""
        backups, instances = self.backend.backups, self.backend.instances
        try:
            instance = instances.must_get_row(row["account_id"], row["instance_id"])
            instances.check_can_act(instance)
            backups.check_quota(row["account_id"])
        except SimulatorError:
            if strict:
                raise
            return None
        full = row["day_of_week"] == EVERY_DAY or sunday_based_day(at) == row["day_of_week"]
        parent = None if full else self.repo.newest_completed(row["instance_id"], automated_only=True)
        kind = "incremental" if parent else "full"
        return backups.start(
            row["account_id"],
            instance,
            name=f"auto-{kind}-{at:%Y%m%d-%H%M}",
            description=f"Scheduled {kind} backup",
            parent=parent,
            schedule_id=row["id"],
            at=at,
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
