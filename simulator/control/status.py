"""Control: the simulator's own errors (bugs in the fake) and the marks a caller reads later changes from."""

from __future__ import annotations

from aiohttp import web

from simulator.control.clock import clock_view
from simulator.control.common import simulator_of
from simulator.control.schemas import OBJECT, keyed
from simulator.errors import BadRequest
from simulator.handlers.common import ok
from simulator.http import Operation
from simulator.keys import BACKEND, JOURNAL


def handler_errors(app: web.Application, since: int = 0) -> dict:
    """The tracebacks of exceptions the simulator raised while serving (bugs in the fake), from index since."""
    errors = app[JOURNAL].handler_errors
    return {"errors": errors[since:], "count": len(errors)}


def status(app: web.Application) -> dict:
    """Marks a caller reads later changes from: the clock, the newest journal seq, the handler error count."""
    return {
        "clock": clock_view(app),
        "journal_seq": app[JOURNAL].last_seq(),
        "handler_errors": len(app[JOURNAL].handler_errors),
        "accounts": app[BACKEND].sandbox.account_count(),
    }


async def list_errors(request: web.Request) -> web.Response:
    """GET /errors[?since=N]: exceptions the simulator raised while serving (each one is a bug in the fake)"""
    try:
        since = int(request.query.get("since") or 0)
    except ValueError:
        raise BadRequest("since must be an integer.") from None
    return ok(handler_errors(simulator_of(request), max(since, 0)))


async def show_status(request: web.Request) -> web.Response:
    """GET /status: clock, newest journal seq, handler error count, number of accounts"""
    return ok({"status": status(simulator_of(request))})


# fmt: off
OPERATIONS = [
    Operation("GET", "/errors", list_errors, "sim_list_errors",
              "Exceptions the simulator raised while serving (bugs in the fake)", query=("since",),
              answer={"type": "object", "properties": {"errors": {"type": "array", "items": {"type": "string"}},
                                                       "count": {"type": "integer"}},
                      "required": ["errors", "count"]}),
    Operation("GET", "/status", show_status, "sim_show_status",
              "Clock, newest journal seq, handler error count, accounts",
              answer=keyed("status", {"type": "object",
                                      "properties": {"clock": OBJECT, "journal_seq": {"type": ["integer", "null"]},
                                                     "handler_errors": {"type": "integer"},
                                                     "accounts": {"type": "integer"}},
                                      "required": ["clock", "journal_seq", "handler_errors", "accounts"]})),
]
# fmt: on
