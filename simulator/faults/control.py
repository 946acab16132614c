"""The control plane's scenario calls (/scenarios on the control sub-app): load, list with hit counts, and clear
fault scenarios at run time."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from simulator.control.schemas import CLEARED, OBJECT, keyed
from simulator.errors import BadRequest
from simulator.faults.engine import FaultEngine
from simulator.faults.scenario import shipped_scenarios
from simulator.handlers.common import ok
from simulator.http import Operation
from simulator.keys import CONTEXT, FAULTS

#: The keys of a JSON load request (exactly one source, and the optional account).
SOURCES = ("scenario", "yaml", "name", "path")


def _load_request(request: web.Request) -> tuple[str | dict | Path, str | None]:
    """(source, account_id) from the body: a JSON wrapper, a scenario as JSON, or YAML text."""
    body_read = request[CONTEXT]["body"]  # simulator/body.py: read once, parsed at most once
    raw = body_read.raw
    account_id = request.query.get("account_id")
    if not raw:
        raise BadRequest(
            "Send a scenario: a JSON object with one of scenario, yaml, name or path "
            "(and optionally account_id), or the scenario's YAML text."
        )
    if request.content_type == "application/json" or request.content_type.endswith("+json"):
        body = body_read.json(request.content_type)  # 400 when it is not JSON, as every other body
        if not isinstance(body, dict):
            raise BadRequest("The body must be a JSON object.")
        if "rules" in body:  # the scenario itself
            return body, account_id
        given = [k for k in SOURCES if k in body]
        unknown = sorted(set(body) - set(SOURCES) - {"account_id"})
        if unknown or len(given) != 1:
            raise BadRequest(
                f"Give exactly one of {', '.join(SOURCES[:-1])} or {SOURCES[-1]} (and optionally "
                f"account_id)" + (f"; unknown field(s): {', '.join(unknown)}" if unknown else "") + "."
            )
        key = given[0]
        source = body[key]
        if key == "scenario" and not isinstance(source, dict):
            raise BadRequest("'scenario' must be a JSON object (the scenario).")
        if key != "scenario" and not isinstance(source, str):
            raise BadRequest(f"'{key}' must be a string.")
        if key == "name" and source not in shipped_scenarios():
            raise BadRequest(
                f"There is no shipped scenario named {source!r} (shipped: {', '.join(shipped_scenarios()) or 'none'})."
            )
        if key == "path":
            source = Path(source)
        account_id = body.get("account_id", account_id)
        return source, account_id
    try:
        return raw.decode("utf-8"), account_id
    except UnicodeDecodeError:
        raise BadRequest("The scenario text must be UTF-8.") from None


def _engine(request: web.Request) -> FaultEngine:
    """The simulator's fault engine (request.app is the control sub-app: the engine hangs on the main app)."""
    return request.config_dict[FAULTS]


async def load_scenario(request: web.Request) -> web.Response:
    """POST /scenarios[?account_id=]: load a scenario (replaces one of the same name and scope)."""
    source, account_id = _load_request(request)
    loaded = await _engine(request).load_entry_off_loop(source, account_id, origin="<request body>")
    return ok({"scenario": loaded}, status=201)


async def list_scenarios(request: web.Request) -> web.Response:
    """GET /scenarios[?account_id=]: the loaded scenarios with hit counts per rule, and the shipped names."""
    engine = _engine(request)
    return ok({"scenarios": engine.list(request.query.get("account_id")), "shipped": list(shipped_scenarios())})


async def show_scenario(request: web.Request) -> web.Response:
    """GET /scenarios/{name}[?account_id=]"""
    return ok({"scenario": _engine(request).get(request.match_info["name"], request.query.get("account_id"))})


async def clear_scenarios(request: web.Request) -> web.Response:
    """DELETE /scenarios[/{name}][?account_id=]: unload all / one / one account's; reports unused rules."""
    cleared, unused = _engine(request).clear_report(request.match_info.get("name"), request.query.get("account_id"))
    return ok(
        {
            "cleared": [{"name": s["name"], "account_id": s["account_id"], "hits": s["hits"]} for s in cleared],
            "unused_rules": unused,
        }
    )


# fmt: off
OPERATIONS = [
    Operation("POST", "/scenarios", load_scenario, "sim_load_scenario",
              "Load a fault scenario (JSON wrapper, the scenario as JSON, or YAML)", body="sim_scenario",
              text_bodies=("application/yaml",), status=201,
              answer=keyed("scenario", OBJECT), query=("account_id",)),
    Operation("GET", "/scenarios", list_scenarios, "sim_list_scenarios",
              "Loaded scenarios with hit counts, and the shipped ones", query=("account_id",),
              answer={"type": "object", "properties": {"scenarios": {"type": "array", "items": OBJECT},
                                                       "shipped": {"type": "array", "items": {"type": "string"}}},
                      "required": ["scenarios", "shipped"]}),
    Operation("DELETE", "/scenarios", clear_scenarios, "sim_clear_scenarios",
              "Unload every scenario (of one account with ?account_id=)", answer=CLEARED, query=("account_id",)),
    Operation("GET", "/scenarios/{name}", show_scenario, "sim_show_scenario", "One loaded scenario",
              answer=keyed("scenario", OBJECT), query=("account_id",)),
    Operation("DELETE", "/scenarios/{name}", clear_scenarios, "sim_clear_scenario", "Unload one scenario",
              answer=CLEARED, query=("account_id",)),
]
# fmt: on
