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
from simulator.keys import SIMULATOR, SNAPSHOTS
from simulator.replay import control as replay_control


def control_routes() -> list[web.RouteDef]:
    """Every control route: the control plane's own, then the fault, replay and rate-limit rooms'."""
    return [
        *reset.ROUTES,
        *clock.ROUTES,
        *accounts.ROUTES,
        *journal.ROUTES,
        *status.ROUTES,
        *snapshots.ROUTES,
        *state.ROUTES,
        *demo.ROUTES,
        *faults_control.ROUTES,
        *replay_control.ROUTES,
        *limits_control.ROUTES,
    ]


def create_control_app(simulator: web.Application) -> web.Application:
    """The control sub-app of simulator (whose keys its handlers read through request.config_dict)."""
    control = web.Application(middlewares=[access_middleware])
    control[SIMULATOR] = simulator
    simulator[SNAPSHOTS] = Snapshots()
    control.router.add_routes(control_routes())
    health.register(control)  # open to every caller: the access rule lets it through
    dashboard.register(control)  # the web dashboard at /dashboard, behind the same access rule
    return control
