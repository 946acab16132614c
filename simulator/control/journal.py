"""Control: read the journal (as entries or as a HAR 1.2 document) and clear it."""

from __future__ import annotations

import json

from aiohttp import web
from multidict import MultiMapping

from simulator.control.common import simulator_of
from simulator.control.schemas import JOURNAL_QUERY, OBJECT, keyed
from simulator.errors import BadRequest
from simulator.handlers.common import ok
from simulator.http import Operation
from simulator.keys import JOURNAL
from simulator.replay.har import (
    Interaction,
    RecordedRequest,
    RecordedResponse,
    har_document,
    interaction_to_entry,
    reason_phrase,
)
from simulator.views.common import ref


def journal_filters(query: MultiMapping[str]) -> dict:
    """The entries' filters from the query: account_id, since, route, status, limit."""
    try:
        since, status, limit = (int(query[k]) if query.get(k) else None for k in ("since", "status", "limit"))
    except ValueError:
        raise BadRequest("since, status and limit must be integers.") from None
    if any(v is not None and abs(v) >= 2**63 for v in (since, status, limit)):
        raise BadRequest("since, status and limit must be integers below 2**63.")
    return {
        "account_id": query.get("account_id"),
        "since": since or 0,
        "route": query.get("route"),
        "status": status,
        "limit": limit,
    }


def journal_entries(app: web.Application, **filters) -> list[dict]:
    return app[JOURNAL].entries(**filters)


def clear_journal(app: web.Application, account_id: str | None = None) -> None:
    """Forget the journal's entries (one account's, or all)."""
    app[JOURNAL].clear(account_id)


def _raw(body) -> bytes:
    if body is None:
        return b""
    return body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode("utf-8")


def _interaction(e: dict) -> Interaction:
    """One journal entry as a recorded exchange."""
    req, resp = e.get("request") or {}, e.get("response") or {}
    headers = req.get("headers") or {}
    host = next((v for k, v in headers.items() if k.lower() == "host"), "localhost")
    url = f"http://{host}{e['path']}" + (f"?{e['query']}" if e.get("query") else "")
    meta = {k: e[k] for k in ("seq", "account_id", "route", "rule", "action", "note") if e.get(k) is not None}
    return Interaction(
        request=RecordedRequest(e["method"], url, tuple(headers.items()), _raw(req.get("body"))),
        response=RecordedResponse(
            e["status"], reason_phrase(e["status"]), tuple((resp.get("headers") or {}).items()), _raw(resp.get("body"))
        ),
        started=f"{e['time']}.000Z",
        time_ms=float(e.get("duration_ms") or 0.0),
        meta=meta,
    )


def journal_har(entries: list[dict]) -> dict:
    """Journal entries as a HAR 1.2 document (secrets are already masked in the journal)."""
    return har_document([interaction_to_entry(_interaction(e)) for e in entries], {"source": "journal"})


async def list_journal(request: web.Request) -> web.Response:
    """GET /journal[?account_id=&since=&route=&status=&limit=]"""
    return ok({"journal": journal_entries(simulator_of(request), **journal_filters(request.query))})


async def export_journal(request: web.Request) -> web.Response:
    """GET /journal/har[?account_id=&since=&route=&status=&limit=]: the journal as a HAR 1.2 document"""
    return ok(journal_har(journal_entries(simulator_of(request), **journal_filters(request.query))))


async def clear_journal_handler(request: web.Request) -> web.Response:
    """DELETE /journal[?account_id=]"""
    clear_journal(simulator_of(request), request.query.get("account_id"))
    return web.Response(status=204)


# fmt: off
OPERATIONS = [
    Operation("GET", "/journal", list_journal, "sim_list_journal", "The request journal (secrets redacted)",
              answer=keyed("journal", {"type": "array", "items": ref("JournalEntry")}), query=JOURNAL_QUERY),
    Operation("GET", "/journal/har", export_journal, "sim_export_journal", "The journal as a HAR 1.2 document",
              answer=keyed("log", OBJECT), query=JOURNAL_QUERY),
    Operation("DELETE", "/journal", clear_journal_handler, "sim_clear_journal", "Clear the journal", status=204,
              query=("account_id",)),
]
# fmt: on
