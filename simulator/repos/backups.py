"""Backups (with what each one holds) and backup schedules."""

from __future__ import annotations

import re
import string

from sqlite_utils import Database, Migrations

from simulator.reference.catalog import BACKUP_LOCATION, DATASTORES
from simulator.reference.lifecycle import BUILDING, NEW, RUNNING_BACKUP_STATUSES
from simulator.repos import sql
from simulator.repos.sql import select

migrations = Migrations("cdbsim-backups")

#: The running test as literal SQL: the partial index on running backups serves only a query that spells out its
#: WHERE (bound parameters do not match it).
IS_RUNNING = "status in (" + ", ".join(f"'{s}'" for s in RUNNING_BACKUP_STATUSES) + ")"


@migrations()
def create_backups(db: Database) -> None:
    db.table("backups").create(
        {
            "id": str,
            "account_id": str,
            "seq": int,
            "name": str,
            "description": str,
            "instance_id": str,
            "parent_id": str,
            "backup_type": str,
            "is_automated": int,
            "schedule_id": str,
            "status": str,
            "created": str,
            "updated": str,
            "created_at": float,
            "building_at": float,
            "completed_at": float,
            "size": float,
            "location": str,
            "datastore_type": str,
            "datastore_version": str,
            "datastore_version_id": str,
            "flavor_ram": int,
            "volume_size": int,
            "contents": str,
            "fault": str,
        },
        pk="id",
        not_null={"account_id", "name", "status", "backup_type"},
    )
    db.table("backups").create_index(["account_id", "updated"])
    db.table("backups").create_index(["instance_id", "status"])
    db.table("backups").create_index(["parent_id"])


@migrations()
def create_schedules(db: Database) -> None:
    db.table("schedules").create(
        {
            "id": str,
            "account_id": str,
            "seq": int,
            "instance_id": str,
            "action": str,
            "day_of_week": int,
            "hour": int,
            "minute": int,
            "full_backup_retention": int,
            "copy_to": str,
            "created": str,
            "updated": str,
            "last_scheduled": str,
            "next_run_at": float,
        },
        pk="id",
        not_null={"account_id", "instance_id"},
    )
    db.table("schedules").create_index(["account_id", "seq"])
    db.table("schedules").create_index(["instance_id"], unique=True)
    db.table("schedules").create_index(["next_run_at"])


@migrations()
def add_backup_hot_path_indexes(db: Database) -> None:
    """Running backups (the next due step, BACKUP status) and sequence numbers without table scans."""
    db.table("backups").create_index(["status"])
    db.table("backups").create_index(["seq"])


@migrations()
def index_only_running_and_incremental_backups(db: Database) -> None:
    """Smaller indexes: the due-step and schedule queries only look up running backups, and chains only look up
    rows with a parent, so the status and parent_id indexes keep just those rows."""
    db.execute("drop index if exists idx_backups_status")
    db.execute("drop index if exists idx_backups_parent_id")
    db.execute(f"create index if not exists idx_backups_running on backups(status) where {IS_RUNNING}")
    db.execute("create index if not exists idx_backups_parent on backups(parent_id) where parent_id is not null")


#: What start() records for a backup that holds nothing new (no databases or users set or dropped): stored as NULL.
EMPTY_CHANGE = '{"databases": {"set": {}, "drop": []}, "users": {"set": {}, "drop": []}}'
#: What each part of the catalog's BACKUP_LOCATION may be, for reading one back out of a URL.
_LOCATION_PARTS = {"region": "[a-z0-9-]+", "account_id": "[^/ ]+", "backup_id": "[^/ ]+"}


def _location_pattern(template: str) -> re.Pattern:
    """The location template as a regex with a named group for each part (the URL format stays the catalog's)."""
    pattern = ""
    for literal, part, _, _ in string.Formatter().parse(template):
        pattern += re.escape(literal)
        if part:
            pattern += f"(?P<{part}>{_LOCATION_PARTS[part]})"
    return re.compile(pattern)


