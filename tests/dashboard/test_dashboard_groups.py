"""The dashboard of everything, in a real browser (Debian's Chromium through Playwright): HA groups with their nodes,
ACLs and networks, replica sets as trees, configuration groups with a RESTART_REQUIRED instance in a warning colour,
every region, short ids that never wrap at 1280 px, and a paged journal that keeps every panel in reach.

With CDBSIM_DOCS_PANELS=docs (a folder), the showcase test also saves a screenshot of each panel there as
dashboard-<panel>.png (docs/dashboard.md shows them)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from dashboard.browsing import TUNED, everything, open_live, open_settled
from playwright.sync_api import expect
from support import ACCOUNT

#: Starts a server and a browser: left out of the fast loop.
pytestmark = pytest.mark.slow

#: Where the showcase keeps its panel screenshots (unset: nowhere).
DOCS_PANELS = "CDBSIM_DOCS_PANELS"
#: The panels the docs show: a section's id, or a selector and the name its picture gets.
PANELS = (
    "regions",
    "instances",
    "ha",
    "replicas",
    "configurations",
    "backups",
    "schedules",
    "journal",
    "coverage",
    ("div.panels:has(#clock)", "controls"),
)
#: A screen of the size the issue was filed at.
SCREEN = {"width": 1280, "height": 800}


def backgrounds(locator) -> str:
    return locator.evaluate("e => getComputedStyle(e).backgroundColor")


def test_an_ha_group_shows_its_state_nodes_acls_and_read_and_write_networks(page, sandbox, dashboard):
    made = everything(sandbox)
    page.goto(dashboard)
    group = page.locator(f'#ha [data-ha-id="{made["ha"]}"]')
    expect(group.locator("h3")).to_contain_text("ha-payments")
    expect(group.locator("h3 .badge")).to_have_text("ACTIVE")
    expect(group.locator('li[data-role="source"]')).to_have_count(1)
    expect(group.locator('li[data-role="source"]')).to_contain_text("ha-payments-source")
    expect(group.locator('li[data-role="replica"]')).to_have_count(2)
    expect(group.locator(".acls li")).to_have_text(["10.0.0.0/8 allow", "192.168.1.10/32 allow"])
    expect(group.locator('tr[data-access="read"]')).to_have_count(2)  # servicenet and public, each read and write
    expect(group.locator('tr[data-access="write"] td').first).to_have_text("servicenet")
    expect(group.locator('tr[data-access="read"] code').first).to_contain_text(":3307")
    expect(group.locator('tr[data-access="write"] code').first).to_contain_text(":3306")
    links = page.locator(f'tr[data-instance-id] a[data-ha="{made["ha"]}"]')  # each node's row names its group
    expect(links).to_have_text(["ha-payments"] * 3)
    node = group.locator('li[data-role="replica"] a').first
    node.click()  # a node is an instance of the table above
    expect(page.locator(f"tr#instance-{node.get_attribute('href')[len('#instance-') :]}")).to_be_in_viewport()


def test_a_replica_set_is_drawn_as_its_source_with_the_replicas_below_it(page, sandbox, dashboard):
    made = everything(sandbox)
    page.goto(dashboard)
    root = page.locator(f'#replicas ul.trees > li[data-instance="{made["source"]}"]')
    expect(root).to_have_count(1)
    child = root.locator(f'> ul.chain > li[data-instance="{made["replica"]}"]')
    expect(child).to_have_attribute("data-replica-of", made["source"])
    expect(child.locator(".kind")).to_have_text("replica")
    expect(root.locator("> .card .kind")).to_have_text("source")
    group = sandbox.call("GET", f"/ha/{made['ha']}")[1]["ha_instance"]
    ha_source = page.locator(f'#replicas ul.trees > li[data-instance="{group["replica_source"][0]["id"]}"]')
    expect(ha_source.locator("> ul.chain > li")).to_have_count(2)  # an HA group's replicas are a set as well
    expect(page.locator(f'tr[data-instance-id="{made["replica"]}"] [data-replica-of="{made["source"]}"]')).to_have_text(
        "orders-db"
    )


def test_a_configuration_group_shows_its_values_and_a_restart_required_instance_in_a_warning_colour(
    page, sandbox, dashboard
):
    made = everything(sandbox)
    page.goto(dashboard)
    group = page.locator(f'#configurations [data-configuration-id="{made["configuration"]}"]')
    expect(group.locator("h3")).to_contain_text("tuned")
    for name, value in TUNED.items():
        expect(group.locator(f'tr[data-parameter="{name}"] td')).to_have_text(str(value))
    attached = group.locator(f'li[data-attached="{made["source"]}"]')
    expect(attached).to_have_class("restart-required")
    expect(attached.locator(".badge")).to_have_text("RESTART_REQUIRED")
    expect(group.locator(".warning.restart-required")).to_contain_text("orders-db")
    waiting = page.locator(f'tr[data-instance-id="{made["source"]}"] .badge')
    expect(waiting).to_have_text("RESTART_REQUIRED")
    active = page.locator(f'tr[data-instance-id="{made["replica"]}"] .badge')
    assert backgrounds(waiting) not in (backgrounds(active), "rgba(0, 0, 0, 0)")  # a colour of its own
    assert backgrounds(attached) != "rgba(0, 0, 0, 0)"
    page.locator(f'tr[data-instance-id="{made["source"]}"] a[data-configuration]').click()
    expect(group).to_be_in_viewport()


def test_an_instance_in_iad_and_a_backup_copied_to_ord_show_under_their_regions(page, sandbox, dashboard):
    made = everything(sandbox)
    open_live(page, dashboard)
    expect(page.locator('#regions li[data-region="DFW"]')).to_have_class("shown")
    expect(page.locator('#regions li[data-region="IAD"] .counts')).to_have_text("1 instance")
    expect(page.locator('#regions li[data-region="ORD"] .counts')).to_have_text("1 backup")
    expect(page.locator(f'tr[data-instance-id="{made["iad"]}"]')).to_have_count(0)  # DFW is shown first
    page.locator("#region-picker").select_option("IAD")
    expect(page.locator("#instances h2")).to_have_text("Instances in IAD")
    expect(page.locator(f'tr[data-instance-id="{made["iad"]}"]')).to_contain_text("iad-reports")
    expect(page.locator("#live")).to_have_attribute("data-state", "on")
    later = sandbox.in_region("IAD").create_instance("iad-late")  # live updates keep to the region shown
    expect(page.locator(f'tr[data-instance-id="{later}"] .badge')).to_have_text("BUILD")
    page.locator('#regions li[data-region="ORD"] a').click()
    copied = page.locator("#backups li.backup-node")
    expect(copied).to_have_count(1)
    expect(copied.locator(".copy-of")).to_have_attribute("data-copy-of", made["backup"])
    expect(copied.locator(".copy-of")).to_contain_text("in DFW")
    expect(copied.locator(".badge")).to_have_text("COMPLETED")
    page.get_by_role("button", name="+1 min").click()  # the page's forms come back to the region shown
    expect(page.locator(".notice")).to_contain_text("The clock moved 60 s")
    expect(page.locator("#backups h2")).to_have_text("Backups in ORD")


def test_ids_show_short_on_one_line_at_1280_px_with_the_full_id_on_hover_and_copy(page, sandbox, dashboard):
    made = everything(sandbox)
    page.set_viewport_size(SCREEN)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_settled(page, dashboard)  # measured after the first refresh: it replaces the parts the ids are in
    # Found and measured in one evaluation: a locator's evaluate_all finds the elements, then measures them in a
    # second call, and a later refresh between the two left them detached (0 boxes, a NaN height, once in 7 runs).
    lines = page.evaluate("""() => Array.from(document.querySelectorAll("main code.id"), e => [e.title,
        e.getClientRects().length, e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).fontSize)])""")
    assert len(lines) >= 15  # instances, HA nodes, replica sets, groups, backups
    assert all(boxes == 1 and height < 2 for _, boxes, height in lines), lines  # one line each
    heights = page.evaluate("""() => Array.from(document.querySelectorAll("tr[data-instance-id] th .name"),
        e => e.getBoundingClientRect().height)""")
    assert heights and all(h < 80 for h in heights), heights
    shown = page.locator(f'tr[data-instance-id="{made["source"]}"] code.id')
    expect(shown).to_have_attribute("title", made["source"])
    expect(shown).to_have_text(made["source"][:8] + "…")
    page.locator(f'tr[data-instance-id="{made["source"]}"] button.copy-id').click()
    expect(page.locator(f'tr[data-instance-id="{made["source"]}"] button.copy-id')).to_have_text("copied")
    assert page.evaluate("navigator.clipboard.readText()") == made["source"]
    path = page.locator("#journal-rows td.path code").first
    assert "…" in path.inner_text() or len(path.get_attribute("title")) < 60  # ids in paths are cut short too


def test_with_200_journal_rows_the_coverage_panel_starts_within_two_screens_and_the_journal_pages(
    page, sandbox, dashboard
):
    everything(sandbox)
    for _ in range(200):
        sandbox.call("GET", "/flavors")
    page.set_viewport_size(SCREEN)
    open_live(page, dashboard)
    for section in ("scenarios", "coverage"):
        top = page.locator(f"#{section}").evaluate("e => e.getBoundingClientRect().top + window.scrollY")
        assert top < 2 * SCREEN["height"], (section, top)
    assert page.evaluate("document.body.scrollHeight") < 6 * SCREEN["height"]
    rows = page.locator("#journal-rows tr.entry")
    expect(rows).to_have_count(50)
    newest = int(rows.first.get_attribute("data-seq"))
    box = page.locator(".journal-box").evaluate("e => e.getBoundingClientRect().height")
    assert box < SCREEN["height"]  # the rows scroll inside their box
    page.get_by_role("link", name="Older →").click()
    expect(page.locator("#journal-position")).to_contain_text("Entries 51–100")
    expect(rows).to_have_count(50)
    assert int(rows.first.get_attribute("data-seq")) < newest - 49
    sandbox.call("GET", "/flavors")  # page 2 stays still while requests arrive
    # (expect, not wait_for_function: Playwright polls a string predicate with eval, which the page's CSP refuses)
    expect(page.locator("#dashboard")).to_have_attribute("data-refreshes", re.compile(r"^[1-9]\d*$"))
    expect(rows).to_have_count(50)
    page.get_by_role("link", name="← Newer").click()
    expect(page.locator("#journal-position")).to_contain_text("Entries 1–50")
    expect(page.locator("#live")).to_have_attribute("data-state", "on")
    sandbox.call("GET", "/instances")  # page 1 takes new rows and keeps to 50
    expect(page.locator('#journal-rows tr.entry[data-route="list_instances"]')).to_have_count(1)
    expect(rows).to_have_count(50)


def test_each_panel_of_the_showcase_is_drawn_and_kept_for_the_docs(page, sandbox, dashboard, tmp_path):
    made = everything(sandbox)
    status, body = sandbox.call(
        "POST",
        "/schedules",
        {"schedule": {"action": "backup", "instance_id": made["source"], "day_of_week": 0, "hour": 3, "minute": 30}},
    )
    assert status == 202, body
    sandbox.control("POST", "/scenarios", {"name": "restore_over_limit", "account_id": ACCOUNT})
    assert sandbox.restore(made["backup"], "too-soon")[0] == 413
    page.set_viewport_size(SCREEN)
    page.goto(dashboard)
    keep = os.environ.get(DOCS_PANELS)
    for panel in PANELS:
        selector, name = panel if isinstance(panel, tuple) else (f"#{panel}", panel)
        section = page.locator(selector)
        expect(section.locator("h2").first).to_be_visible()
        shot = tmp_path / f"dashboard-{name}.png"
        page.evaluate("window.scrollTo(0, 0)")  # page coordinates: the sticky header covers no panel
        page.screenshot(path=str(shot), full_page=True, clip=section.bounding_box())
        assert shot.stat().st_size > 1000
        if keep:
            Path(keep, shot.name).write_bytes(shot.read_bytes())
    page.goto(f"{dashboard.split('?')[0]}?account={ACCOUNT}&region=ORD")
    expect(page.locator("#backups .copy-of")).to_have_count(1)
