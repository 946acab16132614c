"""The dashboard's reads: the page, the parts a live page fetches again, one journal entry, the HAR download, the
event stream and the static files. Handlers parse the query and render; gather.py and its siblings read."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from aiohttp import web

from simulator.control.common import simulator_of
from simulator.dashboard import gather, journal_view, panels, places
from simulator.dashboard.live import stream
from simulator.errors import BadRequest, ItemNotFound
from simulator.http import CONTROL_PREFIX
from simulator.keys import CLOCK, FEED, JOURNAL

if TYPE_CHECKING:
    import jinja2

#: Where the dashboard lives on the control sub-app, and so its full path.
PATH = "/dashboard"
PREFIX = CONTROL_PREFIX + PATH
#: The files under static/ that are served, with their content types.
STATIC = {"dashboard.css": "text/css", "dashboard.js": "text/javascript"}
STATIC_DIR = Path(__file__).parent / "static"
#: The page loads only its own files and talks only to its own server.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@functools.cache
def environment() -> jinja2.Environment:
    """The dashboard's template environment, made the first time a page is rendered (a server that never shows one
    never imports jinja2) and then shared by every app in the process: it holds nothing of an app's (templates, their
    compiled code, one filter), jinja2's environments are safe to share between threads, and it keeps checking the
    files' times (auto_reload) as each app's own did. Compiling the 16 templates took ~140 ms of the first page of
    each app: each of the dashboard's tests (a server each) paid it, and an open browser page waited for it."""
    import jinja2

    env = jinja2.Environment(
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        loader=jinja2.PackageLoader("simulator.dashboard", "templates"),
    )
    env.filters["short_ids"] = journal_view.short_ids
    return env


def render(request: web.Request, template: str, context: dict, headers: dict | None = None) -> web.Response:
    text = environment().get_template(template).render({"prefix": PREFIX, **context})
    response = web.Response(text=text, content_type="text/html", charset="utf-8")
    response.headers.update(SECURITY_HEADERS)
    if headers:
        response.headers.update(headers)
    return response


def chosen_account(request: web.Request) -> tuple[list[str], str | None, bool]:
    """(every account, the one shown, whether it exists): ?account=, else the demo account, else the first."""
    app = simulator_of(request)
    ids = gather.account_ids(app)
    wanted = (request.query.get("account") or "").strip()
    account = wanted or gather.default_account(app, ids)
    return ids, account, account in ids


def state(app: web.Application, account: str, region: str) -> dict:
    """What the live parts of the page show (the journal and coverage apart): the account's resources in region,
    and what it holds in every region."""
    return {
        "region": region,
        "regions": places.overview(app, account),
        **gather.resources(app, places.scope_in(app, account, region)),
        "clock": panels.clock(app),
        "scenarios": panels.scenarios(app, account),
        "snapshots": panels.snapshots(app, account),
    }


async def page(request: web.Request) -> web.Response:
    """GET /dashboard[?account=&region=&status=&route=&faults=&page=]: the whole page (the journal's page `page`)."""
    app = simulator_of(request)
    ids, account, known = chosen_account(request)
    context: dict[str, Any] = {
        "accounts": ids,
        "account": account,
        "known": known,
        "clock": panels.clock(app),
        "notice": request.query.get("notice"),
        "error": request.query.get("error"),
    }
    if known and account is not None:
        flt = journal_view.parse_filter(request.query)
        shown = journal_view.page_of(app, account, flt, _int(request.query.get("page") or "1", "page"))
        context.update(
            state(app, account, places.chosen_region(app, request.query)),
            flt=flt,
            filter_query=urlencode(flt.query()),
            operations=journal_view.operations(flt),
            journal_page={k: v for k, v in shown.items() if k != "entries"},
            rows=[journal_view.row(e) for e in shown["entries"]],
            journal_seq=app[JOURNAL].last_seq(),
            skipped=False,
            coverage=journal_view.coverage(app, account, panels.scenarios(app, account)["loaded"]),
        )
    return render(request, "page.html", context)


def _known_account(request: web.Request) -> str:
    _, account, known = chosen_account(request)
    if not known or account is None:
        raise ItemNotFound(f"Account {account} cannot be found.")
    return account


async def state_part(request: web.Request) -> web.Response:
    """GET /dashboard/part/state?account=[&region=]: the clock, regions, instances, HA, replica and configuration
    groups, backups, schedules, scenarios and snapshots."""
    app = simulator_of(request)
    account = _known_account(request)
    region = places.chosen_region(app, request.query)
    return render(request, "state.html", {"account": account, **state(app, account, region)})


async def journal_part(request: web.Request) -> web.Response:
    """GET /dashboard/part/journal?account=&since=[&status=&route=&faults=]: the rows after since (newest first);
    X-Journal-Seq is the mark to ask from next."""
    app = simulator_of(request)
    account = _known_account(request)
    flt = journal_view.parse_filter(request.query)
    found, mark, skipped = journal_view.arrived(app, account, flt, _int(request.query.get("since"), "since"))
    return render(
        request,
        "journal_rows.html",
        {"account": account, "skipped": skipped, "rows": [journal_view.row(e) for e in found]},
        headers={"X-Journal-Seq": str(mark)},
    )


async def coverage_part(request: web.Request) -> web.Response:
    """GET /dashboard/part/coverage?account=: what the account's journal exercised so far (read on demand: it reads
    the account's whole journal)."""
    app = simulator_of(request)
    account = _known_account(request)
    loaded = panels.scenarios(app, account)["loaded"]
    return render(
        request, "coverage.html", {"account": account, "coverage": journal_view.coverage(app, account, loaded)}
    )


async def entry_page(request: web.Request) -> web.Response:
    """GET /dashboard/entry?account=&seq=[&part=1]: one journal entry's request and response (masked); the part
    alone for a row opened in place."""
    app = simulator_of(request)
    account = _known_account(request)
    seq = _int(request.query.get("seq"), "seq")
    found = journal_view.entry(app, account, seq)
    if found is None:
        raise ItemNotFound(f"Account {account} has no journal entry {seq}.")
    template = "entry.html" if request.query.get("part") else "entry_page.html"
    return render(request, template, {"account": account, "entry": found})


async def har_download(request: web.Request) -> web.Response:
    """GET /dashboard/journal.har?account=[&status=&route=&faults=]: the shown entries as a HAR file."""
    app = simulator_of(request)
    account = _known_account(request)
    document = journal_view.har(app, account, journal_view.parse_filter(request.query))
    return web.Response(
        text=json.dumps(document, indent=2),
        content_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="cdbsim-journal-{_file_safe(account)}.har"'},
    )


async def events(request: web.Request) -> web.StreamResponse:
    """GET /dashboard/events?account=: server-sent events telling the page when to look again."""
    account = _known_account(request)
    clock = simulator_of(request)[CLOCK]
    return await stream(request, request.config_dict[FEED], account, lambda: clock.mode == "real")


async def static_file(request: web.Request) -> web.Response:
    """GET /dashboard/static/{name}: the page's stylesheet and script (package data)."""
    name = request.match_info["name"]
    if name not in STATIC:
        raise ItemNotFound(f"The dashboard has no file {name}.")
    return web.Response(
        body=(STATIC_DIR / name).read_bytes(),
        content_type=STATIC[name],
        charset="utf-8",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


def _int(value: str | None, name: str) -> int:
    try:
        number = int(value or 0)
    except ValueError:
        raise BadRequest(f"'{name}' must be an integer.") from None
    if not 0 <= number < 2**63:
        raise BadRequest(f"'{name}' must be an integer from 0 to 2**63 - 1.")
    return number


def _file_safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)[:64]