#: The columns of a chain's links that composing it reads (BackupsRepo.ancestry).
CHAIN_COLUMNS = ("id", "parent_id", "status", "size", "contents")
#: What a restore reads of the backup it names (its plan's checks, then its chain): not the whole row.
RESTORE_COLUMNS = (*CHAIN_COLUMNS, "account_id", "datastore_type", "datastore_version", "datastore_version_id")
#: Built once: a statement's text made anew on each call is hashed anew by the connection's statement cache.
_RESTORE_SELECT = f"select {', '.join(RESTORE_COLUMNS)} from backups where account_id = ? and id = ?"
#: The Cloud Files URL a COMPLETED backup gets; only its region, account and object id vary, so only they are stored.
_LOCATION = _location_pattern(BACKUP_LOCATION)


#: (datastore, version name) -> the catalog's version id: a backup's version id is one of these (a restore looks it up
#: there), so a row stores it only when it is not the catalog's id for its datastore and version.
VERSION_IDS = {(ds.name, v.name): v.id for ds in DATASTORES for v in ds.versions}


def location_url(region: str, account_id: str, backup_id: str) -> str:
    """The full URL a stored location stands for."""
    return BACKUP_LOCATION.format(region=region, account_id=account_id, backup_id=backup_id)


def pack_location(location: str | None, account_id: str, backup_id: str) -> str | None:
    """What the row stores for a location: the region alone when the URL names the row's own account and id,
    "region account id" when it names others, the text itself when it is no such URL (so "://" tells them apart)."""
    match = _LOCATION.fullmatch(location) if location else None
    if match is None:
        return location
    region, account, object_id = match.group("region", "account_id", "backup_id")
    return region if (account, object_id) == (account_id, backup_id) else f"{region} {account} {object_id}"


def unpack(row: dict) -> dict:
    """A stored row as the rest of the simulator knows it: full location URL and contents text (rows written
    before packing, with both in full, come back as they are)."""
    if "contents" in row and row["contents"] is None:
        row["contents"] = EMPTY_CHANGE
    if "datastore_version_id" in row and row["datastore_version_id"] is None:
        row["datastore_version_id"] = VERSION_IDS.get((row["datastore_type"], row["datastore_version"]))
    location = row.get("location")
    if location and "://" not in location:
        parts = location.split(" ")
        row["location"] = (
            location_url(parts[0], row["account_id"], row["id"]) if len(parts) == 1 else location_url(*parts)
        )
    return row


def pack(row: dict) -> dict:
    """The row as stored (a copy when anything shrinks): derivable location, version id and empty contents kept
    short."""
    packed = row
    if row.get("contents") == EMPTY_CHANGE:
        packed = {**row, "contents": None}
    version_id = row.get("datastore_version_id")
    if (
        version_id
        and VERSION_IDS.get((row.get("datastore_type") or "", row.get("datastore_version") or "")) == version_id
    ):
        packed = {**packed, "datastore_version_id": None}
    if row.get("location"):
        location = pack_location(row["location"], row["account_id"], row["id"])
        if location != row["location"]:
            packed = {**packed, "location": location}
    return packed


@migrations()
def pack_backup_rows(db: Database) -> None:
    """Rows written before packing get the short forms too (reading accepts both)."""
    db.execute("update backups set contents = null where contents = ?", [EMPTY_CHANGE])
    rows = db.execute("select rowid, account_id, id, location from backups where location like 'https://%'")
    for rowid, account_id, backup_id, location in rows.fetchall():
        packed = pack_location(location, account_id, backup_id)
        if packed != location:
            db.execute("update backups set location = ? where rowid = ?", [packed, rowid])


@migrations()
def pack_backup_version_ids(db: Database) -> None:
    """Rows written before get the catalog's version id left out too (reading accepts both)."""
    for (datastore, version), version_id in VERSION_IDS.items():
        db.execute(
            "update backups set datastore_version_id = null where datastore_type = ? "
            "and datastore_version = ? and datastore_version_id = ?",
            [datastore, version, version_id],
        )


@migrations()
def add_schedule_sources_and_copy_to(db: Database) -> None:
    """A schedule's source may be an HA group (source_type "ha", its id in instance_id, which names the source);
    a backup keeps the regions it is copied to once COMPLETED (copy_to, a JSON list; NULL: none)."""
    db.table("schedules").add_column("source_type", str, not_null_default="instance")
    db.table("backups").add_column("copy_to", str)


