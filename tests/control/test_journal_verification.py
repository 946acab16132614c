"""Request verification over /_sim/journal: every filter (method, route, status and status class, account, path
glob, since/until by seq or time, faulted), a 400 naming an unknown filter, route or value, limit as the newest N
newest first, GET /_sim/journal/count with the near misses of a count of zero, and logins filed under the account
they log into."""

from __future__ import annotations

import pytest
from support import ACCOUNT, TOKEN, assert_fault

BROKEN_LISTS = {
    "scenario": {
        "name": "broken_lists",
        "rules": [
            {
                "name": "lists-fail",
                "match": {"route": "list_instances"},
                "when": {"times": 1},
                "actions": [{"respond": {"status": 503}}],
            }
        ],
    }
}


async def traffic(api) -> None:
    """A GET, a 404, a POST, a DELETE, a login and a faulted call, with the clock moving between them."""
    await api.get("/flavors")
    await api.get("/instances/nope")
    api.advance(60)
    inst = await api.create_instance("orders-db")
    await api.delete(f"/instances/{inst['id']}")
    await api.post("/v2.0/tokens", {"auth": {"token": {"id": TOKEN}, "tenantId": ACCOUNT}})
    status, body, _ = await api.post("/_sim/scenarios", {**BROKEN_LISTS, "account_id": ACCOUNT})
    assert status in (200, 201), body
    assert (await api.get("/instances"))[0] == 503


async def journal(api, query: str) -> list[tuple]:
    status, body, _ = await api.get(f"/_sim/journal?account_id={ACCOUNT}&{query}")
    assert status == 200, body
    return [(e["method"], e["route"], e["status"]) for e in body["journal"]]


async def test_every_filter_selects_what_it_names(api):
    await traffic(api)
    assert await journal(api, "method=DELETE") == [("DELETE", "delete_instance", 202)]
    assert await journal(api, "method=delete&method=post") == [
        ("POST", "create_instance", 200),
        ("DELETE", "delete_instance", 202),
        ("POST", "create_token", 200),
    ]
    assert await journal(api, "route=show_instance") == [("GET", "show_instance", 404)]
    assert await journal(api, "status=4xx") == [("GET", "show_instance", 404)]
    assert await journal(api, "status=202&status=503") == [
        ("DELETE", "delete_instance", 202),
        ("GET", "list_instances", 503),
    ]
    assert await journal(api, "path=/v1.0/*/instances/*") == [
        ("GET", "show_instance", 404),
        ("DELETE", "delete_instance", 202),
    ]
    assert await journal(api, "faulted=true") == [("GET", "list_instances", 503)]
    assert ("GET", "list_instances", 503) not in await journal(api, "faulted=false")


async def test_since_and_until_take_a_seq_or_a_time_on_the_simulators_clock(api):
    await traffic(api)
    _, body, _ = await api.get(f"/_sim/journal?account_id={ACCOUNT}")
    entries = body["journal"]
    first, second = entries[0], entries[1]
    assert await journal(api, f"until={second['seq']}") == [("GET", "list_flavors", 200), ("GET", "show_instance", 404)]
    assert await journal(api, f"since={first['seq']}&until={second['seq']}") == [("GET", "show_instance", 404)]
    later = entries[2]["time"]  # after the clock moved 60 s
    assert later > second["time"]
    assert await journal(api, f"until={second['time']}Z") == [
        ("GET", "list_flavors", 200),
        ("GET", "show_instance", 404),
    ]
    assert (await journal(api, f"since={later}"))[0][1] == "create_instance"


async def test_limit_gives_the_newest_entries_newest_first(api):
    await traffic(api)
    assert await journal(api, "limit=2") == [("GET", "list_instances", 503), ("POST", "create_token", 200)]


async def test_logins_are_journalled_under_the_account_they_log_into(api):
    await api.post("/v2.0/tokens", {"auth": {"token": {"id": TOKEN}, "tenantId": ACCOUNT}})
    await api.post("/v2.0/tokens", {"auth": {"token": {"id": "wrong"}, "tenantId": ACCOUNT}})
    assert await journal(api, "route=create_token") == [("POST", "create_token", 200)]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "methd=DELETE",
            "Unknown journal filter(s): methd (known: account_id, method, route, status, path, since, "
            "until, faulted, limit).",
        ),
        ("route=no_such_route", "Unknown route name(s): no_such_route (the operation ids of GET /openapi.json)."),
        ("method=FETCH", "Unknown method(s): FETCH (known: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS)."),
        ("status=4x", "status must be an HTTP status (404) or a class (4xx), not '4x'."),
        ("faulted=maybe", "faulted must be true or false, not 'maybe'."),
        ("limit=-1", "limit must be an integer from 0 to 2**63 - 1, not -1."),
        (
            "until=yesterday",
            "until must be a journal seq (an integer) or a time in ISO 8601 (2026-12-07T13:00:00Z), not 'yesterday'.",
        ),
    ],
)
async def test_an_unknown_filter_route_or_value_is_a_400_naming_it(api, query, message):
    for path in ("/_sim/journal", "/_sim/journal/har", "/_sim/journal/count"):
        if path.endswith("count") and query.startswith(("limit", "methd")):
            continue  # a count takes no limit: its list of known filters is one shorter
        assert_fault(await api.get(f"{path}?{query}"), "badRequest", 400, message)


async def test_clearing_takes_only_the_account_filter(api):
    assert_fault(
        await api.delete("/_sim/journal?route=list_flavors"),
        "badRequest",
        400,
        "Unknown journal filter(s): route (known: account_id).",
    )


async def test_count_answers_how_many_matched(api):
    await traffic(api)
    status, body, _ = await api.get(f"/_sim/journal/count?account_id={ACCOUNT}&method=GET&status=2xx")
    assert status == 200 and body == {"count": 1, "near_misses": []}


async def test_a_count_of_zero_names_the_closest_misses_and_what_differed(api):
    await traffic(api)
    status, body, _ = await api.get(f"/_sim/journal/count?account_id={ACCOUNT}&method=DELETE&status=404")
    assert status == 200 and body["count"] == 0
    closest = body["near_misses"]
    assert len(closest) == 3
    # one filter missed each: the DELETE answered 202; the GET that answered 404 was not a DELETE
    assert [(m["route"], m["differs"]) for m in closest[:2]] == [
        ("delete_instance", {"status": {"wanted": [404], "was": 202}}),
        ("show_instance", {"method": {"wanted": ["DELETE"], "was": "GET"}}),
    ]
    assert len(closest[2]["differs"]) == 2
    count = await api.get("/_sim/journal/count?route=no_such_route")
    assert_fault(
        count, "badRequest", 400, "Unknown route name(s): no_such_route (the operation ids of GET /openapi.json)."
    )


async def test_the_dashboards_coverage_counts_logins(api):
    for _ in range(2):
        await api.post("/v2.0/tokens", {"auth": {"token": {"id": TOKEN}, "tenantId": ACCOUNT}})
    status, page, _ = await api.get(f"/_sim/dashboard/part/coverage?account={ACCOUNT}")
    assert status == 200
    exercised = page.split("<strong>Never:</strong>", 1)[0]
    assert '<span class="chip">create_token <span class="muted">×2</span></span>' in exercised
