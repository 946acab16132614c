"""What the control modules share: the simulator behind a control request, JSON-object bodies, the account check."""

from __future__ import annotations

from aiohttp import web

from simulator.errors import BadRequest, ItemNotFound
from simulator.faults.engine import FaultEngine
from simulator.handlers.common import json_body
from simulator.keys import BACKEND, FAULTS, SIMULATOR


def simulator_of(request: web.Request) -> web.Application:
    """The app whose state a control call reads and changes (the services take it, as the pytest plugin does)."""
    return request.config_dict[SIMULATOR]


def object_body(request: web.Request, allowed: set[str] | None = None) -> dict:
    """The JSON body as an object ({} when empty); 400 for another JSON value or a field not in allowed."""
    body = json_body(request)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.")
    if allowed is not None and set(body) - allowed:
        raise BadRequest(f"Unknown field(s): {', '.join(sorted(set(body) - allowed))}.")
    return body


def must_have_account(app: web.Application, account_id: str) -> None:
    """404 unless the account exists."""
    if app[BACKEND].identity.account(account_id) is None:
        raise ItemNotFound(f"Account {account_id} cannot be found.")


def faults_of(app: web.Application) -> FaultEngine | None:
    """The fault engine, when the app has one (scenarios are cleared and restored with the rows)."""
    return app.get(FAULTS)