@migrations()
def keep_backup_counts(db: Database) -> None:
    """Issue 25: the quota check reads the account's backup count from a counter the triggers keep, instead of
    counting the account's backups on every create. The table's leading "_" keeps it out of the account row sets
    (repos/state.py): it is derived from the backups table and follows every insert and delete there."""
    db.execute("create table if not exists _backup_counts (account text primary key, n integer not null)")
    db.execute("insert into _backup_counts select account_id, count(*) from backups group by account_id")
    db.execute(
        "create trigger if not exists backup_counts_insert after insert on backups begin "
        "insert into _backup_counts (account, n) values (new.account_id, 1) "
        "on conflict (account) do update set n = n + 1; end"
    )
    db.execute(
        "create trigger if not exists backup_counts_delete after delete on backups begin "
        "update _backup_counts set n = n - 1 where account = old.account_id; end"
    )
    db.execute(
        "create trigger if not exists backup_counts_move after update of account_id on backups "
        "when new.account_id is not old.account_id begin "
        "update _backup_counts set n = n - 1 where account = old.account_id; "
        "insert into _backup_counts (account, n) values (new.account_id, 1) "
        "on conflict (account) do update set n = n + 1; end"
    )


@migrations()
def index_backup_pages(db: Database) -> None:
    """Issue 25: a backups page (updated DESC, seq DESC) read straight off one index, without sorting the rows
    that share an `updated` (all of them when the clock stands still); it replaces the (account_id, updated) one."""
    db.execute("create index if not exists backups_page on backups(account_id, updated, seq)")
    db.execute("drop index if exists idx_backups_account_id_updated")


@migrations()
def count_backup_changes(db: Database) -> None:
    """Issue 25: triggers count every change to a backup row in _backup_changes (derived, so its leading "_" keeps
    it out of the account row sets, like _identity_changes): a restore's create and its build's end read the same
    backup and its chain, and what was read is kept while the count stands (RestorePlanner)."""
    db.execute("create table if not exists _backup_changes (id integer primary key check (id = 1), n integer)")
    db.execute("insert or ignore into _backup_changes (id, n) values (1, 0)")
    for event in ("insert", "update", "delete"):
        db.execute(
            f"create trigger if not exists backup_changes_{event} after {event} on backups "
            "begin update _backup_changes set n = n + 1 where id = 1; end"
        )


#: When a running backup's next step is due (NULL for any other backup): a NEW one starts building at building_at, a
#: BUILDING one ends at completed_at. Spelled once: the index below serves only queries that spell it the same way.
DUE_AT = f"case status when '{NEW}' then building_at when '{BUILDING}' then completed_at end"


@migrations()
def index_backup_due_times(db: Database) -> None:
    """Issue 25: the next backup step's time in one seek (the due-times statement runs twice a write); an IN list
    seeking the partial running index had SQLite build a temporary b-tree on every run, half the statement's cost."""
    db.execute(f"create index if not exists backups_due_at on backups(({DUE_AT}))")


def _marks(values) -> str:
    return ", ".join("?" for _ in values)


