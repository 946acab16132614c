"""Who may call the control plane, and how: loopback callers (not relayed by a reverse proxy unless the user trusts
it) or callers whose X-Admin-Token is config.admin_token; and no state-changing call a page of another site sent or
could have sent (pipeline/trust.py). One middleware for every route under /_sim/, the dashboard's forms included."""

from __future__ import annotations

import ipaddress

from aiohttp import web

from simulator.errors import Forbidden
from simulator.http import CONTROL_PREFIX, HEALTH_PATH
from simulator.keys import CONFIG
from simulator.pipeline.trust import check_not_cross_site, is_forwarded

#: The message of the 403 a refused caller gets.
REFUSED = f"The {CONTROL_PREFIX}/ control API answers loopback callers only, or callers with the admin token."


def may_control(request: web.Request) -> bool:
    """The caller sent the configured admin token, or comes from a loopback address itself (a loopback peer that
    relays for others, a reverse proxy, counts only when the user said to trust it)."""
    config = request.config_dict[CONFIG]
    if config.admin_token and request.headers.get("X-Admin-Token") == config.admin_token:
        return True
    if is_forwarded(request) and not config.trust_proxy:
        return False
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
    check_not_cross_site(request)
    return await handler(request)
