"""Control: state documents over HTTP. GET /state[?account=ID] exports, PUT /state[?account=ID] loads
(backend/state_files.py holds the format and its checks)."""

from __future__ import annotations

from aiohttp import web

from simulator.backend.state_files import export_state, load_state
from simulator.control.common import simulator_of
from simulator.control.schemas import keyed
from simulator.errors import BadRequest
from simulator.handlers.common import json_body, ok
from simulator.http import Operation
from simulator.keys import BACKEND
from simulator.views.common import ref


def state_document(app: web.Application, account_id: str | None = None) -> str:
    """The state document of every account, or of one (text, as GET /_sim/state answers it)."""
    return export_state(app[BACKEND].sandbox, account_id)


def load_state_document(app: web.Application, document: object, as_account: str | None = None) -> dict:
    """Load a parsed state document (into as_account when given); what was loaded, by table."""
    return load_state(app[BACKEND].sandbox, document, as_account=as_account)


def _account(request: web.Request) -> str | None:
    """The ?account= of the call (400 for any other query parameter)."""
    unknown = sorted(set(request.query) - {"account"})
    if unknown:
        raise BadRequest(f"Unknown query parameter(s): {', '.join(unknown)} (only 'account' is known).")
    return request.query.get("account")


async def show_state(request: web.Request) -> web.Response:
    """GET /state[?account=ID]: the state document of every account, or of one"""
    text = state_document(simulator_of(request), _account(request))
    return web.Response(text=text, content_type="application/json")


async def load_state_handler(request: web.Request) -> web.Response:
    """PUT /state[?account=ID] {state document}: load it (with ?account, an account's document into that account)"""
    account = _account(request)
    document = json_body(request)
    if document is None:
        raise BadRequest("Send a state document (GET /_sim/state makes one).")
    return ok({"state": load_state_document(simulator_of(request), document, as_account=account)})


# fmt: off
OPERATIONS = [
    Operation("GET", "/state", show_state, "sim_show_state",
              "The state document of every account, or of one (?account=ID): versioned JSON, secrets as digests",
              answer=ref("StateDocument"), query=("account",)),
    Operation("PUT", "/state", load_state_handler, "sim_load_state",
              "Load a state document, all or nothing (?account=ID: an account's document into that account, which "
              "keeps its credentials)", body="sim_state", query=("account",),
              answer=keyed("state", {"type": "object",
                                     "properties": {"account_id": {"type": ["string", "null"]},
                                                    "rows": {"type": "integer"},
                                                    "tables": {"type": "object",
                                                               "additionalProperties": {"type": "integer"}}},
                                     "required": ["account_id", "rows", "tables"]})),
]
# fmt: on
