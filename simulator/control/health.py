"""Control: the health check (GET /_sim/health) that container runtimes, CI services and scripts poll.

It answers every caller (no token, not only loopback: a container's HEALTHCHECK or a CI runner probes from
outside), and it is never journalled or recorded (http.HEALTH_PATH is skipped by the journal middleware)."""

from __future__ import annotations

import time

from aiohttp import web

from simulator.control.common import simulator_of
from simulator.errors import ServiceUnavailable
from simulator.handlers.common import ok
from simulator.http import Operation
from simulator.keys import STORE
from simulator.version import installed_version
from simulator.views.common import ref

#: When the control plane was built (time.monotonic()), kept on the control sub-app.
STARTED = web.AppKey("started", float)


def health(app: web.Application, started: float) -> dict:
    """The health document; 503 serviceUnavailable naming the problem when the state cannot be used."""
    store = app[STORE]
    problem = store.problem()
    if problem:
        raise ServiceUnavailable(f"cdbsim {installed_version()} is unhealthy: its state cannot be used ({problem}).")
    return {
        "status": "ok",
        "version": installed_version(),
        "uptime_seconds": round(time.monotonic() - started, 3),
        "state": {"path": store.path, "ok": True},
    }


async def show_health(request: web.Request) -> web.Response:
    """GET /health: status, version, uptime and the state file (503 serviceUnavailable when it cannot be used)"""
    return ok(health(simulator_of(request), request.app[STARTED]))


OPERATIONS = [
    Operation(
        "GET",
        "/health",
        show_health,
        "sim_health",
        "Health: status, version, uptime, whether the state can be read (any caller; not journalled)",
        answer=ref("Health"),
    ),
]


def register(control: web.Application) -> None:
    """The moment uptime counts from (the route is one of the control plane's OPERATIONS)."""
    control[STARTED] = time.monotonic()
