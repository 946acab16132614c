"""The dashboard in a real browser (Debian's Chromium through Playwright): resources made through the API show on
the page, change live, and the page's own buttons move the clock and unload a fault scenario."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from dashboard.browsing import (
    DOCS_SCREENSHOT,
    DURATIONS,
    SandboxApi,
    open_live,
    outward_address,
    through_control_middleware,
)
from playwright.sync_api import expect
from support import ACCOUNT, TOKEN

from simulator import DemoAccount, SimulatorConfig, create_app
from simulator.control.access import REFUSED
from simulator.testing import SimulatorServer

#: Starts processes, a browser or a long generated search: left out of the fast loop.
pytestmark = pytest.mark.slow

RULE = "restore_over_limit/restore-rate-limited"


def instance_badge(page, instance_id: str):
    return page.locator(f'tr[data-instance-id="{instance_id}"] .badge')


def test_an_instance_appears_in_build_and_turns_active_when_the_page_advances_the_clock(page, sandbox, dashboard):
    open_live(page, dashboard)
    instance_id = sandbox.create_instance("orders-db")  # made after the page opened: it must arrive live
    expect(instance_badge(page, instance_id)).to_have_text("BUILD")
    expect(instance_badge(page, instance_id)).to_have_attribute("data-status", "BUILD")
    page.get_by_role("button", name="+1 min").click()  # the build takes 30 s of the simulator's clock
    expect(instance_badge(page, instance_id)).to_have_text("ACTIVE")
    expect(page.locator(".notice")).to_contain_text("The clock moved 60 s")
    colours = instance_badge(page, instance_id).evaluate("b => getComputedStyle(b).backgroundColor")
    assert colours not in ("rgba(0, 0, 0, 0)", "transparent")


def test_a_full_backup_and_two_incrementals_are_drawn_as_three_linked_nodes(page, sandbox, dashboard):
    instance_id = sandbox.active_instance("billing")
    full = sandbox.backup(instance_id, "nightly-full")
    first = sandbox.backup(instance_id, "incr-1", parent_id=full)
    second = sandbox.backup(instance_id, "incr-2", parent_id=first)
    page.goto(dashboard)
    chain = page.locator(f'ul.trees > li[data-backup-id="{full}"]')
    expect(chain).to_have_count(1)
    nested = chain.locator(f'> ul.chain > li[data-backup-id="{first}"] > ul.chain > li[data-backup-id="{second}"]')
    expect(nested).to_have_count(1)
    assert chain.locator("li.backup-node").count() == 2  # the full holds exactly its two incrementals
    for node, kind in ((full, "full"), (first, "incremental"), (second, "incremental")):
        card = page.locator(f'li[data-backup-id="{node}"] > .card')
        expect(card.locator(".kind")).to_contain_text(kind)
        expect(card.locator(".badge")).to_have_text("COMPLETED")
        expect(card.locator(".size")).to_contain_text("GB")
    for child, parent, parent_name in ((first, full, "nightly-full"), (second, first, "incr-1")):
        link = page.locator(f'li[data-backup-id="{child}"] > .card a.parent-link')
        expect(link).to_have_text(parent_name)
        expect(link).to_have_attribute("href", f"#backup-{parent}")
    page.locator(f'li[data-backup-id="{second}"] > .card a.parent-link').click()
    assert page.evaluate("location.hash") == f"#backup-{first}"


def _completed_backup(sandbox: SandboxApi) -> str:
    return sandbox.backup(sandbox.active_instance("source"), "weekly")


def _load_from_page(page) -> None:
    page.locator("#scenario-name").select_option("restore_over_limit")
    page.locator("#scenario-scope").select_option("account")
    page.get_by_role("button", name="Load", exact=True).click()
    expect(page.locator(".notice")).to_contain_text("Scenario restore_over_limit loaded")


def test_a_loaded_scenarios_413_shows_as_a_flagged_journal_row_naming_its_rule(page, sandbox, sim, dashboard):
    backup_id = _completed_backup(sandbox)
    page.goto(dashboard)
    _load_from_page(page)
    expect(page.locator('[data-scenario="restore_over_limit"]')).to_be_visible()
    expect(page.locator("#live")).to_have_attribute("data-state", "on")
    status, body = sandbox.restore(backup_id, "too-soon")
    assert status == 413, body
    flagged = page.locator('#journal-rows tr.flagged[data-status="413"]')
    expect(flagged).to_have_count(1)  # arrives live
    expect(flagged).to_have_attribute("data-rule", RULE)
    expect(flagged.locator("td.fault")).to_contain_text(RULE)
    expect(flagged.locator("td.fault")).to_contain_text("413")
    expect(
        page.locator('[data-scenario="restore_over_limit"] tr[data-rule="restore-rate-limited"] td.hits')
    ).to_have_text("1")
    flagged.get_by_role("button").click()  # the row opens to its request and response
    detail = page.locator(f"#entry-{flagged.get_attribute('data-seq')}")
    expect(detail).to_be_visible()
    expect(detail).to_contain_text("overLimit")
    expect(detail).to_contain_text("restorePoint")
    page.get_by_label("Faults only").check()
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#journal-rows tr.entry")).to_have_count(1)
    har = requests.get(sim.url + page.locator("#har-download").get_attribute("href"), timeout=30)
    entries = har.json()["log"]["entries"]  # the download holds what the filtered table shows
    assert [e["response"]["status"] for e in entries] == [413]


def test_unloading_the_scenario_from_the_page_stops_the_faults(page, sandbox, dashboard):
    backup_id = _completed_backup(sandbox)
    page.goto(dashboard)
    _load_from_page(page)
    assert sandbox.restore(backup_id, "first-try")[0] == 413  # the rule fires twice: the next one would be a 413 too
    page.get_by_role("button", name="Unload restore_over_limit").click()
    expect(page.locator(".notice")).to_contain_text("Scenario restore_over_limit unloaded")
    expect(page.locator('[data-scenario="restore_over_limit"]')).to_have_count(0)
    expect(page.locator("#live")).to_have_attribute("data-state", "on")
    status, body = sandbox.restore(backup_id, "second-try")
    assert status == 200, body
    expect(page.locator('#journal-rows tr.entry[data-route="create_instance"]').first).to_have_attribute(
        "data-status", "200"
    )
    assert page.locator("#journal-rows tr.flagged").count() == 1


def test_a_restored_instance_points_at_its_backup(page, sandbox, dashboard):
    backup_id = _completed_backup(sandbox)
    status, body = sandbox.restore(backup_id, "restored-copy")
    assert status == 200, body
    restored = body["instance"]["id"]
    sandbox.advance(DURATIONS.build + 60)  # ACTIVE: the link outlives the build
    open_live(page, dashboard)
    expect(instance_badge(page, restored)).to_have_text("ACTIVE")
    link = page.locator(f'tr[data-instance-id="{restored}"] td.restored a')
    expect(link).to_have_attribute("data-restored-from", backup_id)
    expect(page.locator(f'li[data-backup-id="{backup_id}"] [data-restored-into="{restored}"]')).to_have_text(
        "restored-copy"
    )
    link.click()
    assert page.evaluate("location.hash") == f"#backup-{backup_id}"
    expect(page.locator(f"#backup-{backup_id}")).to_be_in_viewport()


def test_another_accounts_resources_never_appear(page, sandbox, sim, dashboard):
    sandbox.control("POST", "/accounts", {"account_id": "5678", "token": "other-token"})
    other = SandboxApi(sim.url, account="5678", token="other-token")
    secret_instance = other.active_instance("other-tenant-db")
    other_backup = other.backup(secret_instance, "other-tenant-backup")
    other.call("GET", "/instances")
    mine = sandbox.create_instance("my-db")
    open_live(page, dashboard)
    other.create_instance("other-tenant-late")  # while the page of 1234 streams
    sandbox.create_instance("my-late-db")
    expect(page.locator("tr[data-instance-id]")).to_have_count(2)
    expect(instance_badge(page, mine)).to_have_text("BUILD")
    html = page.content()
    for leaked in ("other-tenant", secret_instance, other_backup, "/v1.0/5678"):
        assert leaked not in html
    har = requests.get(f"{sim.url}/_sim/dashboard/journal.har?account={ACCOUNT}", timeout=30).text
    assert "/v1.0/5678" not in har and "other-tenant" not in har and secret_instance not in har
    seq = other.control("GET", "/journal?account_id=5678")["journal"][-1]["seq"]
    refused = requests.get(f"{sim.url}/_sim/dashboard/entry?account={ACCOUNT}&seq={seq}", timeout=30)
    assert refused.status_code == 404
    page.get_by_label("Account", exact=True).select_option("5678")  # the picker shows the other account on its own page
    expect(page.locator("tr[data-instance-id]")).to_have_count(2)
    expect(page.locator("main")).not_to_contain_text("my-db")


def test_the_page_is_labelled_keyboard_usable_and_has_a_dark_scheme(page, sandbox, sim, dashboard, tmp_path):
    app_user = {"name": "app", "password": "never-shown-pw", "databases": [{"name": "stock"}]}
    source = sandbox.active_instance("inventory", databases=[{"name": "stock"}], users=[app_user])
    full = sandbox.backup(source, "inventory-full")
    first = sandbox.backup(source, "inventory-incr-1", parent_id=full)
    sandbox.backup(source, "inventory-incr-2", parent_id=first)
    sandbox.restore(first, "inventory-restored")
    status, body = sandbox.call(
        "POST",
        "/schedules",
        {"schedule": {"action": "backup", "instance_id": source, "day_of_week": 0, "hour": 3, "minute": 30}},
    )
    assert status == 202, body
    sandbox.create_instance("analytics")
    sandbox.control("POST", "/scenarios", {"name": "restore_over_limit", "account_id": ACCOUNT})
    sandbox.restore(full, "inventory-too-soon")
    page.goto(dashboard)
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('select, input:not([type=hidden]), textarea')]
        .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(el => el.outerHTML)""")
    assert unlabelled == []
    for table in page.locator("main table").all():
        assert table.locator("th").count() > 0
    assert page.locator("h1").count() == 1 and page.locator("h2").count() >= 8
    assert "never-shown-pw" not in page.content()
    expect(page.locator('tr[data-instance-id="' + source + '"]')).to_contain_text("app@%")
    expect(page.locator("#schedules tbody tr")).to_contain_text("daily at 03:30 UTC: a full backup on Sunday")
    keep = os.environ.get(DOCS_SCREENSHOT)  # the README's picture: builds still running, a chain, a fault
    if keep:
        page.screenshot(path=str(tmp_path / "docs.png"), full_page=True)
        shutil.copyfile(tmp_path / "docs.png", keep)
    page.locator("#advance-60").focus()
    page.keyboard.press("Enter")  # a keyboard user moves the clock
    expect(page.locator(".notice")).to_contain_text("The clock moved 60 s")
    expect(page.locator("tr[data-instance-id] .badge", has_text="BUILD")).to_have_count(0)
    as_of = page.locator("#coverage").inner_text()
    page.get_by_role("button", name="Refresh coverage").click()  # coverage reads the whole journal: on demand
    expect(page.locator("#coverage")).not_to_have_text(as_of)
    expect(page.get_by_role("button", name="Refresh coverage")).to_be_focused()
    light = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.emulate_media(color_scheme="dark")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != light
    page.emulate_media(color_scheme="light")


