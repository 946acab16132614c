"""create_control_app(simulator): the control plane as an aiohttp sub-application, mounted by create_app at
CONTROL_PREFIX; its one middleware is the access rule, and every room (faults, replay, rate limits) adds its routes.

Route paths here are relative to the prefix; route names are the journal's and the OpenAPI document's."""

from __future__ import annotations

from aiohttp import web

from simulator import dashboard
from simulator.control import accounts, clock, demo, health, journal, reset, snapshots, state, status
from simulator.control import limits as limits_control
from simulator.control.access import access_middleware
from simulator.control.snapshots import Snapshots
from simulator.faults import control as faults_control
from simulator.http import Operation
from simulator.keys import SIMULATOR, SNAPSHOTS
from simulator.replay import control as replay_control


def control_operations() -> list[Operation]:
    """Every control operation (paths under CONTROL_PREFIX): the control plane's own, then the fault, replay and
    rate-limit rooms'."""
    return [
        *reset.OPERATIONS,
        *clock.OPERATIONS,
        *accounts.OPERATIONS,
        *journal.OPERATIONS,
        *status.OPERATIONS,
        *snapshots.OPERATIONS,
        *state.OPERATIONS,
        *health.OPERATIONS,
        *demo.OPERATIONS,
        *faults_control.OPERATIONS,
        *replay_control.OPERATIONS,
        *limits_control.OPERATIONS,
    ]


def create_control_app(simulator: web.Application) -> web.Application:
    """The control sub-app of simulator (whose keys its handlers read through request.config_dict)."""
    control = web.Application(middlewares=[access_middleware])
    control[SIMULATOR] = simulator
    snapshots = simulator[SNAPSHOTS] = Snapshots()

    async def remove_snapshots(_: web.Application) -> None:
        snapshots.remove_folder()

    simulator.on_cleanup.append(remove_snapshots)  # Ctrl-C and SIGTERM alike (serve/server.py)
    control.router.add_routes([op.route() for op in control_operations()])
    health.register(control)  # uptime counts from here; the access rule lets /health through for every caller
    dashboard.register(control)  # the web dashboard at /dashboard, behind the same access rule
    return control
