"""Control: read the journal (as entries or as a HAR 1.2 document), count what matches (with the near misses of a
count of zero), and clear it."""

from __future__ import annotations

import json

from aiohttp import web

from simulator.control.common import simulator_of
from simulator.control.journal_filters import KNOWN, near_misses, parse_filters
from simulator.control.schemas import JOURNAL_QUERY, NEAR_MISS, OBJECT, keyed
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


def journal_entries(app: web.Application, **filters) -> list[dict]:
    return app[JOURNAL].entries(**filters)


def count_journal(app: web.Application, **filters) -> dict:
    """How many entries match; when none does, the closest misses among the newest 1,000 entries of the window."""
    journal = app[JOURNAL]
    count = journal.count(**filters)
    misses = []
    if count == 0:
        window = journal.summaries(since=filters.get("since") or 0, until=filters.get("until"))
        misses = near_misses(window, filters)
    return {"count": count, "near_misses": misses}


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


def _filters(request: web.Request, allowed: tuple[str, ...] = KNOWN) -> dict:
    return parse_filters(request.query, simulator_of(request), allowed)


async def list_journal(request: web.Request) -> web.Response:
    """GET /journal[?filters]: entries oldest first; with limit=N the newest N, newest first"""
    return ok({"journal": journal_entries(simulator_of(request), **_filters(request))})


async def export_journal(request: web.Request) -> web.Response:
    """GET /journal/har[?filters]: the journal as a HAR 1.2 document"""
    return ok(journal_har(journal_entries(simulator_of(request), **_filters(request))))


async def count_journal_handler(request: web.Request) -> web.Response:
    """GET /journal/count[?filters but limit]: how many entries match, and the near misses when none does"""
    filters = _filters(request, tuple(k for k in KNOWN if k != "limit"))
    return ok(count_journal(simulator_of(request), **filters))


async def clear_journal_handler(request: web.Request) -> web.Response:
    """DELETE /journal[?account_id=]"""
    account_id = _filters(request, ("account_id",))["account_id"]
    clear_journal(simulator_of(request), account_id)
    return web.Response(status=204)


# fmt: off
OPERATIONS = [
    Operation("GET", "/journal", list_journal, "sim_list_journal",
              "The request journal (secrets redacted): oldest first; with limit, the newest N newest first",
              answer=keyed("journal", {"type": "array", "items": ref("JournalEntry")}), query=JOURNAL_QUERY),
    Operation("GET", "/journal/har", export_journal, "sim_export_journal", "The journal as a HAR 1.2 document",
              answer=keyed("log", OBJECT), query=JOURNAL_QUERY),
    Operation("GET", "/journal/count", count_journal_handler, "sim_count_journal",
              "How many journal entries match the filters; the closest misses when none does",
              answer={"type": "object", "properties": {"count": {"type": "integer"},
                                                       "near_misses": {"type": "array", "items": NEAR_MISS}},
                      "required": ["count", "near_misses"]},
              query=tuple(q for q in JOURNAL_QUERY if q != "limit")),
    Operation("DELETE", "/journal", clear_journal_handler, "sim_clear_journal", "Clear the journal", status=204,
              query=("account_id",)),
]
# fmt: on
