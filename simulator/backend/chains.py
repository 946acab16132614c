"""Backup chains: a full backup holds what its instance held, an incremental the change since its parent."""

from __future__ import annotations

import json

from simulator.repos.backups import BackupsRepo

#: What an instance with no databases and no users holds (the base of a full backup).
EMPTY: dict = {"databases": {}, "users": {}}


def diff(base: dict, target: dict) -> dict:
    """What turns base into target: per kind, the entries to set and the keys to drop."""
    out = {}
    for kind in ("databases", "users"):
        old, new = base.get(kind, {}), target.get(kind, {})
        out[kind] = {
            "set": {k: v for k, v in new.items() if old.get(k) != v},
            "drop": sorted(k for k in old if k not in new),
        }
    return out


def links(repo: BackupsRepo, row: dict) -> list[dict] | None:
    """The backups from the full one down to row, in that order; None when a parent is gone."""
    if not row["parent_id"]:
        return [row]
    chain = [row, *repo.ancestry(row["account_id"], row["parent_id"])]  # one query for the whole chain
    if len(chain) < 2 or chain[-1]["parent_id"] or row["id"] in {link["id"] for link in chain[1:]}:
        return None  # a parent is gone, or the chain loops
    return chain[::-1]


def held(chain: list[dict]) -> dict:
    """What the last backup of chain records: the full backup, then each increment in order (diff's inverse: its
    drops, then its sets), on one state built here (a copy of the state at each link grew with the square of the
    links)."""
    state: dict = {kind: {} for kind in EMPTY}
    for change in json.loads("[" + ",".join(link["contents"] for link in chain) + "]"):  # one parse, not one a link
        for kind, entries in state.items():
            for key in change[kind]["drop"]:
                entries.pop(key, None)
            entries.update(change[kind]["set"])
    return state


def composed(repo: BackupsRepo, row: dict) -> dict | None:
    """The state a backup records, whatever its links' statuses (None when the chain is broken)."""
    chain = links(repo, row)
    return held(chain) if chain is not None else None
