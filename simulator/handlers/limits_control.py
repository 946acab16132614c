"""/_sim/ calls for rate limits: turn an account's limits on or off."""
from __future__ import annotations

from aiohttp import web

from simulator.errors import BadRequest
from simulator.handlers.common import backend, json_body, ok
from simulator.handlers.control import require_control


async def set_rate_limits(request: web.Request) -> web.Response:
    """PUT /_sim/accounts/{account_id}/rate_limits {"enabled": bool}: counters start afresh"""
    require_control(request)
    body = json_body(request)
    enabled = body.get("enabled") if isinstance(body, dict) else None
    if not isinstance(enabled, bool):
        raise BadRequest("'enabled' must be true or false.")
    account_id = request.match_info["account_id"]
    backend(request).limits.set_enabled(account_id, enabled)
    return ok({"rate_limits": {"account_id": account_id, "enabled": enabled}})


ROUTES = [
    web.put("/_sim/accounts/{account_id}/rate_limits", set_rate_limits, name="sim_set_rate_limits"),
]
