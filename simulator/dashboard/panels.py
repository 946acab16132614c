"""The dashboard's control panels, read and worked through the control services (never reimplemented): the clock,
the fault scenarios in force with their hit counts, and the account's snapshots."""

from __future__ import annotations

from aiohttp import web

from simulator.control.clock import clock_view
from simulator.control.common import faults_of
from simulator.control.snapshots import snapshot_view, snapshots_of
from simulator.errors import BadRequest, ItemNotFound
from simulator.faults.scenario import shipped_scenarios

#: The clock's advance buttons, in seconds, with their labels.
ADVANCES = ((1, "+1 s"), (10, "+10 s"), (60, "+1 min"), (600, "+10 min"), (3600, "+1 h"), (86400, "+1 day"))
#: Where a scenario loaded from the page applies.
SCOPES = {"account": "this account", "server": "the whole server"}


def clock(app: web.Application) -> dict:
    """now, mode and epoch (control/clock.py), and the advance buttons."""
    return {**clock_view(app), "advances": ADVANCES}


def scenarios(app: web.Application, account_id: str) -> dict:
    """The scenarios in force for the account (its own and the server-wide ones) and the shipped names."""
    engine = faults_of(app)
    loaded = [] if engine is None else [s for s in engine.list() if s["account_id"] in (None, account_id)]
    return {"available": engine is not None, "loaded": loaded, "shipped": list(shipped_scenarios()), "scopes": SCOPES}


def load_scenario(app: web.Application, account_id: str, name: str, scope: str) -> dict:
    """Load a shipped scenario for the account or the whole server (the fault engine's load)."""
    engine = faults_of(app)
    shipped = shipped_scenarios()
    if engine is None:
        raise BadRequest("This simulator runs without the fault engine.")
    if name not in shipped:
        raise BadRequest(f"There is no shipped scenario named {name!r}.")
    if scope not in SCOPES:
        raise BadRequest(f"'scope' must be one of {', '.join(SCOPES)}.")
    return engine.load_entry(shipped[name], account_id if scope == "account" else None)


def unload_scenario(app: web.Application, account_id: str, name: str, scope: str) -> list[dict]:
    """Unload a scenario: the account's own, or a server-wide one (as DELETE /_sim/scenarios/{name} does, every
    scope of that name); returns its rules that never fired."""
    engine = faults_of(app)
    if engine is None:
        raise BadRequest("This simulator runs without the fault engine.")
    if scope not in SCOPES:
        raise BadRequest(f"'scope' must be one of {', '.join(SCOPES)}.")
    return engine.clear_report(name, account_id if scope == "account" else None)[1]


def snapshots(app: web.Application, account_id: str) -> list[dict]:
    """The account's own snapshots (whole-state snapshots are not the account's to restore)."""
    return [snapshot_view(s) for s in snapshots_of(app).taken.values() if s["account_id"] == account_id]


def must_be_account_snapshot(app: web.Application, account_id: str, name: str) -> None:
    """404 unless name is a snapshot of this account."""
    snap = snapshots_of(app).taken.get(name)
    if snap is None or snap["account_id"] != account_id:
        raise ItemNotFound(f"Account {account_id} has no snapshot named {name}.")
