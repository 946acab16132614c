"""GET /limits: absolute limits and the rate limits with what is left of them (Trove's shape)."""

from __future__ import annotations

from aiohttp import web

from simulator.handlers.common import backend, ok


async def show_limits(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/limits (the account's own counters and quotas, whichever region is asked)"""
    return ok({"limits": backend(request).limits.report(request.match_info["account_id"])})
