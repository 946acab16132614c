"""What a web page of another site (CSRF) or a rebound DNS name (DNS rebinding) cannot make the sandbox do: every
state-changing /_sim/ call proves it is not cross-site, and every route answers only the Host names it knows."""

from __future__ import annotations

import pytest
from support import ACCOUNT, TOKEN, Api, assert_fault

from simulator import DemoAccount, SimulatorConfig, create_app
from simulator.control.access import REFUSED
from simulator.pipeline.trust import CROSS_SITE, SIMPLE_REQUEST, UNKNOWN_HOST, allowed_hosts, host_name

YAML_SCENARIO = "name: y\nrules:\n  - match: {route: list_flavors}\n    actions: [{respond: 503}]\n"
EVIL = {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}
#: What a page on another loopback port sends (same site, another origin).
OTHER_PORT = {"Origin": "http://127.0.0.1:1", "Sec-Fetch-Site": "same-site"}
#: Calls the issue's attacker page sent (method, path, body).
STATE_CHANGES = [
    ("POST", "/_sim/reset", None),
    ("POST", f"/_sim/accounts/{ACCOUNT}/reset", None),
    ("POST", "/_sim/demo", None),
    ("POST", "/_sim/accounts", '{"account_id": "evil"}'),
    ("POST", "/_sim/snapshots", None),
    ("POST", "/_sim/clock/advance", '{"seconds": 60}'),
    ("POST", "/_sim/scenarios", "name: x\nrules: []\n"),
    ("POST", "/_sim/dashboard/clock", f"account={ACCOUNT}&seconds=60"),
]


async def raw(api: Api, method: str, path: str, body: str | None, headers: dict):
    """A request with exactly these headers (no JSON content type added, as a page's simple request has none)."""
    resp = await api.client.request(
        method,
        path,
        data=body,
        headers=headers,
        allow_redirects=False,
        skip_auto_headers=() if "Content-Type" in headers else ("Content-Type",),
    )
    return resp.status, await resp.json() if resp.content_type == "application/json" else None, resp


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "TEXT/PLAIN; charset=utf-8",
    ],
)
async def test_a_browsers_simple_request_cannot_change_state(api, content_type):
    """A browser marks every request (Sec-Fetch-Site); one that is not its page's own same-origin call and proves
    nothing more than a simple request does is refused, whatever simple content type it carries."""
    before = api.clock.now()
    for method, path, body in STATE_CHANGES:
        headers = {"Sec-Fetch-Site": "none", **({"Content-Type": content_type} if content_type else {})}
        status, answer, _ = await raw(api, method, path, body, headers)
        assert_fault((status, answer), "forbidden", 403, SIMPLE_REQUEST)
    assert api.clock.now() == before
    assert api.backend.identity.account("evil") is None


