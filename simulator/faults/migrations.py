"""The faults' schema: the loaded scenarios, so a state file keeps them across restarts."""
from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("cdbsim-faults")


@migrations()
def create_fault_scenarios(db: Database) -> None:
    db["fault_scenarios"].create(
        {"key": str, "name": str, "account_id": str, "seq": int, "origin": str, "definition": str,
         "loaded_at": float},
        pk="key", not_null={"name", "seq", "definition"},
    )
