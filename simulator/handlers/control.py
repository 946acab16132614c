"""Temporary face: the control services moved to simulator.control; the pytest plugin imports them from here until
it switches to `from simulator import control` (then this module goes)."""
from __future__ import annotations

from simulator.control import (
                               advance_clock,
                               clock_view,
                               create_account,
                               delete_account,
                               handler_errors,
                               journal_entries,
                               journal_har,
                               reseed,
                               reset_account,
                               restore_snapshot,
                               set_clock,
                               status,
                               take_snapshot,
)

__all__ = ["advance_clock", "clock_view", "create_account", "delete_account", "handler_errors", "journal_entries",
           "journal_har", "reseed", "reset_account", "restore_snapshot", "set_clock", "status", "take_snapshot"]
