"""The dashboard's browser tests: a simulator on a real loopback socket (its own thread), Debian's Chromium driven by
Playwright, and a screenshot of a failed test's page under the test's tmp_path.

The browser is the system's (/usr/bin/chromium; .ci/install_browser.sh installs it). Where it or Playwright is
missing the browser tests skip, except in CI (CI=true), where they fail: they must run there."""

from __future__ import annotations

import os
import shutil
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from dashboard.browsing import DURATIONS, WAIT_MS, SandboxApi
from support import ACCOUNT, TOKEN

from simulator import DemoAccount, SimulatorConfig
from simulator.testing import SimulatorServer

CHROMIUM = "/usr/bin/chromium"
#: Playwright's own --disable-features (1.65). Chromium keeps only the last such switch, so ours repeats them
#: (features_kept checks, at each launch, that none of Playwright's is lost).
PLAYWRIGHT_DISABLED = (
    "AvoidUnnecessaryBeforeUnloadCheckSync,DestroyProfileOnBrowserClose,HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,"
    "LensOverlay,MediaRouter,PaintHolding,ThirdPartyStoragePartitioning,AvoidCorsURLLoaderRestartOnRedirect,"
    "TcpPortRandomizationWin,OptimizationHints,NetworkTimeServiceQuerying,AimEnabled,PreconnectToSearch,"
    "msForceBrowserSignIn,msEdgeUpdateLaunchServicesPreferredVersion"
)
#: The address bar's two popups as WebUI pages (chrome://omnibox-popup.top-chrome/): headless, Chromium still runs
#: them in a renderer of their own that works at each navigation (about 0.2 s of CPU per context and per second a
#: page loads; a third of the browser tests' Chromium CPU). No page, and so no test, sees the address bar.
BROWSER_UI_OFF = "WebUIOmniboxPopup,WebUIOmniboxAimPopup"
#: Headless, and nothing that reaches beyond this machine.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    f"--disable-features={PLAYWRIGHT_DISABLED},{BROWSER_UI_OFF}",
]


def features_kept() -> None:
    """Fail unless each Chromium browser process started under this one disables, in its last --disable-features
    (the one Chromium reads), every feature its earlier ones (Playwright's) disable."""
    children: dict[int, list[int]] = {}
    argvs: dict[int, list[bytes]] = {}
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit():
                children.setdefault(int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1]), []).append(
                    int(proc.name)
                )
                argvs[int(proc.name)] = (proc / "cmdline").read_bytes().split(b"\0")
        except (OSError, IndexError, ValueError):
            continue
    todo = list(children.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        argv = argvs.get(pid, [b""])
        if not argv[0].endswith(b"chromium") or any(a.startswith(b"--type=") for a in argv):
            continue
        switches = [set(a.split(b"=", 1)[1].split(b",")) for a in argv if a.startswith(b"--disable-features=")]
        assert not switches or set().union(*switches) == switches[-1], (pid, switches)


def browser_missing(why: str) -> None:
    """Fail in CI (the browser tests must run there), skip elsewhere."""
    message = f"the dashboard's browser tests need {why} (run .ci/install_browser.sh; pip install playwright)"
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser():
    """Chromium, headless, one per test module (and xdist worker)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_missing("Playwright for Python")
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        browser_missing(f"Chromium at {CHROMIUM}")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        features_kept()
        yield launched
        launched.close()


@pytest.fixture
def sim() -> Iterator[SimulatorServer]:
    """A fresh simulator on a loopback port: account 1234, manual clock, lifecycles that take time."""
    config = SimulatorConfig(
        seed=11,
        bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN),
        durations=DURATIONS,
        start_time="2026-03-02T09:00:00",
    )
    server = SimulatorServer(config).start()
    yield server
    server.stop()


#: Whether a test's call phase failed, for the page fixture's teardown (pytest's documented recipe).
CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    return report


@pytest.fixture
def page(browser, sim, request, tmp_path):
    """A browser page (1280 wide). When the test failed, its screenshot is saved as <tmp_path>/<test name>.png (only
    then: a full-page PNG of each passing test was rendered and encoded for nothing). It asks for sim so that it is
    closed before the simulator stops: the server used to stop under the open page, and twice in nine whole-suite
    runs that took 30 s (SimulatorServer.stop's limit then; its thread was still in aiohttp's wait for the requests
    in progress, 60 s at most then, SHUTDOWN_GRACE now). Closed first, the page leaves the stopping server nothing to
    wait for."""
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(WAIT_MS)
    yield tab
    try:
        if request.node.stash.get(CALL_FAILED, True):
            tab.screenshot(path=str(tmp_path / f"{request.node.name}.png"), full_page=True)
    finally:
        context.close()


@pytest.fixture
def sandbox(sim) -> SandboxApi:
    """Account 1234's API (and the control plane) on the simulator under test."""
    return SandboxApi(sim.url)


@pytest.fixture
def dashboard(sim) -> str:
    """The dashboard's URL for account 1234."""
    return f"{sim.url}/_sim/dashboard?account={ACCOUNT}"
