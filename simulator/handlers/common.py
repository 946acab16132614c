"""Small helpers every handler uses: the account, the base URL, the JSON body, paging parameters."""
from __future__ import annotations

import json

from aiohttp import web

from simulator.errors import BadMediaType, BadRequest
from simulator.keys import BACKEND, CONFIG, CONTEXT


def backend(request: web.Request):
    return request.app[BACKEND]


def account(request: web.Request) -> str:
    return request.match_info["account_id"]


def base_url(request: web.Request) -> str:
    """Where links point: the configured public URL, else this server as the client reached it."""
    configured = request.app[CONFIG].public_url
    if configured:
        return configured.rstrip("/")
    return f"{request.scheme}://{request.host}"


def json_body(request: web.Request):
    """The parsed JSON body (None when empty); 415 for another content type, 400 when malformed."""
    raw = request[CONTEXT]["raw_body"]
    if not raw:
        return None
    if request.content_type not in ("application/json", "application/octet-stream") \
            and not request.content_type.endswith("+json"):
        raise BadMediaType(f"Unsupported Content-Type '{request.content_type}': send application/json.")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadRequest("Malformed request body: the body is not valid JSON.") from None


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


class JsonAnswer(web.Response):
    """A body known to be well-formed JSON (rendered here with json.dumps, or a replayed answer checked once): the
    journal keeps it without parsing it again."""


def json_answer(body, status: int = 200, headers=None) -> JsonAnswer:
    """What web.json_response gives (application/json; charset=utf-8), marked as rendered here."""
    return JsonAnswer(text=json.dumps(body), status=status, headers=headers, content_type="application/json")


def ok(body, status: int = 200) -> web.Response:
    return json_answer(body, status=status)


def accepted() -> web.Response:
    """An empty 202, as the service answers writes."""
    return web.Response(status=202, content_type="application/json", body=b"")
