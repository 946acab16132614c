"""The journal's query filters (GET /_sim/journal, /journal/har, /journal/count): each one read, checked and named in
a 400 when it is wrong or unknown; and how close an entry comes to them (the near misses of a count of zero).

Filters: account_id, method, route (a route name: an operation id), status (404 or a class such as 4xx), path (a
glob: `*` any characters, `?` one), since and until (a journal seq, or a time on the simulator's clock in ISO 8601;
since is exclusive for a seq), faulted (true: answered or changed by a fault rule; false: by none), limit (the
newest N, newest first). method, route and status may be repeated: an entry matching any value passes."""

from __future__ import annotations

import datetime as dt
from fnmatch import fnmatchcase

from aiohttp import web
from multidict import MultiMapping

from simulator.clock import api_time
from simulator.errors import BadRequest

KNOWN = ("account_id", "method", "route", "status", "path", "since", "until", "faulted", "limit")
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
MAX_INT = 2**63


def route_names(app: web.Application) -> set[str]:
    """Every route name the server answers (the API's in every region, the control plane's)."""
    return {route.name for route in app.router.routes() if route.name}


def parse_filters(query: MultiMapping[str], app: web.Application, allowed: tuple[str, ...] = KNOWN) -> dict:
    """The filters of a query as the journal takes them; 400 naming any unknown filter, method, route or value."""
    unknown = sorted(set(query) - set(allowed))
    if unknown:
        raise BadRequest(f"Unknown journal filter(s): {', '.join(unknown)} (known: {', '.join(allowed)}).")
    filters: dict = {"account_id": query.get("account_id") or None}
    methods = tuple(m.upper() for m in query.getall("method", []))
    wrong = sorted(set(methods) - set(METHODS))
    if wrong:
        raise BadRequest(f"Unknown method(s): {', '.join(wrong)} (known: {', '.join(METHODS)}).")
    routes = tuple(query.getall("route", []))
    wrong = sorted(set(routes) - route_names(app))
    if wrong:
        raise BadRequest(f"Unknown route name(s): {', '.join(wrong)} (the operation ids of GET /openapi.json).")
    filters.update(methods=methods, routes=routes, **_statuses(query.getall("status", [])))
    filters.update(_window("since", query.get("since")), **_window("until", query.get("until")))
    if query.get("path"):
        filters["path"] = query["path"]
    if query.get("faulted"):
        if query["faulted"].lower() not in BOOLEANS:
            raise BadRequest(f"faulted must be true or false, not '{query['faulted']}'.")
        filters["faulted"] = BOOLEANS[query["faulted"].lower()]
    if query.get("limit"):
        filters["limit"], filters["newest"] = _integer("limit", query["limit"]), True
    return filters


def _integer(name: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise BadRequest(f"{name} must be an integer, not '{text}'.") from None
    if not 0 <= value < MAX_INT:
        raise BadRequest(f"{name} must be an integer from 0 to 2**63 - 1, not {text}.")
    return value


def _statuses(values: list[str]) -> dict:
    """status=404 and status=4xx, as exact statuses and status classes."""
    statuses, classes = [], []
    for text in values:
        if len(text) == 3 and text[0] in "12345" and text[1:].lower() == "xx":
            classes.append(int(text[0]))
        elif text.isdigit() and 100 <= int(text) <= 599:
            statuses.append(int(text))
        else:
            raise BadRequest(f"status must be an HTTP status (404) or a class (4xx), not '{text}'.")
    return {"statuses": tuple(statuses), "status_classes": tuple(classes)}


def _window(name: str, text: str | None) -> dict:
    """since/until as a seq (an integer) or as a time on the simulator's clock (ISO 8601)."""
    if not text:
        return {}
    if text.lstrip("-").isdigit():
        return {name: _integer(name, text)}
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(
            f"{name} must be a journal seq (an integer) or a time in ISO 8601 (2026-12-07T13:00:00Z), not '{text}'."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return {"after" if name == "since" else "before": api_time(moment)}


def _checks(filters: dict) -> dict:
    """field -> (what was wanted, does an entry's value pass) for each filter an entry can nearly miss."""
    checks: dict = {}
    if filters.get("account_id"):
        checks["account_id"] = (filters["account_id"], lambda v: v == filters["account_id"])
    if filters.get("methods"):
        checks["method"] = (list(filters["methods"]), lambda v: v in filters["methods"])
    if filters.get("routes"):
        checks["route"] = (list(filters["routes"]), lambda v: v in filters["routes"])
    statuses, classes = filters.get("statuses", ()), filters.get("status_classes", ())
    if statuses or classes:
        wanted = [*statuses, *(f"{c}xx" for c in classes)]
        checks["status"] = (wanted, lambda v: v in statuses or (v or 0) // 100 in classes)
    if filters.get("path"):
        checks["path"] = (filters["path"], lambda v: fnmatchcase(v or "", filters["path"]))
    if filters.get("after") or filters.get("before"):
        window = (filters.get("after") or "", filters.get("before") or "\uffff")
        checks["time"] = ([filters.get("after"), filters.get("before")], lambda v: window[0] <= v <= window[1])
    if "faulted" in filters:
        checks["rule"] = (
            "a fault rule" if filters["faulted"] else None,
            lambda v: (v is not None) == filters["faulted"],
        )
    return checks


def near_misses(entries: list[dict], filters: dict, keep: int = 3) -> list[dict]:
    """The entries closest to the filters (fewest filters failed, newest first among equals), each with what
    differed: {"field": {"wanted": ..., "was": ...}}."""
    checks = _checks(filters)
    scored = []
    for entry in entries:  # newest first
        differs = {
            field: {"wanted": wanted, "was": entry.get(field)}
            for field, (wanted, passes) in checks.items()
            if not passes(entry.get(field))
        }
        if differs:
            scored.append((len(differs), -entry["seq"], {**entry, "differs": differs}))
    scored.sort(key=lambda item: item[:2])
    return [item[2] for item in scored[:keep]]
