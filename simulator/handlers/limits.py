"""GET /limits (filled in by the backups issue)."""
from __future__ import annotations

from aiohttp import web

from simulator.errors import NotImplementedFault


async def show_limits(request: web.Request) -> web.Response:
    raise NotImplementedFault("Limits are not implemented yet.")
