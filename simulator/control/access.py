"""Who may call the control plane: loopback callers, or callers whose X-Admin-Token is config.admin_token."""

from __future__ import annotations

import ipaddress

from aiohttp import web

from simulator.errors import Forbidden
from simulator.http import CONTROL_PREFIX, HEALTH_PATH
from simulator.keys import CONFIG

#: The message of the 403 a refused caller gets.
REFUSED = f"The {CONTROL_PREFIX}/ control API answers loopback callers only, or callers with the admin token."


def may_control(request: web.Request) -> bool:
    """The caller sent the configured admin token, or comes from a loopback address."""
    admin = request.config_dict[CONFIG].admin_token
    if admin and request.headers.get("X-Admin-Token") == admin:
        return True
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:
        return False


@web.middleware
async def access_middleware(request: web.Request, handler) -> web.StreamResponse:
    """The one access rule of every control route (the control sub-app's only middleware); the health check
    answers everyone (it tells nothing but the version and whether the state can be read)."""
    if request.path != HEALTH_PATH and not may_control(request):
        raise Forbidden(REFUSED)
    return await handler(request)
