"""The control plane's rate-limit call (on the control sub-app): turn an account's limits on or off."""

from __future__ import annotations

from aiohttp import web

from simulator.control.schemas import keyed
from simulator.errors import BadRequest
from simulator.handlers.common import backend, json_body, ok
from simulator.http import Operation


async def set_rate_limits(request: web.Request) -> web.Response:
    """PUT /accounts/{account_id}/rate_limits {"enabled": bool}: counters start afresh"""
    body = json_body(request)
    enabled = body.get("enabled") if isinstance(body, dict) else None
    if not isinstance(enabled, bool):
        raise BadRequest("'enabled' must be true or false.")
    account_id = request.match_info["account_id"]
    backend(request).limits.set_enabled(account_id, enabled)
    return ok({"rate_limits": {"account_id": account_id, "enabled": enabled}})


# fmt: off
OPERATIONS = [
    Operation("PUT", "/accounts/{account_id}/rate_limits", set_rate_limits, "sim_set_rate_limits",
              "Turn an account's rate limits on or off", body="sim_rate_limits",
              answer=keyed("rate_limits", {"type": "object",
                                           "properties": {"account_id": {"type": "string"},
                                                          "enabled": {"type": "boolean"}},
                                           "required": ["account_id", "enabled"], "additionalProperties": False})),
]
# fmt: on
