"""Control: read the simulator's clock, move a manual clock forward, set it or switch its mode; due steps settle."""

from __future__ import annotations

from aiohttp import web

from simulator.clock import api_time, parse_time
from simulator.control.common import object_body, simulator_of
from simulator.errors import BadRequest
from simulator.handlers.common import ok
from simulator.http import Operation
from simulator.keys import BACKEND, CLOCK
from simulator.views.common import ref


def clock_view(app: web.Application) -> dict:
    clock = app[CLOCK]
    return {"mode": clock.mode, "now": api_time(clock.now()) + "Z", "epoch": clock.time()}


def advance_clock(app: web.Application, seconds) -> dict:
    """Move a manual clock forward and carry out every lifecycle step that fell due."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds >= 0:  # NaN too
        raise BadRequest("'seconds' must be a number >= 0.")
    try:
        app[CLOCK].advance(seconds)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    app[BACKEND].settle()
    return clock_view(app)


def set_clock(app: web.Application, now: str | None = None, mode: str | None = None) -> dict:
    """Switch the clock's mode ("manual" stops it at the current moment; "real" follows datetime.now, and so
    freezegun) and/or jump a manual clock to an ISO-8601 time; then settle what fell due."""
    clock = app[CLOCK]
    if mode is not None and mode not in ("manual", "real"):
        raise BadRequest("'mode' must be 'manual' or 'real'.")
    if now is not None and not isinstance(now, str):
        raise BadRequest("'now' must be an ISO-8601 time.")
    if now is None and mode is None:
        raise BadRequest("Give 'now' (an ISO-8601 time), 'mode' ('manual' or 'real'), or both.")
    try:
        moment = parse_time(now) if now is not None else None
        if moment is not None:
            moment.timestamp()
    except (ValueError, OverflowError) as exc:
        raise BadRequest(f"Cannot set the clock: {exc}") from None
    if (mode or clock.mode) == "real" and moment is not None:
        raise BadRequest("Cannot set the clock: only a manual clock can be set.")
    if mode == "manual" and clock.mode != "manual":
        current = clock.now()
        clock.mode = "manual"
        clock.set(current)
    elif mode == "real":
        clock.mode = "real"
    if moment is not None:
        clock.set(moment)
    app[BACKEND].settle()
    return clock_view(app)


async def show_clock(request: web.Request) -> web.Response:
    """GET /clock"""
    return ok({"clock": clock_view(simulator_of(request))})


async def advance_clock_handler(request: web.Request) -> web.Response:
    """POST /clock/advance {"seconds": N}"""
    return ok({"clock": advance_clock(simulator_of(request), object_body(request).get("seconds"))})


async def set_clock_handler(request: web.Request) -> web.Response:
    """PUT /clock {"now": ISO time, "mode": "manual" | "real"} (either or both)"""
    body = object_body(request, {"now", "mode"})
    return ok({"clock": set_clock(simulator_of(request), body.get("now"), body.get("mode"))})


# fmt: off
OPERATIONS = [
    Operation("GET", "/clock", show_clock, "sim_show_clock", "The simulator's clock", answer=ref("Clock")),
    Operation("POST", "/clock/advance", advance_clock_handler, "sim_advance_clock",
              "Move a manual clock forward and settle the model", body="sim_advance", answer=ref("Clock")),
    Operation("PUT", "/clock", set_clock_handler, "sim_set_clock", "Set a manual clock", body="sim_set_clock",
              answer=ref("Clock")),
]
# fmt: on