class BackupsRepo:
    """Queries on backups and schedules."""

    #: When the next backup and the next schedule slot are due (scalars: Backend.settle reads every settler's in
    #: one statement).
    NEXT_DUE = f"select min({DUE_AT}) from backups"  # along backups_due_at: no IN list (its migration says why)
    NEXT_SCHEDULE_DUE = "select min(next_run_at) from schedules"
    #: How many times a backup row changed (count_backup_changes; Backend.settle reads it with the due times).
    CHANGES = "select n from _backup_changes where id = 1"

    def __init__(self, db: Database) -> None:
        self.db = db

    def changes(self) -> int:
        """How many times a backup row changed (count_backup_changes)."""
        return self.db.conn.execute(self.CHANGES).fetchone()[0]

    # backups ---------------------------------------------------------------------------------
    def _rows(self, query: str, params=()) -> list[dict]:
        """Backup rows, unpacked."""
        return [unpack(row) for row in select(self.db, query, params)]

    def insert(self, row: dict) -> None:
        sql.insert(self.db, "backups", pack(row))

    def next_seq(self) -> int:
        return next(select(self.db, "select coalesce(max(seq), 0) + 1 as n from backups"))["n"]

    def exists(self, table: str, row_id: str) -> bool:
        """Is this id used by any backup or schedule (ids must stay unique after a reseed)?"""
        assert table in ("backups", "schedules")
        return bool(list(select(self.db, f"select 1 from {table} where id = ?", [row_id])))

    def get(self, account_id: str, backup_id: str) -> dict | None:
        rows = self._rows("select * from backups where account_id = ? and id = ?", [account_id, backup_id])
        return rows[0] if rows else None

    def get_for_restore(self, account_id: str, backup_id: str) -> dict | None:
        """The backup with RESTORE_COLUMNS only, unpacked (a restore reads it at its create and at its build's end;
        the whole row, location and all, cost twice as much)."""
        rows = self._rows(_RESTORE_SELECT, [account_id, backup_id])
        return rows[0] if rows else None

    def ancestry(self, account_id: str, backup_id: str) -> list[dict]:
        """The backup and its parents up to the full backup (child first), each with CHAIN_COLUMNS only (what
        composing a chain reads), in one query; it stops at a parent the account does not hold or one already seen
        (a cycle), so the last row then still names a parent. The query gathers the links with UNION (each read
        once, however the parents loop) and the order is the walk down the parent ids here: a path of the ids seen,
        checked at each step, made the cost grow with the square of the links."""
        rows = self.db.conn.execute(
            "with recursive up(id) as (select ?2 union select b.parent_id from up "
            "join backups b on b.id = up.id and b.account_id = ?1 where b.parent_id is not null) "
            f"select {', '.join('b.' + c for c in CHAIN_COLUMNS)} from up "
            "join backups b on b.id = up.id and b.account_id = ?1",
            [account_id, backup_id],
        ).fetchall()
        by_id = {row[0]: dict(zip(CHAIN_COLUMNS, row, strict=True)) for row in rows}
        chain: list[dict] = []
        at: str | None = backup_id
        while at in by_id:
            link = by_id.pop(at)  # popped: a parent seen already is no longer there, which ends a loop
            if link["contents"] is None:
                link["contents"] = EMPTY_CHANGE
            chain.append(link)
            at = link["parent_id"]
        return chain

    def get_any(self, backup_id: str) -> dict | None:
        rows = self._rows("select * from backups where id = ?", [backup_id])
        return rows[0] if rows else None

    def update(self, backup_id: str, changes: dict) -> None:
        if changes.get("contents") == EMPTY_CHANGE:
            changes = {**changes, "contents": None}
        if changes.get("location"):
            found = self.db.conn.execute("select account_id from backups where id = ?", [backup_id]).fetchone()
            if found is not None:
                changes = {**changes, "location": pack_location(changes["location"], found[0], backup_id)}
        sql.update(self.db, "backups", "id", backup_id, changes)

    def page(
        self,
        account_id: str,
        offset: int,
        limit: int,
        datastore_type: str | None = None,
        instance_id: str | None = None,
        ha_id: str | None = None,
    ) -> list[dict]:
        """Backups newest first (updated DESC), skipping offset rows (Trove's integer marker)."""
        where, args = ["account_id = ?"], [account_id]
        if ha_id:
            where.append("ha_id = ?")
            args.append(ha_id)
        if datastore_type:
            where.append("datastore_type = ?")
            args.append(datastore_type)
        if instance_id:
            where.append("instance_id = ?")
            args.append(instance_id)
        sql = f"select * from backups where {' and '.join(where)} order by updated desc, seq desc limit ? offset ?"
        return self._rows(sql, [*args, limit, offset])

    def count(self, account_id: str) -> int:
        """The account's backups (the counter the triggers keep: no count over the account's rows)."""
        row = self.db.conn.execute("select n from _backup_counts where account = ?", [account_id]).fetchone()
        return row[0] if row else 0

    def running_for(self, instance_ids: set[str]) -> set[str]:
        ids = sorted(instance_ids)
        rows = select(
            self.db,
            # a copy being made in another region (copy_of) does not hold its instance
            f"select distinct instance_id from backups where instance_id in ({_marks(ids)}) and {IS_RUNNING} "
            "and copy_of is null",
            ids,
        )
        return {r["instance_id"] for r in rows}

    def running_of_instance(self, instance_id: str) -> list[dict]:
        return self._rows(f"select * from backups where instance_id = ? and {IS_RUNNING} order by seq", [instance_id])

    def running_of_schedule(self, schedule_id: str) -> bool:
        return bool(
            list(
                select(self.db, f"select 1 from backups where schedule_id = ? and {IS_RUNNING} limit 1", [schedule_id])
            )
        )

    def children(self, backup_id: str) -> list[dict]:
        return self._rows("select * from backups where parent_id = ? order by seq", [backup_id])

    def newest_completed(self, instance_id: str, automated_only: bool = False, ha: bool = False) -> dict | None:
        """The COMPLETED backup of the instance (or with ha, of the HA group of that id) with the newest `updated`
        (Trove's incremental parent)."""
        sql = f"select * from backups where {'ha_id' if ha else 'instance_id'} = ? and status = 'COMPLETED'"
        if automated_only:
            sql += " and is_automated = 1"
        rows = self._rows(sql + " order by updated desc, seq desc limit 1", [instance_id])
        return rows[0] if rows else None

    def automated_fulls(self, instance_id: str, ha: bool = False) -> list[dict]:
        """COMPLETED automated full backups of the instance (or with ha, of the HA group of that id), newest
        first."""
        return self._rows(
            f"select * from backups where {'ha_id' if ha else 'instance_id'} = ? and is_automated = 1 "
            "and backup_type = 'full' "
            "and status = 'COMPLETED' order by created_at desc, seq desc",
            [instance_id],
        )

    def delete(self, backup_ids: list[str]) -> None:
        if backup_ids:
            self.db.execute(f"delete from backups where id in ({_marks(backup_ids)})", backup_ids)

    def next_due(self) -> float | None:
        """When the next backup changes state (NEW -> BUILDING, BUILDING -> COMPLETED/FAILED)."""
        return self.db.conn.execute(self.NEXT_DUE).fetchone()[0]

    def first_due(self, now: float) -> dict | None:
        rows = self._rows(
            "select *, case status when 'NEW' then building_at else completed_at end as due_at from backups "
            f"where {IS_RUNNING} and due_at <= ? order by due_at, seq limit 1",
            [now],
        )
        return rows[0] if rows else None

    def fail_running_of_instance(self, instance_id: str, updated: str) -> int:
        cursor = self.db.execute(
            f"update backups set status = 'FAILED', updated = ? where instance_id = ? and {IS_RUNNING} "
            "and copy_of is null",
            [updated, instance_id],
        )
        return cursor.rowcount

    # schedules -------------------------------------------------------------------------------
    def insert_schedule(self, row: dict) -> None:
        sql.insert(self.db, "schedules", row)

    def next_schedule_seq(self) -> int:
        return next(select(self.db, "select coalesce(max(seq), 0) + 1 as n from schedules"))["n"]

    def schedule(self, account_id: str, schedule_id: str) -> dict | None:
        rows = list(
            select(self.db, "select * from schedules where account_id = ? and id = ?", [account_id, schedule_id])
        )
        return rows[0] if rows else None

    def schedule_by_id(self, schedule_id: str) -> dict | None:
        rows = list(select(self.db, "select * from schedules where id = ?", [schedule_id]))
        return rows[0] if rows else None

    def schedules(self, account_id: str) -> list[dict]:
        return list(select(self.db, "select * from schedules where account_id = ? order by seq", [account_id]))

    def schedule_for_instance(self, instance_id: str) -> dict | None:
        rows = list(select(self.db, "select * from schedules where instance_id = ?", [instance_id]))
        return rows[0] if rows else None

    def update_schedule(self, schedule_id: str, changes: dict) -> None:
        sql.update(self.db, "schedules", "id", schedule_id, changes)

    def delete_schedule(self, schedule_id: str) -> None:
        self.db.execute("delete from schedules where id = ?", [schedule_id])

    def delete_schedules_of_instance(self, instance_id: str) -> None:
        self.db.execute("delete from schedules where instance_id = ?", [instance_id])

    def next_schedule_due(self) -> float | None:
        return self.db.conn.execute(self.NEXT_SCHEDULE_DUE).fetchone()[0]

    def first_schedule_due(self, now: float) -> dict | None:
        rows = list(
            select(self.db, "select * from schedules where next_run_at <= ? order by next_run_at, seq limit 1", [now])
        )
        return rows[0] if rows else None

    # accounts --------------------------------------------------------------------------------
    def delete_account(self, account_id: str) -> None:
        """Remove every backup and schedule of an account (a per-account reset)."""
        self.db.execute("delete from backups where account_id = ?", [account_id])
        self.db.execute("delete from schedules where account_id = ?", [account_id])
