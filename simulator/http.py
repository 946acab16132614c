"""The HTTP vocabulary every layer shares (pipeline, handlers, faults, replay, control): the control prefix, route
names, JSON answers and fault rendering. It imports no layer above it."""

from __future__ import annotations

import json

from aiohttp import web

from simulator.errors import SimulatorError
from simulator.keys import CONFIG

#: Where the control plane is mounted; it is never faulted, replayed or rate-limited.
CONTROL_PREFIX = "/_sim"
#: The health check: open to every caller, never journalled or recorded (probes would flood both).
HEALTH_PATH = CONTROL_PREFIX + "/health"


def is_control_path(path: str) -> bool:
    """A path of the /_sim control plane."""
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")


def route_name(request: web.Request) -> str | None:
    """The name of the route that matched (the operation id of the journal, faults and coverage)."""
    route = request.match_info.route
    return getattr(route, "name", None)


def base_url(request: web.Request) -> str:
    """Where links point: the configured public URL, else this server as the client reached it."""
    configured = request.config_dict[CONFIG].public_url
    if configured:
        return configured.rstrip("/")
    return f"{request.scheme}://{request.host}"


class JsonAnswer(web.Response):
    """A body known to be well-formed JSON (rendered here with json.dumps, or a replayed answer checked once): the
    journal keeps it without parsing it again."""


def json_answer(body, status: int = 200, headers=None) -> JsonAnswer:
    """What web.json_response gives (application/json; charset=utf-8), marked as rendered here."""
    return JsonAnswer(text=json.dumps(body), status=status, headers=headers, content_type="application/json")


def fault_response(exc: SimulatorError) -> JsonAnswer:
    """Render an error as the service does: {fault: {code, message}} with its headers."""
    return json_answer(exc.body(), status=exc.status, headers=exc.headers)
