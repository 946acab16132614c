"""The HTTP vocabulary every layer shares (pipeline, handlers, faults, replay, control): the control prefix, route
names, the Operation a route table's row states, JSON answers and fault rendering. It imports no layer above it."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from simulator.errors import SimulatorError
from simulator.keys import CONFIG

#: Where the control plane is mounted; it is never faulted, replayed or rate-limited.
CONTROL_PREFIX = "/_sim"
#: The health check: open to every caller, never journalled or recorded (probes would flood both).
HEALTH_PATH = CONTROL_PREFIX + "/health"


#: Headers every answer a scenario or a recording wrote carries (an injected answer, a replayed one that is not
#: JSON): a browser that navigates to it runs no script from it, loads nothing and never sniffs another type.
INERT = {"Content-Security-Policy": "default-src 'none'; sandbox", "X-Content-Type-Options": "nosniff"}


def is_control_path(path: str) -> bool:
    """A path of the /_sim control plane."""
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")


def route_name(request: web.Request) -> str | None:
    """The name of the route that matched (the operation id of the journal, faults and coverage)."""
    route = request.match_info.route
    return getattr(route, "name", None)


def base_url(request: web.Request) -> str:
    """Where links point: the configured public URL, else this server as the client reached it."""
    configured = request.config_dict[CONFIG].public_url
    if configured:
        return configured.rstrip("/")
    return f"{request.scheme}://{request.host}"


class JsonAnswer(web.Response):
    """A body known to be well-formed JSON (rendered here with json.dumps, or a replayed answer checked once): the
    journal keeps it without parsing it again."""

    #: The body is known to hold no secret field (a replayed answer checked once): the journal skips its pre-check.
    secret_free = False


def json_answer(body, status: int = 200, headers=None) -> JsonAnswer:
    """What web.json_response gives (application/json; charset=utf-8), marked as rendered here."""
    return JsonAnswer(text=json.dumps(body), status=status, headers=headers, content_type="application/json")


def fault_response(exc: SimulatorError) -> JsonAnswer:
    """Render an error as the service does: {fault: {code, message}} with its headers."""
    return json_answer(exc.body(), status=exc.status, headers=exc.headers)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Operation:
    """One operation, stated once: the route it registers, and what the OpenAPI document, the API coverage page,
    the read cache and the rate limits say of it.

    name is the route name: the operation id of the journal, fault rules, coverage and the document. body names the
    request schema(s) (backend/schemas/, or the control plane's), several when the body is one of them. answer is
    the JSON Schema of a successful answer (None: an empty body); status its code. cached: a GET whose answer
    depends only on the model, the path and query and the public URL (not on the clock, the caller or counters), so
    its rendered answer is reused until the model changes. query names the query parameters the document lists.
    text_bodies names other media types the body may come in as text (a scenario in YAML). errors overrides the
    fault statuses the document lists (by default they follow from the path)."""

    method: str
    path: str
    handler: Handler
    name: str
    summary: str
    body: str | tuple[str, ...] | None = None
    answer: dict | None = None
    status: int = 200
    cached: bool = False
    query: tuple[str, ...] = ()
    body_required: bool = True
    text_bodies: tuple[str, ...] = ()
    errors: tuple[int, ...] | None = None

    @property
    def bodies(self) -> tuple[str, ...]:
        """The request schemas' names (none when the call takes no body)."""
        if self.body is None:
            return ()
        return (self.body,) if isinstance(self.body, str) else self.body

    def route(self) -> web.RouteDef:
        """The aiohttp route of this row (a GET does not answer HEAD: the API does not)."""
        kwargs: dict = {"name": self.name}
        if self.method == "GET":
            kwargs["allow_head"] = False
        return web.RouteDef(self.method, self.path, self.handler, kwargs)
