"""What an attacker's web page can make a browser do to the sandbox, tried in a real browser (Chromium): pages on
two other origins (another loopback port, and a cross-site name) send every state-changing control call a page can
send, the chained scenario attack included, and a rebound DNS name (Chromium's --host-resolver-rules maps it to
loopback) reads and posts as the sandbox's own origin. Every attempt is refused and changes nothing; the dashboard
still works from its own origin."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from dashboard.browsing import DURATIONS, WAIT_MS
from dashboard.conftest import CHROMIUM, CHROMIUM_ARGS, browser_missing, features_kept
from support import ACCOUNT, TOKEN

from simulator import DemoAccount, SimulatorConfig
from simulator.pipeline.trust import CROSS_SITE, SIMPLE_REQUEST, UNKNOWN_HOST
from simulator.testing import SimulatorServer

pytestmark = pytest.mark.slow

#: Names Chromium resolves to loopback: a site of another name, and the name an attacker rebinds.
EVIL, REBIND = "evil.test", "rebind.test"
RESOLVER_RULES = f"--host-resolver-rules=MAP {EVIL} 127.0.0.1, MAP {REBIND} 127.0.0.1"

#: A scenario whose answer would run the attacker's script on the sandbox's origin (the issue's chained attack).
HTML_SCENARIO = (
    "name: pwn\nrules:\n  - match: {route: list_flavors}\n    actions:\n"
    "      - respond: {status: 200, body: \"<script>fetch('/_sim/accounts')</script>\","
    " headers: {Content-Type: text/html}}\n"
)

#: The attacker page's script: every state-changing call a page may send to another origin without a preflight
#: (no body, a form body, text/plain JSON or YAML), then two it may only send after a preflight (JSON, the custom
#: header), then a read; each outcome is kept in window.results.
ATTACK_JS = """
async function attack(target, scenario, account) {
  const results = {};
  const simple = {
    reset: ["/_sim/reset", undefined, undefined],
    reset_account: ["/_sim/accounts/" + account + "/reset", undefined, undefined],
    demo: ["/_sim/demo", "{}", "text/plain"],
    create_account: ["/_sim/accounts", '{"account_id": "evil"}', "text/plain"],
    snapshot: ["/_sim/snapshots", "name=evil", "application/x-www-form-urlencoded"],
    restore: ["/_sim/snapshots/base/restore", undefined, undefined],
    scenario: ["/_sim/scenarios", scenario, "text/plain"],
    advance: ["/_sim/clock/advance", '{"seconds": 3600}', "text/plain"],
    dashboard_clock: ["/_sim/dashboard/clock", "account=" + account + "&seconds=3600",
                      "application/x-www-form-urlencoded"],
  };
  for (const [name, [path, body, type]] of Object.entries(simple)) {
    const init = {method: "POST", mode: "no-cors", body: body};
    if (type) init.headers = {"Content-Type": type};
    try { await fetch(target + path, init); results[name] = "sent"; }
    catch (e) { results[name] = "blocked: " + e; }
  }
  for (const [name, headers] of [["json", {"Content-Type": "application/json"}], ["header", {"X-Cdbsim": "1"}]]) {
    try {
      const r = await fetch(target + "/_sim/clock/advance", {method: "POST", headers: headers,
                                                              body: '{"seconds": 3600}'});
      results[name] = "answered " + r.status;
    } catch (e) { results[name] = "blocked"; }
  }
  try {
    const r = await fetch(target + "/_sim/accounts");
    results.read = "read " + (await r.text()).slice(0, 40);
  } catch (e) { results.read = "blocked"; }
  return results;
}
"""


def attack_page(target: str) -> bytes:
    return (
        f"<!doctype html><title>cute cats</title><script>{ATTACK_JS}"
        f"window.results = attack({json.dumps(target)}, {script_text(HTML_SCENARIO)}, {json.dumps(ACCOUNT)});"
        "</script>"
    ).encode()


def script_text(text: str) -> str:
    """text as a JS string literal that cannot end the <script> element it sits in."""
    return json.dumps(text).replace("</", "<\\/")


def form_page(target: str) -> bytes:
    """A page that posts the dashboard's clock form to the sandbox as soon as it loads (a navigation)."""
    return (
        f'<!doctype html><form method="post" action="{target}/_sim/dashboard/clock">'
        f'<input name="account" value="{ACCOUNT}"><input name="seconds" value="3600"></form>'
        "<script>document.forms[0].submit()</script>"
    ).encode()


