"""Scheduled backups (filled in by the backups issue)."""
from __future__ import annotations

from aiohttp import web

from simulator.errors import NotImplementedFault


async def _todo(request: web.Request) -> web.Response:
    raise NotImplementedFault("Schedules are not implemented yet.")

list_schedules = create_schedule = show_schedule = update_schedule = delete_schedule = _todo
