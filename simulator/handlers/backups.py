"""Backups (filled in by the backups issue)."""
from __future__ import annotations

from aiohttp import web

from simulator.errors import NotImplementedFault


async def _todo(request: web.Request) -> web.Response:
    raise NotImplementedFault("Backups are not implemented yet.")

list_backups = create_backup = show_backup = delete_backup = backup_action = list_instance_backups = _todo