class AttackerSite:
    """The attacker's web server on another loopback port: /attack and /form, aimed at target."""

    def __init__(self, target: str) -> None:
        pages = {"/attack": attack_page(target), "/form": form_page(target)}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = pages.get(self.path.split("?")[0], b"not here")
                self.send_response(200 if self.path in pages else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def rebinding_browser():
    """Chromium as the dashboard tests launch it, resolving evil.test and rebind.test to loopback."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_missing("Playwright for Python")
    import shutil
    from pathlib import Path

    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if executable is None:
        browser_missing(f"Chromium at {CHROMIUM}")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=[*CHROMIUM_ARGS, RESOLVER_RULES])
        features_kept()
        yield launched
        launched.close()


@pytest.fixture
def tab(rebinding_browser):
    context = rebinding_browser.new_context()
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    yield page
    context.close()


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    config = SimulatorConfig(
        seed=11,
        bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN),
        durations=DURATIONS,
        start_time="2026-03-02T09:00:00",
    )
    server = SimulatorServer(config).start()
    yield server
    server.stop()


def control(sim: SimulatorServer, method: str, path: str, body=None) -> dict:
    answer = requests.request(method, f"{sim.url}/_sim{path}", json=body, headers={"X-Cdbsim": "1"}, timeout=30)
    assert answer.status_code < 300, answer.text
    return answer.json() if answer.content else {}


def state(sim: SimulatorServer) -> dict:
    """What an attack would change: the clock, the accounts, the scenarios, the snapshots."""
    return {
        "clock": control(sim, "GET", "/clock")["clock"]["now"],
        "accounts": control(sim, "GET", "/accounts")["accounts"],
        "scenarios": control(sim, "GET", "/scenarios")["scenarios"],
        "snapshots": [s["name"] for s in control(sim, "GET", "/snapshots")["snapshots"]],
    }


def posts(sim: SimulatorServer) -> list[tuple[str, int, str]]:
    """(path, status, fault message) of the POSTs the journal holds."""
    entries = control(sim, "GET", "/journal")["journal"]
    out = []
    for e in entries:
        body = (e.get("response") or {}).get("body")
        fault = next(iter(body.values())) if isinstance(body, dict) and len(body) == 1 else None
        if e["method"] == "POST":
            out.append((e["path"], e["status"], fault.get("message", "") if isinstance(fault, dict) else ""))
    return out


@pytest.mark.parametrize("attacker_host", ["127.0.0.1", EVIL])
def test_a_page_of_another_origin_cannot_change_or_read_the_sandbox(sim, tab, attacker_host):
    control(sim, "POST", "/snapshots", {"name": "base"})
    before = state(sim)
    site = AttackerSite(sim.url)
    try:
        tab.goto(f"http://{attacker_host}:{site.port}/attack")
        results = tab.evaluate("() => window.results")  # a promise: evaluate awaits it
    finally:
        site.close()
    assert results["json"] == results["header"] == results["read"] == "blocked", results  # no preflight answered
    assert state(sim) == before
    # the test's own snapshot, then every simple request, which reached the sandbox and was refused as cross-site
    # (the browser said so); the preflighted ones never came (their OPTIONS found no CORS answer)
    sent = posts(sim)
    assert sent[0] == ("/_sim/snapshots", 201, "")
    assert len(sent) == 10 and {(status, message) for _, status, message in sent[1:]} == {(403, CROSS_SITE)}, sent


def test_a_form_another_site_posts_is_refused(sim, tab):
    before = state(sim)
    site = AttackerSite(sim.url)
    try:
        tab.goto(f"http://{EVIL}:{site.port}/form")
        tab.wait_for_url(f"{sim.url}/_sim/dashboard/clock")
        assert json.loads(tab.locator("body").inner_text()) == {"forbidden": {"code": 403, "message": CROSS_SITE}}
    finally:
        site.close()
    assert state(sim) == before


def test_a_rebound_name_gets_nothing_from_any_route_and_cannot_post(sim, tab):
    before = state(sim)
    origin = f"http://{REBIND}:{sim.port}"
    refused = UNKNOWN_HOST.format(host=repr(f"{REBIND}:{sim.port}"))
    for path in (f"/_sim/dashboard?account={ACCOUNT}", "/_sim/journal", "/_sim/accounts", f"/v1.0/{ACCOUNT}/flavors"):
        response = tab.goto(origin + path)
        assert response.status == 400, path
        assert json.loads(tab.locator("body").inner_text()) == {"badRequest": {"code": 400, "message": refused}}
    # a script on the rebound origin is same-origin with these URLs: it still gets only the 400
    outcome = tab.evaluate(
        """async (account) => {
      const post = await fetch('/_sim/dashboard/clock', {method: 'POST',
        headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'account=' + account + '&seconds=3600'});
      const json = await fetch('/_sim/clock/advance', {method: 'POST', headers: {'Content-Type': 'application/json'},
        body: '{"seconds": 3600}'});
      const read = await fetch('/_sim/accounts');
      return [post.status, json.status, read.status, await read.text()];
    }""",
        ACCOUNT,
    )
    assert outcome[:3] == [400, 400, 400] and TOKEN not in outcome[3] and "demo" not in outcome[3]
    assert state(sim) == before


def test_the_dashboard_still_works_from_its_own_origin(sim, tab):
    from playwright.sync_api import expect

    before = control(sim, "GET", "/clock")["clock"]["now"]
    tab.goto(f"{sim.url}/_sim/dashboard?account={ACCOUNT}")
    expect(tab.locator("#live")).to_have_attribute("data-state", "on")
    tab.get_by_role("button", name="+1 min").click()
    expect(tab.locator(".notice")).to_contain_text("The clock moved 60 s")
    assert control(sim, "GET", "/clock")["clock"]["now"] != before
    # a request no browser marked (curl, a script: no Origin, no Sec-Fetch-Site) needs no proof; the same request
    # marked as a browser's, proves nothing more than a simple request
    assert requests.post(f"{sim.url}/_sim/reset", timeout=30).status_code == 200
    answer = requests.post(f"{sim.url}/_sim/reset", headers={"Sec-Fetch-Site": "none"}, timeout=30)
    assert answer.status_code == 403 and answer.json()["forbidden"]["message"] == SIMPLE_REQUEST