def test_a_caller_from_another_address_without_the_admin_token_gets_403(page):
    token = secrets.token_hex(8)
    refused = {"forbidden": {"code": 403, "message": REFUSED}}
    address = outward_address()
    # reached by its outward address, the sandbox must be told that name (docs/security.md)
    config = SimulatorConfig(
        bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN),
        admin_token=token,
        allowed_hosts=(address,) if address else (),
    )
    if address is None:  # a machine with loopback only: the same rule, met through the control app's middleware
        app = create_app(config)
        with ThreadPoolExecutor(1) as thread:
            status, body = thread.submit(
                asyncio.run, through_control_middleware(app, "GET", "/_sim/dashboard", "198.51.100.7")
            ).result()
        assert (status, body) == (403, refused)
        page.set_content(f"<pre>{json.dumps(body)}</pre>")
        return
    with SimulatorServer(config, host="0.0.0.0") as server:  # the browser reaches it from a non-loopback address
        answer = page.goto(f"http://{address}:{server.port}/_sim/dashboard")
        assert answer is not None and answer.status == 403
        assert json.loads(page.inner_text("body")) == refused
        assert page.goto(f"http://127.0.0.1:{server.port}/_sim/dashboard").status == 200  # loopback is served
        page.set_extra_http_headers({"X-Admin-Token": token})  # and so is the admin, from anywhere
        answer = page.goto(f"http://{address}:{server.port}/_sim/dashboard?account={ACCOUNT}")
        assert answer is not None and answer.status == 200
        expect(page.locator("#live")).to_have_attribute("data-state", "on")  # its fetches carry the token too
        page.set_extra_http_headers({})
        page.goto(f"http://{address}:{server.port}/_sim/dashboard")  # the refused answer is the screenshot
