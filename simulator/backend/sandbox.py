"""Sandbox: the store-wide operations the control plane needs (wipe, an account's rows, whole-database copies)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.backend import Backend

#: The account and who may call it (the account, its users, their tokens): emptying an account keeps these.
IDENTITY = ("accounts", "users", "tokens")
#: What an account snapshot leaves out: history (the journal, rate counters) and test set-up (fault scenarios).
NOT_ACCOUNT_STATE = ("journal", "rate_counters", "fault_scenarios", "transitions")

#: An account's rows by table, as account_rows gives them and replace_account_rows takes them.
AccountRows = dict[str, list[dict]]


class Sandbox:
    """Resets, deletions and snapshots of the simulated world, below the API's rules: rows go and come back whole."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.store = backend.store

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """One control call's steps (rows, fault scenarios, the demo account) commit together or not at all."""
        with self.store.atomic():
            yield

    def wipe(self) -> None:
        """Every row of the simulated world gone (the schema and meta stay)."""
        self.store.state.wipe()

    def empty_account(self, account_id: str) -> int:
        """Remove the account's rows but its identity (the account, its users and tokens); returns how many."""
        return self.store.state.delete_account_rows(account_id, exclude=IDENTITY)

    def delete_account(self, account_id: str) -> int:
        """Remove every row of the account, itself included; returns how many."""
        return self.store.state.delete_account_rows(account_id)

    def account_rows(self, account_id: str) -> AccountRows:
        """The account's state for a snapshot: its rows by table, without history or fault scenarios."""
        return self.store.state.account_rows(account_id, exclude=NOT_ACCOUNT_STATE)

    def replace_account_rows(self, account_id: str, rows: AccountRows) -> None:
        """Bring back what account_rows gave: the account holds exactly those rows in their tables."""
        with self.store.atomic():
            self.store.state.replace_account_rows(account_id, rows)

    def has_account(self, account_id: str) -> bool:
        return self.store.accounts.get(account_id) is not None

    def state_columns(self) -> dict[str, dict[str, str]]:
        """The tables a state document may hold (the world's, less history and test set-up) and their columns."""
        return self.store.state.columns(exclude=NOT_ACCOUNT_STATE)

    def account_tables(self) -> list[str]:
        """The state tables that hold rows of an account."""
        return self.store.state.account_tables(exclude=NOT_ACCOUNT_STATE)

    def world_rows(self) -> AccountRows:
        """Every account's state, by table (what a whole-sandbox state document holds)."""
        return self.store.state.all_rows(exclude=NOT_ACCOUNT_STATE)

    def replace_world(self, rows: AccountRows) -> None:
        """The named tables hold exactly rows (every account's state replaced)."""
        with self.store.atomic():
            self.store.state.replace_all(rows)

    def account_count(self) -> int:
        return len(self.store.accounts.list())

    def save_to(self, path: str) -> None:
        """Copy the whole database to a file (SQLite's backup API, which cannot run inside a transaction)."""
        with self.store.outside_transaction():
            self.store.backup_to(path)

    def load_from(self, path: str) -> None:
        """Replace the whole database with a copy save_to made."""
        with self.store.outside_transaction():
            self.store.restore_from(path)
        self.store.lifecycle.forget_after(0)  # what the copy's outbox held is no transition of this run
