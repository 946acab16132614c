"""Restore from a backup, in two steps: the create checks (Trove's, in Trove's order) and writes the instance in BUILD
with its plan; when the build ends, what the backup's chain holds then is put on the instance (contents)."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from simulator.backend.cache import ModelCache
from simulator.backend.chains import EMPTY, held, links
from simulator.backend.schemas import UUID_PATTERN
from simulator.config import Durations
from simulator.errors import BadRequest, Conflict, not_found
from simulator.reference import catalog
from simulator.reference.catalog import DatastoreVersion
from simulator.repos.backups import BackupsRepo

_UUID = re.compile(UUID_PATTERN)
#: How many chains' contents a planner keeps worked out (each a few databases and users).
HELD_KEPT = 256


@dataclass(frozen=True, slots=True)
class RestorePlan:
    """What a restore's instance create needs: the backup it restores, the datastore version the instance gets and
    how long the build takes. What the backup holds is not written now: the build's end reads the chain as it is
    then (RestorePlanner.contents), so a link deleted meanwhile fails the restore."""

    backup_id: str
    version: DatastoreVersion
    build_seconds: float


class RestorePlanner:
    """The rules of a restore: which backup a restorePoint names, whether it can be restored here, and what then."""

    def __init__(self, repo: BackupsRepo, durations: Durations, backups_version: Callable[[], Hashable]) -> None:
        self.repo = repo
        self.durations = durations
        #: (account, backup id) -> (its row, its chain), as read while backups_version (Backend's: a count of the
        #: changes to backup rows) stands: a restore's create and its build's end (the next request's settle) read
        #: the same backup, and so do restores of one backup. Shared values: read them, never change them.
        self._read: ModelCache = ModelCache(backups_version, budget=HELD_KEPT)
        #: held(chain) by the chain's contents texts (all it depends on): a restore's create and its build's end
        #: read the same chain, and restores of one backup repeat it. Its values are shared: never changed.
        self._held: dict[tuple[str, ...], dict] = {}

    def plan(
        self,
        account_id: str,
        backup_ref: Any,
        *,
        version: DatastoreVersion | None,
        volume_size: int,
        databases: list[dict],
        users: list[dict],
    ) -> RestorePlan:
        """Trove's checks in Trove's order: not an id 400, unknown 404, not COMPLETED 409, too large 400, other
        datastore 400; then the request's databases and users must be new to the backup (400). Without a requested
        version the instance gets the backup's (the seed page's answer)."""
        row, chain = self.find(account_id, backup_ref)
        version = version or catalog.find_version(row["datastore_version_id"])
        self.check(row, volume_size, version)
        contents = self.held(chain) if chain is not None else EMPTY
        self.check_new_names(contents, databases, users)
        chain_size = round(sum(link["size"] or 0 for link in chain or [row]), 2)
        return RestorePlan(row["id"], version, self.durations.build + chain_size * self.durations.restore_per_gb)

    def find(self, account_id: str, backup_ref: Any) -> tuple[dict, list[dict] | None]:
        """The backup a restorePoint names (an id or an href ending in one) and its chain (links()): 400 if not an
        id, 404 if unknown."""
        ref = str(backup_ref)
        backup_id = ref.rstrip("/").rsplit("/", 1)[-1]
        if not _UUID.match(backup_id):
            raise BadRequest(
                f"Validation error: instance['restorePoint']['backupRef'] '{ref}' does not match '{UUID_PATTERN}'"
            )
        row, chain = self.read(account_id, backup_id)
        if row is None:
            raise not_found(backup_id)
        return row, chain

    def read(self, account_id: str, backup_id: str) -> tuple[dict | None, list[dict] | None]:
        """The backup's row (RESTORE_COLUMNS; None when the account holds no such backup) and its chain (None when a
        link is gone), kept while no backup row changes."""
        return self._read.fetch((account_id, backup_id), self._read_now, account_id, backup_id)

    def _read_now(self, account_id: str, backup_id: str) -> tuple[dict | None, list[dict] | None]:
        row = self.repo.get_for_restore(account_id, backup_id)
        return row, links(self.repo, row) if row else None

    @staticmethod
    def check(row: dict, volume_size: int, version: DatastoreVersion) -> None:
        """Trove's checks on the backup found: 409 not COMPLETED, 400 too large, 400 another datastore."""
        if row["status"] != "COMPLETED":
            raise Conflict(
                f"Unable to create instance because backup {row['id']} is not completed. Actual state: {row['status']}."
            )
        if row["size"] > volume_size:
            raise BadRequest(
                f"Backup is too large for given flavor or volume. Backup size: {row['size']} GBs. "
                f"Available size: {volume_size} GBs."
            )
        if row["datastore_type"] != version.datastore_name:
            raise BadRequest(
                f"The datastore from which the backup was taken, {row['datastore_type']}, does not "
                f"match the destination datastore of {version.datastore_name}."
            )

    @staticmethod
    def check_new_names(contents: dict, databases: list[dict], users: list[dict]) -> None:
        """Databases and users created with a restore must not be in the backup already (400)."""
        clash = sorted({d["name"] for d in databases} & set(contents["databases"]))
        if clash:
            raise BadRequest(
                f"Database '{clash[0]}' is already in the backup being restored; "
                f"databases created with a restore must have new names."
            )
        uclash = sorted({f"{u['name']}@{u['host']}" for u in users} & set(contents["users"]))
        if uclash:
            raise BadRequest(
                f"User '{uclash[0]}' is already in the backup being restored; "
                f"users created with a restore must have new names."
            )

    def contents(self, account_id: str, backup_id: str) -> dict | None:
        """What the build puts on the instance when it ends: the chain as it is then, or None when a link is gone
        or not COMPLETED (the restore ends in ERROR)."""
        _, chain = self.read(account_id, backup_id)
        if chain is None or any(link["status"] != "COMPLETED" for link in chain):
            return None
        return self.held(chain)

    def held(self, chain: list[dict]) -> dict:
        """chains.held(chain), worked out once per distinct chain contents (read it, never change it)."""
        key = tuple(link["contents"] for link in chain)
        found = self._held.get(key)
        if found is None:
            if len(self._held) >= HELD_KEPT:
                self._held.clear()
            found = self._held[key] = held(chain)
        return found
