"""The control plane (mounted at http.CONTROL_PREFIX): a sub-application with one access rule, and its services as
plain functions of the simulator's app (reset_account(app, ...), advance_clock(app, ...), ...), which the pytest
plugin calls directly."""

from __future__ import annotations

from simulator.control.accounts import check_login, create_account, delete_account, reset_account
from simulator.control.app import create_control_app
from simulator.control.clock import advance_clock, clock_view, set_clock
from simulator.control.demo import seed_demo
from simulator.control.journal import clear_journal, count_journal, journal_entries, journal_har
from simulator.control.reset import reseed, reset_all
from simulator.control.snapshots import Snapshots, delete_snapshot, restore_snapshot, snapshots_of, take_snapshot
from simulator.control.state import load_state_document, state_document
from simulator.control.status import handler_errors, status

__all__ = [
    "Snapshots",
    "advance_clock",
    "check_login",
    "clear_journal",
    "clock_view",
    "count_journal",
    "create_account",
    "create_control_app",
    "delete_account",
    "delete_snapshot",
    "handler_errors",
    "journal_entries",
    "journal_har",
    "load_state_document",
    "reseed",
    "reset_account",
    "reset_all",
    "restore_snapshot",
    "seed_demo",
    "set_clock",
    "snapshots_of",
    "state_document",
    "status",
    "take_snapshot",
]
