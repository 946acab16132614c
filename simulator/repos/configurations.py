"""Configuration groups: the groups, the values each holds, and which instances have one attached."""

from __future__ import annotations

import json

from sqlite_utils import Database, Migrations

from simulator.repos import sql
from simulator.repos.sql import select

migrations = Migrations("cdbsim-configurations")


@migrations()
def create_configurations(db: Database) -> None:
    """Groups and their values (a value is JSON text: an integer stays an integer); the group attached to an
    instance is a column of the instance, as in Trove's instances table."""
    db.table("configurations").create(
        {
            "id": str,
            "account_id": str,
            "name": str,
            "description": str,
            "datastore_version_id": str,
            "created": str,
            "updated": str,
        },
        pk="id",
        not_null={"account_id", "name", "datastore_version_id"},
    )
    db.table("configurations").create_index(["account_id", "id"])
    db.table("configuration_values").create(
        {"configuration_id": str, "name": str, "value": str},
        pk=("configuration_id", "name"),
    )
    db.table("instances").add_column("configuration_id", str)
    db.table("instances").create_index(["configuration_id"])


class ConfigurationsRepo:
    """Queries on configurations and configuration_values, and the instances that use a group."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # groups ----------------------------------------------------------------------------------
    def insert(self, row: dict, values: dict) -> None:
        """A new group and its values."""
        sql.insert(self.db, "configurations", row)
        self.merge_values(row["id"], values)

    def get(self, account_id: str, configuration_id: str) -> dict | None:
        rows = list(
            select(
                self.db, "select * from configurations where account_id = ? and id = ?", [account_id, configuration_id]
            )
        )
        return rows[0] if rows else None

    def exists(self, configuration_id: str) -> bool:
        """Is this id used by any account's group (ids stay unique across accounts)?"""
        return self.db.execute("select 1 from configurations where id = ?", [configuration_id]).fetchone() is not None

    def page(self, account_id: str, limit: int, marker: str | None) -> list[dict]:
        """Up to limit+1 groups after marker, ordered by id (the extra row says a next page exists)."""
        return list(
            select(
                self.db,
                "select * from configurations where account_id = ? and id > ? order by id limit ?",
                [account_id, marker or "", limit + 1],
            )
        )

    def names(self, configuration_ids: set[str]) -> dict[str, str]:
        """id -> name of these groups (what an instance's view shows of its group)."""
        if not configuration_ids:
            return {}
        marks = ",".join("?" * len(configuration_ids))
        return {
            r["id"]: r["name"]
            for r in select(
                self.db, f"select id, name from configurations where id in ({marks})", list(configuration_ids)
            )
        }

    def update(self, configuration_id: str, changes: dict) -> None:
        sql.update(self.db, "configurations", "id", configuration_id, changes)

    def delete(self, configuration_id: str) -> None:
        """Remove a group and its values."""
        self.db.execute("delete from configuration_values where configuration_id = ?", [configuration_id])
        self.db.execute("delete from configurations where id = ?", [configuration_id])

    # values ----------------------------------------------------------------------------------
    def values(self, configuration_id: str) -> dict:
        """The group's values by name (sorted), with their JSON types."""
        return {
            r["name"]: json.loads(r["value"])
            for r in select(
                self.db,
                "select name, value from configuration_values where configuration_id = ? order by name",
                [configuration_id],
            )
        }

    def merge_values(self, configuration_id: str, values: dict) -> None:
        """Set these values (others stay as they are)."""
        self.db.table("configuration_values").insert_all(
            [
                {"configuration_id": configuration_id, "name": name, "value": json.dumps(value)}
                for name, value in values.items()
            ],
            replace=True,
        )

    def replace_values(self, configuration_id: str, values: dict) -> None:
        """Make the group hold exactly these values."""
        self.db.execute("delete from configuration_values where configuration_id = ?", [configuration_id])
        self.merge_values(configuration_id, values)

    # instances using a group -------------------------------------------------------------------
    def instance_count(self, account_id: str, configuration_id: str) -> int:
        """Instances of the account with the group attached (those being deleted still count, as in Trove)."""
        return self.db.execute(
            "select count(*) from instances where configuration_id = ? and account_id = ?",
            [configuration_id, account_id],
        ).fetchone()[0]

    def instances_page(self, account_id: str, configuration_id: str, limit: int, marker: str | None) -> list[dict]:
        """Up to limit+1 (id, name) of the instances using the group, after marker, ordered by id."""
        return list(
            select(
                self.db,
                "select id, name from instances where configuration_id = ? and account_id = ? "
                "and id > ? order by id limit ?",
                [configuration_id, account_id, marker or "", limit + 1],
            )
        )

    def attached(self, account_id: str, configuration_id: str) -> list[dict]:
        """Every instance row of the account with the group attached."""
        return list(
            select(
                self.db,
                "select * from instances where configuration_id = ? and account_id = ? order by id",
                [configuration_id, account_id],
            )
        )