async def test_a_request_from_no_browser_changes_state_without_proof(api):
    """curl -X POST .../_sim/clock/advance -d '{"seconds": 60}' (no Origin, no Sec-Fetch-Site, curl's form type):
    no page could have sent it, so it needs no JSON type and no X-Cdbsim header."""
    before = api.clock.now()
    status, answer, _ = await raw(
        api, "POST", "/_sim/clock/advance", '{"seconds": 60}', {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 415, answer  # past the cross-site rule: the body is read, and a form is not JSON
    status, answer, _ = await raw(api, "POST", "/_sim/reset", None, {})
    assert status == 200, answer
    assert api.clock.now() >= before


@pytest.mark.parametrize(
    "browser",
    [EVIL, OTHER_PORT, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}, {"Origin": "http://evil.example"}],
)
async def test_a_request_another_sites_page_sent_is_refused_whatever_it_carries(api, browser):
    before = api.clock.now()
    for method, path, body in STATE_CHANGES:
        for proof in ({"Content-Type": "application/json"}, {"X-Cdbsim": "1"}):
            status, answer, _ = await raw(api, method, path, body, {**browser, **proof})
            assert_fault((status, answer), "forbidden", 403, CROSS_SITE)
    assert api.clock.now() == before


async def test_a_script_with_the_header_or_a_json_body_and_a_page_of_the_sandbox_itself_are_served(api):
    assert (await raw(api, "POST", f"/_sim/accounts/{ACCOUNT}/reset", None, {"X-Cdbsim": "1"}))[0] == 200
    assert (await api.post("/_sim/clock/advance", {"seconds": 1}))[0] == 200
    yaml = {"Content-Type": "application/yaml"}  # not a type a page may send without a preflight
    assert (await raw(api, "POST", "/_sim/scenarios", YAML_SCENARIO, yaml))[0] == 201
    own = f"http://{api.client.host}:{api.client.port}"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    same = {"Sec-Fetch-Site": "same-origin"}
    for browser in ({"Origin": own, **same}, {"Origin": own}, same):
        status = (await raw(api, "POST", "/_sim/dashboard/clock", f"account={ACCOUNT}&seconds=5", {**form, **browser}))[
            0
        ]
        assert status == 303, browser


async def test_reads_need_no_proof(api):
    for path in ("/_sim/clock", "/_sim/accounts", "/_sim/journal", f"/_sim/dashboard?account={ACCOUNT}"):
        resp = await api.client.get(path)
        assert resp.status == 200, path


@pytest.mark.parametrize(
    "path",
    [
        "/_sim/accounts",
        "/_sim/journal",
        f"/_sim/dashboard?account={ACCOUNT}",
        f"/v1.0/{ACCOUNT}/flavors",
        "/v2.0/tokens",
        "/",
    ],
)
async def test_a_rebound_name_is_refused_on_every_route(api, path):
    status, answer, _ = await raw(
        api, "GET", path, None, {"Host": f"rebind.test:{api.client.port}", "X-Auth-Token": TOKEN}
    )
    assert_fault((status, answer), "badRequest", 400, UNKNOWN_HOST.format(host=repr(f"rebind.test:{api.client.port}")))


async def test_a_rebound_name_cannot_post_the_dashboards_forms(api):
    before = api.clock.now()
    origin = f"http://rebind.test:{api.client.port}"
    status, answer, _ = await raw(
        api,
        "POST",
        "/_sim/dashboard/clock",
        f"account={ACCOUNT}&seconds=60",
        {
            "Host": origin[7:],
            "Origin": origin,
            "Sec-Fetch-Site": "same-origin",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert status == 400 and list(answer) == ["badRequest"]
    assert api.clock.now() == before


@pytest.mark.parametrize(
    "host",
    [
        "localhost:8779",
        "127.0.0.1:8779",
        "[::1]:8779",
        "LOCALHOST",
        "127.1.2.3",
        "localhost.",
        "api.example.test:443",
        "cdbsim:8779",
    ],
)
async def test_loopback_names_the_public_url_and_allowed_hosts_are_answered(aiohttp_client, host):
    config = SimulatorConfig(
        bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN),
        public_url="https://api.example.test",
        allowed_hosts=("cdbsim",),
    )
    client = await aiohttp_client(create_app(config))
    resp = await client.get(f"/v1.0/{ACCOUNT}/flavors", headers={"Host": host, "X-Auth-Token": TOKEN})
    assert resp.status == 200, host


async def test_a_star_answers_any_name(aiohttp_client):
    client = await aiohttp_client(create_app(SimulatorConfig(allowed_hosts=("*",))))
    assert (await client.get("/_sim/clock", headers={"Host": "anything.example"})).status == 200


def test_host_names_are_compared_without_port_case_or_trailing_dot():
    assert host_name("LocalHost.:8779") == "localhost"
    assert host_name("[::1]:80") == "[::1]"
    assert allowed_hosts("http://[fd00::1]:8779/", ("A.example", " ")) == {"[fd00::1]", "a.example"}
    assert allowed_hosts(None, ("x", "*")) is None


async def test_a_loopback_peer_that_relays_for_others_is_not_trusted_unless_the_user_says_so(aiohttp_client):
    relayed = {"X-Forwarded-For": "203.0.113.5"}
    for trust, expected in ((False, 403), (True, 200)):
        config = SimulatorConfig(bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN), trust_proxy=trust)
        client = await aiohttp_client(create_app(config))
        resp = await client.get("/_sim/accounts", headers=relayed)
        assert resp.status == expected
        if expected == 403:
            assert_fault((resp.status, await resp.json()), "forbidden", 403, REFUSED)


async def test_an_injected_html_answer_runs_no_script(api):
    scenario = {
        "name": "html",
        "rules": [
            {
                "match": {"route": "list_flavors"},
                "actions": [
                    {
                        "respond": {
                            "status": 200,
                            "body": "<script>fetch('/_sim/accounts')</script>",
                            "headers": {"Content-Type": "text/html", "Content-Security-Policy": "default-src *"},
                        }
                    }
                ],
            }
        ],
    }
    assert (await api.post("/_sim/scenarios", {"scenario": scenario, "account_id": ACCOUNT}))[0] == 201
    resp = await api.client.get(f"/v1.0/{ACCOUNT}/flavors", headers={"X-Auth-Token": TOKEN})
    assert resp.content_type == "text/html"
    assert resp.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_allowed_hosts_come_from_the_option_and_the_environment(monkeypatch):
    import argparse

    from simulator.serve.options import add_serve_options, config_from_args

    parser = argparse.ArgumentParser()
    add_serve_options(parser)
    monkeypatch.setenv("CDBSIM_ALLOWED_HOSTS", "cdbsim, db-sim ,")
    config = config_from_args(parser.parse_args(["--allowed-host", "proxy.test", "--trust-proxy"]))
    assert config.allowed_hosts == ("proxy.test", "cdbsim", "db-sim") and config.trust_proxy
    monkeypatch.setenv("CDBSIM_ALLOWED_HOSTS", "*")
    assert allowed_hosts(None, config_from_args(parser.parse_args([])).allowed_hosts) is None
