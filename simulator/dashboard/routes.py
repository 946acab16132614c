"""register(control): the dashboard's routes, templates and live feed on the control sub-app, so the control plane's
one access rule (loopback, or the admin token) guards the page as it guards every control call."""

from __future__ import annotations

from aiohttp import web

from simulator.dashboard import actions, pages
from simulator.dashboard.live import LiveFeed
from simulator.dashboard.pages import PATH, PREFIX
from simulator.keys import FEED, JOURNAL, SIMULATOR

#: Unnamed routes: the names of the control plane's routes are its JSON API's operations (journal, OpenAPI).
ROUTES = [
    web.get(PATH, pages.page, allow_head=False),
    web.get(PATH + "/part/state", pages.state_part, allow_head=False),
    web.get(PATH + "/part/journal", pages.journal_part, allow_head=False),
    web.get(PATH + "/part/coverage", pages.coverage_part, allow_head=False),
    web.get(PATH + "/entry", pages.entry_page, allow_head=False),
    web.get(PATH + "/journal.har", pages.har_download, allow_head=False),
    web.get(PATH + "/events", pages.events, allow_head=False),
    web.get(PATH + "/static/{name}", pages.static_file, allow_head=False),
    web.post(PATH + "/clock", actions.clock_action),
    web.post(PATH + "/reset", actions.reset_action),
    web.post(PATH + "/snapshots", actions.snapshot_action),
    web.post(PATH + "/snapshots/restore", actions.restore_action),
    web.post(PATH + "/scenarios", actions.load_action),
    web.post(PATH + "/scenarios/unload", actions.unload_action),
]


def register(control: web.Application) -> None:
    """Add the dashboard to the control sub-app (after create_control_app set its SIMULATOR): routes and the live feed
    that listens to the journal only while a page streams and ends its streams when the server stops."""
    journal = control[SIMULATOR][JOURNAL]
    feed = control[FEED] = LiveFeed(journal, PREFIX)

    async def end_streams(_: web.Application) -> None:
        feed.shut()

    control.on_shutdown.append(end_streams)
    control.router.add_routes(ROUTES)
