"""The core schema, as sqlite-utils migrations (never edit an applied one; add a new one)."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("cdbsim")


@migrations()
def create_identity(db: Database) -> None:
    db.table("accounts").create(
        {"id": str, "name": str, "created": str, "rate_limits": int, "settings": str},
        pk="id",
    )
    db.table("users").create(
        {
            "id": str,
            "account_id": str,
            "username": str,
            "api_key_hash": str,
            "password_hash": str,
            "role": str,
            "created": str,
        },
        pk="id",
        not_null={"account_id", "username", "role"},
    )
    db.table("users").create_index(["username"], unique=True)
    db.table("tokens").create(
        {"hash": str, "user_id": str, "account_id": str, "expires": float, "issued": float},
        pk="hash",
    )
    db.table("tokens").create_index(["account_id"])


@migrations()
def create_instances(db: Database) -> None:
    db.table("instances").create(
        {
            "id": str,
            "account_id": str,
            "seq": int,
            "name": str,
            "flavor_id": int,
            "volume_size": int,
            "datastore_type": str,
            "datastore_version": str,
            "datastore_version_id": str,
            "hostname": str,
            "created": str,
            "updated": str,
            "created_at": float,
            "status": str,
            "task": str,
            "task_until": float,
            "task_data": str,
            "root_enabled": int,
            "root_password_hash": str,
            "fault": str,
        },
        pk="id",
        not_null={"account_id", "name", "status"},
    )
    db.table("instances").create_index(["account_id", "id"])
    db.table("instances").create_index(["task_until"])
    db.table("databases").create(
        {"instance_id": str, "name": str, "character_set": str, "collate": str},
        pk=("instance_id", "name"),
    )
    db.table("db_users").create(
        {"instance_id": str, "name": str, "host": str, "password_hash": str},
        pk=("instance_id", "name", "host"),
    )
    db.table("grants").create(
        {"instance_id": str, "user_name": str, "user_host": str, "database": str},
        pk=("instance_id", "user_name", "user_host", "database"),
    )


@migrations()
def create_journal(db: Database) -> None:
    db.table("journal").create(
        {
            "seq": int,
            "account_id": str,
            "time": str,
            "method": str,
            "path": str,
            "query": str,
            "route": str,
            "status": int,
            "rule": str,
            "action": str,
            "note": str,
            "duration_ms": float,
            "request": str,
            "response": str,
        },
        pk="seq",
    )
    db.table("journal").create_index(["account_id", "seq"])
    db.table("rate_counters").create(
        {"account_id": str, "limit_key": str, "window_start": float, "count": int},
        pk=("account_id", "limit_key"),
    )


@migrations()
def create_meta(db: Database) -> None:
    db.table("meta").create({"key": str, "value": str}, pk="key")


@migrations()
def add_hot_path_indexes(db: Database) -> None:
    """Quota counts, sequence numbers and due steps without table scans."""
    db.table("instances").create_index(["account_id", "task"])
    db.table("instances").create_index(["seq"])
    db.table("journal").create_index(["route"])


@migrations()
def add_state_size_indexes(db: Database) -> None:
    """Issue 25: the users page in name@host order without sorting every user of the instance; a database's
    grants found without reading every grant of the instance."""
    db.execute("create index if not exists db_users_page on db_users(instance_id, (name || '@' || host))")
    db.execute("create index if not exists grants_database on grants(instance_id, database)")


#: The tables whose rows say who a caller is and what their account allows (tokens, identity users, accounts).
IDENTITY_TABLES = ("accounts", "users", "tokens")


@migrations()
def count_identity_changes(db: Database) -> None:
    """Issue 25: triggers count every change to accounts, users and tokens in _identity_changes (derived, so its
    leading "_" keeps it out of the world's tables), so the token, rate-limit and quota lookups are kept across
    writes that change none of them (a restore POST) instead of being asked again after every write."""
    db.execute("create table if not exists _identity_changes (id integer primary key check (id = 1), n integer)")
    db.execute("insert or ignore into _identity_changes (id, n) values (1, 0)")
    for table in IDENTITY_TABLES:
        for event in ("insert", "update", "delete"):
            db.execute(
                f"create trigger if not exists identity_changes_{table}_{event} after {event} on {table} "
                "begin update _identity_changes set n = n + 1 where id = 1; end"
            )


@migrations()
def journal_entry_sizes(db: Database) -> None:
    """Issue 25: each journal entry keeps its size (ENTRY_BYTES read it instead of measuring two texts), so pruning
    by the row limit no longer measures the texts it drops. The index on route alone goes: every entry paid it
    twice (written, pruned), and only a control query for a route across every account used it, on a journal
    that keeps at most its limit of entries."""
    db.execute("alter table journal add column size integer")
    db.execute("drop index if exists idx_journal_route")


@migrations()
def instances_due_order(db: Database) -> None:
    """Issue 25: the instance whose task ends first is found in the order the settle takes them (task_until, then
    seq) along one index; on task_until alone each settle step sorted the due rows in a temporary b-tree. The new
    index also answers the next-due time (its first non-null task_until), so the old one goes."""
    db.execute("create index if not exists instances_due on instances(task_until, seq)")
    db.execute("drop index if exists idx_instances_task_until")
