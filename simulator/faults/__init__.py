"""Scripted fault scenarios (filled in by the faults issue)."""
from __future__ import annotations

from aiohttp import web


@web.middleware
async def fault_middleware(request: web.Request, handler) -> web.StreamResponse:
    """Apply the first live fault rule that matches this request."""
    return await handler(request)


def setup_faults(app: web.Application) -> None:
    """Build the fault engine for app (scenarios from the config)."""
