"""The lifecycle transitions the model carries out, as the database sees them: triggers on instances, backups and
ha_groups write each change of what a resource shows (created, from -> to, deleted) to a small outbox table, which
the request that caused them drains into its journal entry (pipeline/middlewares.py), for the coverage report.

What a resource shows is its running task, else its resting status (an HA group: its task, else its state), as the
views show it (reference/lifecycle.py). The `detail` of an item holds what its labels need: a replica's source, a
restore's backup type, a backup's type and what its instance shows (and how many of its backups still run)."""

from __future__ import annotations

import json

from sqlite_utils import Database, Migrations

from simulator.reference.lifecycle import RUNNING_BACKUP_STATUSES
from simulator.repos.sql import select

migrations = Migrations("cdbsim-lifecycle")

_RUNNING = ", ".join(f"'{s}'" for s in RUNNING_BACKUP_STATUSES)
_INSERT = "insert into transitions (account_id, kind, resource_id, before, after, detail) values"
#: A replica's source, and a restore's backup type ('unknown' once that backup is gone).
_INSTANCE_DETAIL = (
    "json_object('replica_of', {row}.replica_of, 'restore', case when json_extract({row}.task_data, '$.restore') "
    "is not null then coalesce((select backup_type from backups where id = json_extract({row}.task_data, "
    "'$.restore')), 'unknown') end)"
)
#: A backup's type, what its instance shows and how many of the instance's backups run (after the change).
_BACKUP_DETAIL = (
    "json_object('type', {row}.backup_type, 'instance_shows', "
    "(select coalesce(task, status) from instances where id = {row}.instance_id), 'running', "
    f"(select count(*) from backups where instance_id = {{row}}.instance_id and status in ({_RUNNING})))"
)
TRIGGERS = {
    "instance_created": "after insert on instances begin "
    f"{_INSERT} (new.account_id, 'instance', new.id, null, coalesce(new.task, new.status), "
    f"{_INSTANCE_DETAIL.format(row='new')}); end",
    "instance_changed": "after update of task, status on instances "
    "when coalesce(old.task, old.status) is not coalesce(new.task, new.status) begin "
    f"{_INSERT} (new.account_id, 'instance', new.id, coalesce(old.task, old.status), coalesce(new.task, new.status), "
    f"{_INSTANCE_DETAIL.format(row='old')}); end",
    "instance_deleted": "after delete on instances begin "
    f"{_INSERT} (old.account_id, 'instance', old.id, coalesce(old.task, old.status), null, null); end",
    "backup_created": "after insert on backups begin "
    f"{_INSERT} (new.account_id, 'backup', new.id, null, new.status, {_BACKUP_DETAIL.format(row='new')}); end",
    "backup_changed": "after update of status on backups when old.status is not new.status begin "
    f"{_INSERT} (new.account_id, 'backup', new.id, old.status, new.status, {_BACKUP_DETAIL.format(row='new')}); end",
    "backup_deleted": "after delete on backups begin "
    f"{_INSERT} (old.account_id, 'backup', old.id, old.status, null, {_BACKUP_DETAIL.format(row='old')}); end",
    "ha_created": "after insert on ha_groups begin "
    f"{_INSERT} (new.account_id, 'ha', new.id, null, coalesce(new.task, new.state), null); end",
    "ha_changed": "after update of task, state on ha_groups "
    "when coalesce(old.task, old.state) is not coalesce(new.task, new.state) begin "
    f"{_INSERT} (new.account_id, 'ha', new.id, coalesce(old.task, old.state), coalesce(new.task, new.state), null); "
    "end",
    "ha_deleted": "after delete on ha_groups begin "
    f"{_INSERT} (old.account_id, 'ha', old.id, coalesce(old.task, old.state), null, null); end",
}


@migrations()
def create_transitions(db: Database) -> None:
    """The outbox and its triggers (this set runs after the sets that create backups and ha_groups); the
    journal's entries get the transitions their request carried out."""
    db.execute(
        "create table transitions (seq integer primary key autoincrement, account_id text, kind text not null, "
        "resource_id text not null, before text, after text, detail text)"
    )
    for name, body in TRIGGERS.items():
        db.execute(f"create trigger transitions_{name} {body}")
    db.table("journal").add_column("lifecycle", str)


@migrations()
def transitions_without_autoincrement(db: Database) -> None:
    """The outbox's seq is a plain rowid (one more than the largest held), not AUTOINCREMENT: every trigger's insert
    also updated sqlite_sequence, a second b-tree write per transition (issue 25). Nothing needs a seq that is never
    used again: a drain empties the table and orders only what it takes, and the control plane's marks
    (StateRepo._not_transitions, forget_after) compare with the rows held at the time. The triggers name the
    table, so they go first and come back with it; what the outbox held is kept."""
    for name in TRIGGERS:
        db.execute(f"drop trigger if exists transitions_{name}")
    db.execute(
        "create table transitions_plain (seq integer primary key, account_id text, kind text not null, "
        "resource_id text not null, before text, after text, detail text)"
    )
    db.execute("insert into transitions_plain select * from transitions")
    db.execute("drop table transitions")
    db.execute("alter table transitions_plain rename to transitions")
    for name, body in TRIGGERS.items():
        db.execute(f"create trigger transitions_{name} {body}")


#: What a drain hands on, oldest first.
_PENDING = "select seq, account_id, kind, resource_id, before, after, detail from transitions order by seq"
#: How many distinct detail texts a LifecycleRepo keeps parsed (a few shapes recur: every restore of one backup has
#: the same detail, and so has every replica of one source).
DETAILS_KEPT = 256


class LifecycleRepo:
    """Reads and empties the outbox of transitions."""

    def __init__(self, db: Database) -> None:
        self.db = db
        #: detail text -> its non-null entries: json.loads of a 40-byte object is ~15 k instructions, a lookup and
        #: a copy of the result well under 1 k (issue 25).
        self._details: dict[str, dict] = {}

    def last_seq(self) -> int:
        return next(select(self.db, "select coalesce(max(seq), 0) as n from transitions"))["n"]

    def drain(self) -> list[dict]:
        """The transitions written since the last drain, oldest first, and forget them: read, then a DELETE without
        WHERE, which SQLite carries out by clearing the table (its truncate optimization: no trigger watches the
        outbox); one DELETE ... RETURNING visited each row and kept what it returned in a table of its own, ~40 %
        slower for the two rows of a restore (issue 25). Nothing can write between the two (one connection)."""
        conn = self.db.conn
        rows = conn.execute(_PENDING).fetchall()
        if rows:
            conn.execute("delete from transitions")
        items = []
        for _, account_id, kind, resource_id, before, after, detail in rows:
            item = {
                "account_id": account_id,
                "kind": kind,
                "resource_id": resource_id,
                "before": before,
                "after": after,
            }
            if detail:
                item["detail"] = self._detail(detail)
            items.append(item)
        return items

    def _detail(self, text: str) -> dict:
        """The entries of a detail text that are not null (a fresh dict each time: the caller may keep or change
        it); its values are scalars, so a copy of the parsed one is the parse."""
        found = self._details.get(text)
        if found is None:
            if len(self._details) >= DETAILS_KEPT:
                self._details.clear()
            found = self._details[text] = {k: v for k, v in json.loads(text).items() if v is not None}
        return dict(found)

    def forget_after(self, seq: int) -> None:
        """Drop what was written after seq: rows the control plane wiped or restored are not transitions."""
        self.db.execute("delete from transitions where seq > ?", [seq])
