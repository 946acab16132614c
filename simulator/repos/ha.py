"""HA instance groups: the groups, which instances are their nodes (instances.ha_id) and which backups were taken
of a group (backups.ha_id)."""

from __future__ import annotations

import json

from sqlite_utils import Database, Migrations

from simulator.repos import sql
from simulator.repos.sql import select

migrations = Migrations("cdbsim-ha")

#: Columns holding JSON lists.
JSON_COLUMNS = ("networks", "acls")


@migrations()
def create_ha_groups(db: Database) -> None:
    """A group's own row (its state, the nodes' common flavor, volume and datastore, ACLs and networks as JSON
    lists, the running operation and when it ends); its nodes are instances whose ha_id names it."""
    db.table("ha_groups").create(
        {
            "id": str,
            "account_id": str,
            "seq": int,
            "name": str,
            "state": str,
            "datastore_type": str,
            "datastore_version": str,
            "datastore_version_id": str,
            "flavor_id": int,
            "volume_size": int,
            "configuration_id": str,
            "networks": str,
            "acls": str,
            "hostname": str,
            "created": str,
            "updated": str,
            "created_at": float,
            "task": str,
            "task_until": float,
            "task_data": str,
        },
        pk="id",
        not_null={"account_id", "name", "state"},
    )
    db.table("ha_groups").create_index(["account_id", "seq"])
    db.table("ha_groups").create_index(["task_until"])
    db.table("instances").add_column("ha_id", str)
    db.table("instances").create_index(["ha_id"])
    db.table("backups").add_column("ha_id", str)
    db.table("backups").create_index(["ha_id"])


#: Instance columns most rows leave NULL: a configuration group, a replica's source, an HA group (the configurations,
#: replication and HA sets added them; this set runs after the other two).
LINK_COLUMNS = ("configuration_id", "replica_of", "ha_id")


@migrations()
def index_only_linked_instances(db: Database) -> None:
    """Issue 25: each link column's index keeps only the instances that have one: every new instance wrote three
    NULL entries (~20 k instructions of a restore's INSERT). A lookup by value (=, IN) implies NOT NULL, so SQLite
    reads the partial index where it read the full one (the same plans; tests/unit/test_instance_rows.py)."""
    for column in LINK_COLUMNS:
        db.execute(f"drop index if exists idx_instances_{column}")
        db.execute(f"create index idx_instances_{column} on instances({column}) where {column} is not null")


def _decode(row: dict) -> dict:
    for key in JSON_COLUMNS:
        row[key] = json.loads(row[key]) if row.get(key) else []
    return row


def _encode(changes: dict) -> dict:
    return {k: (json.dumps(v) if k in JSON_COLUMNS else v) for k, v in changes.items()}


class HaRepo:
    """Queries on HA groups and their nodes."""

    #: When the next group operation ends (one scalar: Backend.settle reads every settler's in one statement).
    NEXT_DUE = "select min(task_until) from ha_groups where task_until is not null"

    def __init__(self, db: Database) -> None:
        self.db = db

    def insert(self, row: dict) -> None:
        sql.insert(self.db, "ha_groups", _encode(row))

    def next_seq(self) -> int:
        return next(select(self.db, "select coalesce(max(seq), 0) + 1 as n from ha_groups"))["n"]

    def exists(self, ha_id: str) -> bool:
        """Is this id used by any account's group (ids stay unique after a reseed)?"""
        return bool(list(select(self.db, "select 1 from ha_groups where id = ?", [ha_id])))

    def get(self, account_id: str, ha_id: str) -> dict | None:
        rows = list(select(self.db, "select * from ha_groups where account_id = ? and id = ?", [account_id, ha_id]))
        return _decode(rows[0]) if rows else None

    def get_any(self, ha_id: str) -> dict | None:
        rows = list(select(self.db, "select * from ha_groups where id = ?", [ha_id]))
        return _decode(rows[0]) if rows else None

    def groups(self, account_id: str) -> list[dict]:
        return [
            _decode(r)
            for r in select(self.db, "select * from ha_groups where account_id = ? order by seq", [account_id])
        ]

    def update(self, ha_id: str, changes: dict) -> None:
        sql.update(self.db, "ha_groups", "id", ha_id, _encode(changes))

    def delete(self, ha_id: str) -> None:
        self.db.execute("delete from ha_groups where id = ?", [ha_id])

    def nodes(self, ha_id: str) -> list[dict]:
        """The group's instances, oldest first."""
        return list(select(self.db, "select * from instances where ha_id = ? order by seq", [ha_id]))

    def set_node(self, instance_ids: list[str], ha_id: str | None) -> None:
        """Make these instances nodes of ha_id (None: of no group)."""
        if instance_ids:
            marks = ", ".join("?" for _ in instance_ids)
            self.db.execute(f"update instances set ha_id = ? where id in ({marks})", [ha_id, *instance_ids])

    def next_due(self) -> float | None:
        return self.db.conn.execute(self.NEXT_DUE).fetchone()[0]

    def first_due(self, now: float) -> dict | None:
        rows = list(
            select(
                self.db,
                "select * from ha_groups where task_until is not null and task_until <= ? "
                "order by task_until, seq limit 1",
                [now],
            )
        )
        return _decode(rows[0]) if rows else None
