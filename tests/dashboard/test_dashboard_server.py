"""The dashboard's server side, in process: the live feed costs the API nothing without a page, the event stream
tells a page of its own account's changes, forms refuse other sites, and every read stays inside one account."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from aiohttp import web
from dashboard.browsing import through_control_middleware
from support import ACCOUNT, TOKEN, Api, assert_fault

from simulator import DemoAccount, SimulatorConfig, create_app
from simulator.config import Durations
from simulator.control.access import REFUSED
from simulator.dashboard.journal_view import LIVE_SCAN
from simulator.dashboard.live import LiveFeed
from simulator.keys import CLOCK, FEED, JOURNAL, SIMULATOR
from simulator.pipeline.trust import CROSS_SITE


@pytest.fixture
def sim_config() -> SimulatorConfig:
    return SimulatorConfig(
        seed=7, bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN), durations=Durations(build=30, backup=20)
    )


def feed_of(api: Api) -> LiveFeed:
    """The live feed on the control sub-app (which create_app mounts)."""
    control = next(
        r._app for r in api.app.router.resources() if isinstance(r, web.PrefixedSubAppResource) and FEED in r._app
    )
    assert control[SIMULATOR] is api.app
    return control[FEED]


async def next_event(stream) -> tuple[str, dict]:
    """The next server-sent event (name, data) of an open stream."""
    name, data = (await asyncio.wait_for(stream.content.readuntil(b"\n\n"), 5)).decode().strip().split("\n")
    return name.removeprefix("event: "), json.loads(data.removeprefix("data: "))


async def test_without_an_open_page_the_journal_has_no_listener_of_the_dashboard(api):
    feed = feed_of(api)
    status, _, _ = await api.get(f"/_sim/dashboard?account={ACCOUNT}")
    assert status == 200
    await api.get("/instances")
    assert feed not in api.app[JOURNAL].listeners and feed.seq == 0


async def test_the_event_stream_tells_a_page_of_its_accounts_changes_only(api):
    feed = feed_of(api)
    stream = await api.client.get(f"/_sim/dashboard/events?account={ACCOUNT}")
    assert stream.status == 200 and stream.content_type == "text/event-stream"
    assert await stream.content.readuntil(b"\n\n") == b'retry: 2000\nevent: hello\ndata: {"seq": 0}\n\n'
    assert feed in api.app[JOURNAL].listeners
    await api.get(f"/_sim/dashboard/part/state?account={ACCOUNT}")  # the page's own reads are not changes
    assert feed.seq == 0
    await api.client.post("/_sim/accounts", json={"account_id": "other", "token": "other-token"})
    assert feed.seq == 1  # a control call of no account may change what every page shows
    assert await next_event(stream) == ("change", {"seq": 1})
    await api.as_account("other", "other-token").get("/instances")
    assert feed.seq == 1 and "other" not in feed.changed_at  # another account's call is not this page's change
    await api.post("/instances", {"instance": {"name": "db1", "flavorRef": 1, "volume": {"size": 2}}})
    assert await next_event(stream) == ("change", {"seq": 2})
    stream.close()
    feed.shut()


async def test_a_stream_resting_between_two_events_ends_as_soon_as_the_server_stops(api, monkeypatch):
    monkeypatch.setattr("simulator.dashboard.live.MIN_GAP", 3600.0)  # a rest no stop could wait out
    feed = feed_of(api)
    stream = await api.client.get(f"/_sim/dashboard/events?account={ACCOUNT}")
    await stream.content.readuntil(b"\n\n")  # hello
    await api.post("/instances", {"instance": {"name": "db1", "flavorRef": 1, "volume": {"size": 2}}})
    assert await next_event(stream) == ("change", {"seq": 1})  # the stream now rests for MIN_GAP
    feed.shut()
    assert await asyncio.wait_for(stream.content.read(), 30) == b""  # it ended: no hour-long wait
    assert feed not in api.app[JOURNAL].listeners


async def test_a_post_from_another_sites_page_is_refused_and_changes_nothing(api):
    before = api.clock.now()
    resp = await api.client.post(
        "/_sim/dashboard/clock",
        data={"account": ACCOUNT, "seconds": "60"},
        headers={"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"},
        allow_redirects=False,
    )
    assert_fault((resp.status, await resp.json()), "forbidden", 403, CROSS_SITE)
    resp = await api.client.post(
        "/_sim/dashboard/clock",
        data={"account": ACCOUNT, "seconds": "60"},
        headers={"Origin": "null"},
        allow_redirects=False,
    )
    assert resp.status == 403
    assert api.clock.now() == before


#: What a browser sends with a form post from the dashboard's own page.
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


async def test_a_form_sends_the_browser_back_with_what_happened(api):
    resp = await api.client.post(
        "/_sim/dashboard/clock", data={"account": ACCOUNT, "seconds": "-1"}, headers=SAME_ORIGIN, allow_redirects=False
    )
    assert resp.status == 303
    assert resp.headers["Location"].startswith(f"/_sim/dashboard?account={ACCOUNT}&error=")
    assert resp.headers["Location"].endswith("#clock")
    resp = await api.client.post(
        "/_sim/dashboard/snapshots",
        data={"account": ACCOUNT, "name": "before"},
        headers=SAME_ORIGIN,
        allow_redirects=False,
    )
    assert resp.status == 303 and "notice=Snapshot+before+taken" in resp.headers["Location"]
    resp = await api.client.post(
        "/_sim/dashboard/snapshots/restore",
        data={"account": "other", "name": "before"},
        headers=SAME_ORIGIN,
        allow_redirects=False,
    )
    assert "error=Account+other+has+no+snapshot+named+before" in resp.headers["Location"]


async def test_a_live_update_reads_a_bounded_number_of_entries_and_says_when_it_left_some(api):
    first = api.app[JOURNAL].last_seq()
    for _ in range(LIVE_SCAN + 20):
        await api.get("/flavors")
    resp = await api.client.get(f"/_sim/dashboard/part/journal?account={ACCOUNT}&since={first}")
    text = await resp.text()
    assert text.count('<tr class="entry') == LIVE_SCAN and "reload the page" in text
    assert int(resp.headers["X-Journal-Seq"]) == first + LIVE_SCAN + 20  # the newest entry before this read
    mark = resp.headers["X-Journal-Seq"]
    await api.get("/flavors")
    text = await (await api.client.get(f"/_sim/dashboard/part/journal?account={ACCOUNT}&since={mark}")).text()
    assert text.count('<tr class="entry') == 1 and "reload the page" not in text


async def test_a_journal_filter_that_is_no_status_is_a_bad_request(api):
    status, body, _ = await api.get(f"/_sim/dashboard/part/journal?account={ACCOUNT}&status=teapot")
    assert_fault(
        (status, body), "badRequest", 400, "'status' must be a status code (413) or a class (4xx), not 'teapot'."
    )


async def test_parts_of_an_unknown_account_are_not_found_and_its_page_says_so(api):
    status, body, _ = await api.get("/_sim/dashboard/part/state?account=nobody")
    assert_fault((status, body), "itemNotFound", 404, "Account nobody cannot be found.")
    status, body, _ = await api.get("/_sim/dashboard?account=nobody")
    assert status == 200 and "Account nobody cannot be found." in body


async def test_an_entry_of_another_account_is_not_found_under_this_one(api):
    await api.client.post("/_sim/accounts", json={"account_id": "other", "token": "other-token"})
    await api.as_account("other", "other-token").get("/instances")
    seq = api.app[JOURNAL].entries(account_id="other")[-1]["seq"]
    status, body, _ = await api.get(f"/_sim/dashboard/entry?account={ACCOUNT}&seq={seq}&part=1")
    assert_fault((status, body), "itemNotFound", 404, f"Account {ACCOUNT} has no journal entry {seq}.")


async def test_passwords_never_reach_the_page(api):
    secret = "s3cret-Pass-991"
    await api.create_instance(users=[{"name": "app", "password": secret}])
    api.advance(30)
    await api.put(
        f"/instances/{(await api.get('/instances'))[1]['instances'][0]['id']}/users",
        {"users": [{"name": "app", "password": secret + "x"}]},
    )
    for path in ("", "/part/state", "/journal.har"):
        status, body, _ = await api.get(f"/_sim/dashboard{path}?account={ACCOUNT}")
        text = body if isinstance(body, str) else json.dumps(body)
        assert status == 200 and secret not in text and "password_hash" not in text, path
    for entry in api.app[JOURNAL].entries(account_id=ACCOUNT):
        status, body, _ = await api.get(f"/_sim/dashboard/entry?account={ACCOUNT}&seq={entry['seq']}&part=1")
        assert status == 200 and secret not in body


async def test_the_har_download_holds_the_filtered_entries(api):
    await api.get("/instances")
    await api.get("/instances/nope")
    resp = await api.client.get(f"/_sim/dashboard/journal.har?account={ACCOUNT}&status=4xx")
    assert resp.headers["Content-Disposition"] == f'attachment; filename="cdbsim-journal-{ACCOUNT}.har"'
    entries = json.loads(await resp.text())["log"]["entries"]
    assert [(e["request"]["method"], e["response"]["status"]) for e in entries] == [("GET", 404)]


async def test_the_state_shows_ha_groups_replica_sets_and_configuration_groups_of_the_shown_region(api):
    group = (
        await api.post(
            "/configurations",
            {
                "configuration": {
                    "name": "tuned",
                    "values": {"connect_timeout": 120, "innodb_buffer_pool_size": 1073741824},
                }
            },
        )
    )[1]
    source = await api.create_instance(name="primary")
    api.advance(30)
    status, body, _ = await api.post("/instances", {"instance": {"name": "follower", "replica_of": source["id"]}})
    assert status == 200, body
    replica = body["instance"]
    assert (await api.put(f"/instances/{source['id']}", {"instance": {"configuration": group["configuration"]["id"]}}))[
        0
    ] == 202
    ha_spec = {
        "name": "ha-orders",
        "datastore": {"type": "MYSQL", "version": "5.7"},
        "networks": ["servicenet"],
        "replica_source": [{"name": "ha-src", "flavorRef": "2", "volume": {"size": 1}}],
        "replicas": [{"name": "ha-rep", "flavorRef": "2", "volume": {"size": 1}}],
        "acls": [{"address": "10.0.0.0/8"}],
    }
    status, body, _ = await api.post("/ha", {"ha": ha_spec})
    assert status == 202, body
    ha_id = body["ha_instance"]["id"]
    status, text, _ = await api.get(f"/_sim/dashboard/part/state?account={ACCOUNT}")
    assert status == 200
    assert f'data-ha-id="{ha_id}"' in text and "ha-orders" in text and "10.0.0.0/8" in text
    assert 'data-access="read"' in text and 'data-access="write"' in text
    assert f'data-instance="{replica["id"]}" data-replica-of="{source["id"]}"' in text
    assert 'class="restart-required"' in text and "innodb_buffer_pool_size" in text
    assert f'data-attached="{source["id"]}"' in text
    status, text, _ = await api.get(f"/_sim/dashboard/part/state?account={ACCOUNT}&region=iad")
    assert status == 200 and ha_id not in text and "No HA group of this account in IAD." in text


async def test_every_region_shows_what_it_holds_and_a_copy_names_the_region_of_its_original(api):
    source = await api.create_instance(name="primary")
    api.advance(30)
    status, body, _ = await api.post("/backups", {"backup": {"name": "full", "instance": source["id"]}})
    assert status == 202, body
    original = body["backup"]["id"]
    api.advance(20)
    assert (await api.post(f"/backups/{original}/action", {"copy-backup": {"target_backup_region": "ORD"}}))[0] == 202
    api.advance(60)
    iad = api.as_account(ACCOUNT, TOKEN)
    iad.url = lambda path: f"/iad/v1.0/{ACCOUNT}{path}"
    status, body, _ = await iad.post(
        "/instances", {"instance": {"name": "iad-db", "flavorRef": 1, "volume": {"size": 1}}}
    )
    assert status == 200, body
    _, text, _ = await api.get(f"/_sim/dashboard/part/state?account={ACCOUNT}")
    counts = dict(re.findall(r'data-region="(\w+)".*?<span class="counts">(.*?)</span>\n', text, re.S))
    assert counts["DFW"] == "1 instance, 1 backup" and counts["ORD"] == "1 backup" and counts["IAD"] == "1 instance"
    assert "iad-db" not in text
    _, text, _ = await api.get(f"/_sim/dashboard/part/state?account={ACCOUNT}&region=ord")
    assert f'data-copy-of="{original}"' in text and "copied from backup" in text and " in DFW</span>" in text
    _, text, _ = await api.get(f"/_sim/dashboard/part/state?account={ACCOUNT}&region=IAD")
    assert "iad-db" in text and f'data-copy-of="{original}"' not in text


async def test_a_region_that_is_none_is_a_bad_request(api):
    status, body, _ = await api.get(f"/_sim/dashboard/part/state?account={ACCOUNT}&region=mars")
    assert_fault((status, body), "badRequest", 400, "'region' must be one of DFW, ORD, IAD, LON, HKG, SYD, not 'MARS'.")


async def test_the_journal_pages_fifty_rows_at_a_time_newest_first(api):
    for _ in range(120):
        await api.get("/flavors")
    last = api.app[JOURNAL].last_seq()
    _, first_page, _ = await api.get(f"/_sim/dashboard?account={ACCOUNT}")
    assert first_page.count('<tr class="entry') == 50 and f'data-seq="{last}"' in first_page
    assert "Entries 1–50 of 120, page 1 of 3" in first_page
    _, third, _ = await api.get(f"/_sim/dashboard?account={ACCOUNT}&page=3")
    assert third.count('<tr class="entry') == 20 and "Entries 101–120 of 120, page 3 of 3" in third
    assert f'data-seq="{last - 100}"' in third and f'data-seq="{last - 99}"' not in third


async def test_the_static_files_are_only_the_dashboards_own(api):
    for name, kind in (("dashboard.css", "text/css"), ("dashboard.js", "text/javascript")):
        resp = await api.client.get(f"/_sim/dashboard/static/{name}")
        assert resp.status == 200 and resp.content_type == kind
    for name in ("nothing.js", "..%2Fgather.py", "page.html"):
        status, body, _ = await api.get(f"/_sim/dashboard/static/{name}")
        assert status == 404 and list(body) == ["itemNotFound"], name


async def test_on_a_real_clock_the_page_offers_to_stop_it_and_loads_only_its_own_files(api):
    api.app[CLOCK].mode = "real"
    status, body, resp = await api.get(f"/_sim/dashboard?account={ACCOUNT}")
    assert status == 200 and 'id="clock-manual"' in body and 'id="advance-60"' not in body
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]


async def test_a_caller_from_another_address_without_the_admin_token_is_refused_by_the_control_middleware():
    app = create_app(SimulatorConfig(bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN), admin_token="s3cret"))
    served = (200, {"served": True})
    for method, path in (
        ("GET", "/_sim/dashboard"),
        ("GET", f"/_sim/dashboard/events?account={ACCOUNT}"),
        ("GET", f"/_sim/dashboard/journal.har?account={ACCOUNT}"),
        ("POST", "/_sim/dashboard/reset"),
        ("GET", "/_sim/dashboard/static/dashboard.js"),
    ):
        status, body = await through_control_middleware(app, method, path, "198.51.100.7")
        assert_fault((status, body), "forbidden", 403, REFUSED)
        wrong = await through_control_middleware(app, method, path, "198.51.100.7", {"X-Admin-Token": "guess"})
        assert wrong[0] == 403
        admin = {"X-Admin-Token": "s3cret", "X-Cdbsim": "1"}  # a script's post: the token and the proof header
        assert await through_control_middleware(app, method, path, "198.51.100.7", admin) == served
        assert await through_control_middleware(app, method, path, "127.0.0.1", {"X-Cdbsim": "1"}) == served


async def test_the_whole_pipeline_refuses_the_page_to_another_address(aiohttp_client):
    app = create_app(SimulatorConfig(bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN), admin_token="s3cret"))

    @web.middleware
    async def from_elsewhere(request: web.Request, handler):
        return await handler(request.clone(remote="203.0.113.9"))

    app.middlewares.insert(0, from_elsewhere)
    client = await aiohttp_client(app)
    resp = await client.get(f"/_sim/dashboard?account={ACCOUNT}")
    assert_fault((resp.status, await resp.json()), "forbidden", 403, REFUSED)
    resp = await client.get(f"/_sim/dashboard?account={ACCOUNT}", headers={"X-Admin-Token": "s3cret"})
    assert resp.status == 200 and resp.content_type == "text/html"


async def test_an_open_page_spares_every_api_request_the_url_the_recorder_needs(api):
    seen = []

    class Probe:
        wants_url = False

        def __call__(self, exchange):
            seen.append(exchange["url"])

    feed = feed_of(api)
    feed.open(ACCOUNT)  # as an open page's stream does
    api.app[JOURNAL].listeners.append(Probe())
    await api.get("/flavors")
    assert seen == [None]  # no listener wanted it: the middleware did not build it
    api.app[JOURNAL].listeners.append(lambda exchange: seen.append(exchange["url"]))  # a recorder wants it
    await api.get("/flavors")
    assert seen[1].endswith(f"/v1.0/{ACCOUNT}/flavors") and seen[1] == seen[2]
    feed.close(ACCOUNT)
