"""Backup copies: the backup in another region that a copy was made from (backups.copy_of)."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from simulator.repos.sql import select

migrations = Migrations("cdbsim-copies")


@migrations()
def add_copy_of(db: Database) -> None:
    """The original a copied backup was made from (NULL: a backup taken in its own region)."""
    db.table("backups").add_column("copy_of", str)
    db.table("backups").create_index(["copy_of"])


class CopiesRepo:
    """Finds a backup's copies by the scope (account and region) they were made in."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def copy_in(self, scope: str, original_id: str) -> dict | None:
        """The backup of scope that is the original itself or a copy of it (newest first), if any."""
        rows = list(
            select(
                self.db,
                "select id, status from backups where account_id = ? and (id = ? or copy_of = ?) "
                "order by seq desc limit 1",
                [scope, original_id, original_id],
            )
        )
        return rows[0] if rows else None

    def newest_copy(self, original_id: str) -> str | None:
        """The id of the newest copy made of a backup (in any region), if any."""
        row = self.db.conn.execute(
            "select id from backups where copy_of = ? order by seq desc limit 1", [original_id]
        ).fetchone()
        return row[0] if row else None

    def original_of(self, backup_id: str) -> str | None:
        """The id a backup was copied from (None: not a copy)."""
        row = self.db.conn.execute("select copy_of from backups where id = ?", [backup_id]).fetchone()
        return row[0] if row else None
