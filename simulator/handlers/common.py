"""Small helpers every handler uses: the account, the base URL, the JSON body, paging parameters."""

from __future__ import annotations

from aiohttp import web

from simulator.backend import Backend
from simulator.errors import BadRequest
from simulator.http import base_url, json_answer
from simulator.reference import regions

__all__ = ["accepted", "account", "backend", "base_url", "json_body", "ok", "query_int"]
from simulator.keys import BACKEND, CONTEXT, REGION


def backend(request: web.Request) -> Backend:
    """The app's Backend (the rules every handler calls)."""
    return request.config_dict[BACKEND]


def account(request: web.Request) -> str:
    """The account scope the rules work on: the URL's account, in the region whose API was called."""
    return regions.scope(request.match_info["account_id"], request.config_dict.get(REGION))


def json_body(request: web.Request):
    """The parsed JSON body (None when empty); 415 for another content type, 400 when malformed (body.py)."""
    return request[CONTEXT]["body"].json(request.content_type)


MAX_QUERY_INT = 2**31 - 1


def query_int(request: web.Request, name: str) -> int | None:
    """An integer query parameter (400 when it is not one)."""
    value = request.query.get(name)
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"Query parameter '{name}' must be an integer, not '{value}'.") from None
    if abs(number) > MAX_QUERY_INT:
        raise BadRequest(f"Query parameter '{name}' is out of range: {value}.")
    return number


def ok(body, status: int = 200) -> web.Response:
    return json_answer(body, status=status)


def accepted() -> web.Response:
    """An empty 202, as the service answers writes."""
    return web.Response(status=202, content_type="application/json", body=b"")
