"""Replication sets: which instance replicates from which (instances.replica_of, as Trove's slave_of_id)."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from simulator.repos.sql import select

migrations = Migrations("cdbsim-replication")


@migrations()
def add_replica_of(db: Database) -> None:
    """The source an instance replicates from (NULL: none); a column of the instance, as in Trove."""
    db.table("instances").add_column("replica_of", str)
    db.table("instances").create_index(["replica_of"])


def _marks(values) -> str:
    return ", ".join("?" for _ in values)


class ReplicationRepo:
    """Queries on the replication pointers between instances."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def replicas(self, source_id: str) -> list[dict]:
        """The instances replicating from source_id (those being deleted included), oldest first."""
        return list(select(self.db, "select * from instances where replica_of = ? order by seq", [source_id]))

    def live_replicas(self, source_id: str) -> list[dict]:
        """The replicas that count against the per-source limit (not those being deleted)."""
        return list(
            select(
                self.db,
                "select * from instances where replica_of = ? and task is not 'SHUTDOWN' order by seq",
                [source_id],
            )
        )

    def replica_names(self, source_ids: list[str]) -> dict[str, list[dict]]:
        """source id -> its replicas' ids and names (oldest first), for many sources in one query."""
        out: dict[str, list[dict]] = {}
        if not source_ids:
            return out
        rows = select(
            self.db,
            f"select id, name, replica_of from instances where replica_of in ({_marks(source_ids)}) order by seq",
            source_ids,
        )
        for row in rows:
            out.setdefault(row["replica_of"], []).append({"id": row["id"], "name": row["name"]})
        return out

    def sources(self) -> set[str]:
        """Every instance that some replica replicates from."""
        return {
            r[0]
            for r in self.db.conn.execute(
                "select distinct replica_of from instances where replica_of is not null"
            ).fetchall()
        }

    def point(self, instance_ids: list[str], source_id: str | None) -> None:
        """Make these instances replicate from source_id (None: from nothing, standalone)."""
        if instance_ids:
            self.db.execute(
                f"update instances set replica_of = ? where id in ({_marks(instance_ids)})", [source_id, *instance_ids]
            )
