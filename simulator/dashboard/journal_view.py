"""The dashboard's journal: the account's stored (already masked) entries filtered by status, operation and "faults
only", one entry opened, the shown entries as HAR (the control plane's export), and the coverage they add up to."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web

from simulator.control.journal import journal_entries, journal_har
from simulator.coverage import Coverage, api_operations
from simulator.errors import BadRequest
from simulator.keys import JOURNAL
from simulator.reference.regions import account_of

#: The HAR download holds at most this many entries (newest first)...
ROWS = 200
#: ...chosen among at most this many of the newest journal entries (the journal keeps 10,000 by default), which the
#: table pages through PER_PAGE at a time.
SCAN = 2000
PER_PAGE = 50
#: A live update reads at most this many of the newest entries (whatever came before them is left to a reload), so
#: an open page under a heavy load costs the server a bounded amount of work per update.
LIVE_SCAN = 100
_STATUS = re.compile(r"^[1-5](?:xx|\d\d)$")
_UUID = re.compile(r"([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def short_ids(text: str) -> str:
    """A path with each UUID cut to its first 8 characters (the table shows the whole path on hover)."""
    return _UUID.sub(r"\1…", text)


@dataclass(frozen=True)
class JournalFilter:
    """What the journal table is narrowed to: a status ("413", or a class such as "4xx"), an operation (a route
    name), and whether only the entries a fault rule answered are kept."""

    status: str = ""
    route: str = ""
    faults: bool = False

    def keeps(self, entry: dict) -> bool:
        status = str(entry.get("status") or 0)
        if self.status and not (
            status == self.status or (self.status.endswith("xx") and status[:1] == self.status[:1])
        ):
            return False
        if self.route and entry.get("route") != self.route:
            return False
        return not self.faults or bool(entry.get("rule"))

    def query(self) -> dict[str, str]:
        """The filter as query parameters (links and the HAR download keep it)."""
        out = {"status": self.status, "route": self.route, "faults": "1" if self.faults else ""}
        return {k: v for k, v in out.items() if v}

    @property
    def exact_status(self) -> int | None:
        return int(self.status) if self.status and not self.status.endswith("xx") else None


def parse_filter(query: Mapping[str, str]) -> JournalFilter:
    """The filter from a query string; 400 for a status that is neither a code nor a class."""
    status = (query.get("status") or "").strip().lower()
    if status and not _STATUS.match(status):
        raise BadRequest(f"'status' must be a status code (413) or a class (4xx), not '{status}'.")
    route = (query.get("route") or "").strip()
    return JournalFilter(status=status, route=route, faults=query.get("faults") in ("1", "on", "true", "yes"))


def newest(app: web.Application, account_id: str, flt: JournalFilter) -> list[dict]:
    """The account's entries the filter keeps, newest first: at most ROWS, among the newest SCAN entries."""
    start = max(0, app[JOURNAL].last_seq() - SCAN)
    return _kept(app, account_id, flt, start)[-ROWS:][::-1]


def page_of(app: web.Application, account_id: str, flt: JournalFilter, number: int) -> dict:
    """Page `number` (1 = the newest) of the entries the filter keeps among the newest SCAN: its entries newest
    first, and where it stands (a number past the last page shows the last one)."""
    start = max(0, app[JOURNAL].last_seq() - SCAN)
    kept = _kept(app, account_id, flt, start)[::-1]
    pages = max(1, -(-len(kept) // PER_PAGE))
    number = min(max(1, number), pages)
    first = (number - 1) * PER_PAGE
    return {
        "entries": kept[first : first + PER_PAGE],
        "number": number,
        "pages": pages,
        "total": len(kept),
        "first": first + 1 if kept else 0,
        "last": min(first + PER_PAGE, len(kept)),
        "per_page": PER_PAGE,
    }


def arrived(app: web.Application, account_id: str, flt: JournalFilter, since: int) -> tuple[list[dict], int, bool]:
    """A live update: (the entries after since that the filter keeps, newest first, among the newest LIVE_SCAN;
    the mark to read from next; whether entries after since were left unread)."""
    mark = app[JOURNAL].last_seq()
    start = max(since, mark - LIVE_SCAN)
    return _kept(app, account_id, flt, start)[::-1], mark, start > since


def _kept(app: web.Application, account_id: str, flt: JournalFilter, start: int) -> list[dict]:
    entries = journal_entries(app, account_id=account_id, since=start, route=flt.route or None, status=flt.exact_status)
    return [e for e in entries if flt.keeps(e)]


def row(entry: dict) -> dict:
    """The table's cells of one entry (the request and response are read when the row is opened)."""
    query = entry.get("query")
    return {
        "seq": entry["seq"],
        "time": entry.get("time"),
        "method": entry.get("method"),
        "path": (entry.get("path") or "") + (f"?{query}" if query else ""),
        "route": entry.get("route"),
        "status": entry.get("status"),
        "duration_ms": entry.get("duration_ms"),
        "rule": entry.get("rule"),
        "action": entry.get("action"),
        "note": entry.get("note"),
    }


def entry(app: web.Application, account_id: str, seq: int) -> dict | None:
    """One entry of the account with its request and response as pretty JSON (masked as the journal stores
    them), or None when the account has no entry seq."""
    found = journal_entries(app, account_id=account_id, since=seq - 1, limit=1)
    if not found or found[0]["seq"] != seq:
        return None
    e = found[0]
    parts = {}
    for side in ("request", "response"):
        part = e.get(side) or {}
        parts[side] = {"headers": part.get("headers") or {}, "body": _pretty(part.get("body"))}
    return {**row(e), **parts}


def _pretty(body) -> str:
    if body is None:
        return ""
    if isinstance(body, str):
        return body
    return json.dumps(body, indent=2, sort_keys=False, ensure_ascii=False)


def har(app: web.Application, account_id: str, flt: JournalFilter) -> dict:
    """The entries the table shows, oldest first, as a HAR 1.2 document."""
    return journal_har(list(reversed(newest(app, account_id, flt))))


def operations(flt: JournalFilter) -> list[str]:
    """The operation filter's choices: every operation of the API (and the one filtered on, if another)."""
    names = api_operations()
    return names if not flt.route or flt.route in names else [*names, flt.route]


def coverage(app: web.Application, account_id: str, scenarios: list[dict]) -> dict:
    """What the account's journal so far exercised of the API, and what it never did (simulator/coverage.py), as of
    the newest journal entry. Its lifecycle transitions are read from every entry (a request of any account, or a
    control call, carries out whatever is due), and only the account's are counted."""
    every = journal_entries(app)
    entries = [e for e in every if e["account_id"] == account_id]
    mine = [i for e in every for i in e.get("lifecycle") or () if account_of(i.get("account_id") or "") == account_id]
    counts = Coverage()
    counts.add_test(entries, scenarios, mine)
    return {**counts.report(), "entries": len(entries), "as_of": app[JOURNAL].last_seq()}
