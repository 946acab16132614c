"""Repositories: the store's queries, one module per group of tables."""
from __future__ import annotations

import importlib

#: (attribute on Store, module, class). Feature packages add their line here.
REPOSITORIES = [
    ("accounts", "simulator.repos.accounts", "AccountsRepo"),
    ("instances", "simulator.repos.instances", "InstancesRepo"),
    ("journal", "simulator.repos.journal", "JournalRepo"),
    ("backups", "simulator.repos.backups", "BackupsRepo"),
    ("faults", "simulator.faults.repo", "FaultsRepo"),
    ("state", "simulator.repos.state", "StateRepo"),
]

#: Modules whose `migrations` set is applied after the core one. Feature packages add theirs here.
MIGRATION_MODULES: list[str] = ["simulator.repos.backups", "simulator.faults.migrations"]


def attach_repositories(store) -> None:
    """Give store one attribute per repository."""
    for attr, module, cls in REPOSITORIES:
        setattr(store, attr, getattr(importlib.import_module(module), cls)(store.db))


def feature_migrations() -> list:
    """The migration sets of the feature packages, in order."""
    return [importlib.import_module(m).migrations for m in MIGRATION_MODULES]
