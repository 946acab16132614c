"""The /_sim/ control plane: clock, accounts, journal, reset (loopback only unless an admin token is given)."""
from __future__ import annotations

import ipaddress

from aiohttp import web

from simulator.clock import api_time, parse_time
from simulator.errors import BadRequest, Forbidden, ItemNotFound
from simulator.handlers.common import backend, json_body, ok
from simulator.keys import CLOCK, CONFIG, JOURNAL


def require_control(request: web.Request) -> None:
    """Control calls come from loopback, or carry X-Admin-Token equal to the configured admin token."""
    admin = request.app[CONFIG].admin_token
    if admin and request.headers.get("X-Admin-Token") == admin:
        return
    peer = request.remote or ""
    try:
        if ipaddress.ip_address(peer).is_loopback:
            return
    except ValueError:
        pass
    raise Forbidden("The /_sim/ control API answers loopback callers only, or callers with the admin token.")


def _body(request: web.Request) -> dict:
    body = json_body(request)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.")
    return body


def _clock_view(request: web.Request) -> dict:
    clock = request.app[CLOCK]
    return {"clock": {"mode": clock.mode, "now": api_time(clock.now()) + "Z", "epoch": clock.time()}}


async def show_clock(request: web.Request) -> web.Response:
    """GET /_sim/clock"""
    require_control(request)
    return ok(_clock_view(request))


async def advance_clock(request: web.Request) -> web.Response:
    """POST /_sim/clock/advance {"seconds": N}"""
    require_control(request)
    seconds = _body(request).get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        raise BadRequest("'seconds' must be a number >= 0.")
    try:
        request.app[CLOCK].advance(seconds)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    backend(request).settle()
    return ok(_clock_view(request))


async def set_clock(request: web.Request) -> web.Response:
    """PUT /_sim/clock {"now": ISO time}"""
    require_control(request)
    now = _body(request).get("now")
    if not isinstance(now, str):
        raise BadRequest("'now' must be an ISO-8601 time.")
    try:
        request.app[CLOCK].set(parse_time(now))
    except ValueError as exc:
        raise BadRequest(f"Cannot set the clock: {exc}") from None
    backend(request).settle()
    return ok(_clock_view(request))


async def list_accounts(request: web.Request) -> web.Response:
    """GET /_sim/accounts"""
    require_control(request)
    return ok({"accounts": backend(request).identity.accounts()})


async def create_account(request: web.Request) -> web.Response:
    """POST /_sim/accounts {"account_id", "username", "api_key", "password", "role", "token", "rate_limits"}"""
    require_control(request)
    body = _body(request)
    account_id = body.get("account_id") or f"acct-{backend(request).ids.hex(8)}"
    allowed = {"username", "api_key", "password", "role", "token", "rate_limits"}
    unknown = set(body) - allowed - {"account_id"}
    if unknown:
        raise BadRequest(f"Unknown field(s) for an account: {', '.join(sorted(unknown))}.")
    creds = backend(request).identity.create_account(str(account_id), **{k: body[k] for k in allowed & set(body)})
    return ok({"account": creds}, status=201)


async def list_journal(request: web.Request) -> web.Response:
    """GET /_sim/journal[?account_id=&since=&route=&status=&limit=]"""
    require_control(request)
    q = request.query
    try:
        since, status, limit = (int(q[k]) if q.get(k) else None for k in ("since", "status", "limit"))
    except ValueError:
        raise BadRequest("since, status and limit must be integers.") from None
    if any(v is not None and abs(v) >= 2 ** 63 for v in (since, status, limit)):
        raise BadRequest("since, status and limit must be integers below 2**63.")
    entries = request.app[JOURNAL].entries(account_id=q.get("account_id"), since=since or 0, route=q.get("route"),
                                           status=status, limit=limit)
    return ok({"journal": entries})


async def clear_journal(request: web.Request) -> web.Response:
    """DELETE /_sim/journal[?account_id=]"""
    require_control(request)
    request.app[JOURNAL].clear(request.query.get("account_id"))
    return web.Response(status=204)


async def check_login(request: web.Request) -> web.Response:
    """POST /_sim/accounts/{account_id}/instances/{instance_id}/login {"user", "password"}: would it log in?"""
    require_control(request)
    body = _body(request)
    if not isinstance(body.get("user"), str) or not isinstance(body.get("password"), str):
        raise BadRequest("'user' (name or name@host) and 'password' must be strings.")
    m = request.match_info
    if backend(request).identity.account(m["account_id"]) is None:
        raise ItemNotFound(f"Account {m['account_id']} cannot be found.")
    accepted = backend(request).users.check_login(m["account_id"], m["instance_id"], body["user"], body["password"])
    return ok({"login": accepted})


ROUTES = [
    web.get("/_sim/clock", show_clock, name="sim_show_clock", allow_head=False),
    web.post("/_sim/clock/advance", advance_clock, name="sim_advance_clock"),
    web.put("/_sim/clock", set_clock, name="sim_set_clock"),
    web.get("/_sim/accounts", list_accounts, name="sim_list_accounts", allow_head=False),
    web.post("/_sim/accounts", create_account, name="sim_create_account"),
    web.get("/_sim/journal", list_journal, name="sim_list_journal", allow_head=False),
    web.delete("/_sim/journal", clear_journal, name="sim_clear_journal"),
    web.post("/_sim/accounts/{account_id}/instances/{instance_id}/login", check_login, name="sim_check_login"),
]
