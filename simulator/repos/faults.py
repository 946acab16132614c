"""The fault scenarios' table and queries: the loaded scenarios, so a state file keeps them across restarts."""

from __future__ import annotations

import datetime as dt
import json

from sqlite_utils import Database, Migrations


def _jsonable(value):
    """YAML gives datetimes for unquoted times (kept as ISO text); anything else odd is kept as its text."""
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)


migrations = Migrations("cdbsim-faults")


@migrations()
def create_fault_scenarios(db: Database) -> None:
    db.table("fault_scenarios").create(
        {"key": str, "name": str, "account_id": str, "seq": int, "origin": str, "definition": str, "loaded_at": float},
        pk="key",
        not_null={"name", "seq", "definition"},
    )


class FaultsRepo:
    """Queries on fault_scenarios."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def save(
        self, key: str, name: str, account_id: str | None, origin: str, definition: dict, loaded_at: float
    ) -> None:
        """Insert or replace a scenario; it goes last in the load order."""
        seq = next(iter(self.db.query("select coalesce(max(seq), 0) + 1 as n from fault_scenarios")))["n"]
        self.db.table("fault_scenarios").insert(
            {
                "key": key,
                "name": name,
                "account_id": account_id,
                "seq": seq,
                "origin": origin,
                "definition": json.dumps(definition, default=_jsonable),
                "loaded_at": loaded_at,
            },
            replace=True,
        )

    def delete(self, keys: list[str]) -> None:
        for key in keys:
            self.db.execute("delete from fault_scenarios where key = ?", [key])

    def all(self) -> list[dict]:
        """Every saved scenario in load order, with its definition parsed."""
        rows = list(self.db.query("select * from fault_scenarios order by seq"))
        for row in rows:
            row["definition"] = json.loads(row["definition"])
        return rows
