"""pytest plugin for cdbsim (pytest11 entry point `cdbsim`): one simulator per session on a real loopback socket,
a fresh account of its own for every test, the `cdbsim` marker, command-line options and the opt-in coverage report.

Fixtures: `cdbsim_config` (session, override it), `make_cdbsim` (session: the server and the factory of sandboxes),
`cdbsim` (a Sandbox: one test's account), `cdbsim_client` (async: aiohttp's test client on an in-process app).
"""
from __future__ import annotations

import asyncio
import json as _json
import re
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from simulator.testing.client import CdbsimError, CdbsimServerError
from simulator.testing.names import account_id_for, token_for
from simulator.testing.sandbox import Account as _Account
from simulator.testing.sandbox import AsyncSandbox, Sandbox
from simulator.testing.transport import AppControl, HttpControl

if TYPE_CHECKING:
    from simulator.config import SimulatorConfig
    from simulator.testing import SimulatorServer

#: Taken before any test can freeze time: the server's event loop keeps running on it (see _pin_loop_time).
REAL_MONOTONIC = time.monotonic
MARKER = "cdbsim"
MARKER_ARGS = ("scenario", "seed", "clock", "replay", "account")
CLOCK_MODES = ("auto", "manual", "real")
#: Journal lines shown under a failing test.
REPORT_LINES = 40


# the session: one server, many sandboxes -----------------------------------------------------------------------------
def _pin_loop_time(app) -> None:
    """freezegun freezes time.monotonic in every thread: keep the server's loop on the real one, so its timers and
    fault delays run while a test has time frozen (the simulator's clock itself still follows freezegun)."""
    asyncio.get_running_loop().time = REAL_MONOTONIC


class CdbsimSession:
    """The session's simulator and the sandboxes opened on it.

    :param config: what the in-process server runs with.
    :param url: a running simulator to use instead (its ids and clock are then left alone: it may be shared).
    """

    def __init__(self, config: "SimulatorConfig", *, url: str | None = None, admin_token: str | None = None,
                 seed: int | None = None, clock: str = "auto", coverage=None) -> None:
        self.config = config
        self.server: SimulatorServer | None = None
        self.url = url.rstrip("/") if url else None
        self.control = HttpControl(url, admin_token) if url else None
        self.seed = config.seed if seed is None else seed
        self.clock_mode = clock
        self.coverage = coverage
        self.start_time = config.start_time

    @classmethod
    def start(cls, config: "SimulatorConfig | None" = None, **options) -> "CdbsimSession":
        """Start the simulator (unless options name a url) and return the session."""
        from simulator.config import SimulatorConfig
        from simulator.testing import SimulatorServer

        session = cls(config or SimulatorConfig(), **options)
        if session.url is None:
            session.server = SimulatorServer(session.config).start()
            session.server.run(_pin_loop_time)
            session.url = session.server.url
            session.control = AppControl(session.server.run)
            if session.start_time is None:
                session.start_time = session.control.clock()["now"]
        return session

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def __enter__(self) -> "CdbsimSession":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def add_account(self, account_id: str, role: str = "dbaas:admin", base_dir: Path | None = None,
                    **fields) -> Sandbox:
        """An account of its own (an interrupted run's leftover of the same id is removed first)."""
        body = {"account_id": account_id, "role": role, "token": token_for(account_id), **fields}
        try:
            creds = self.control.create_account(body)
        except CdbsimError as exc:
            if "already exists" not in exc.message or "Account" not in exc.message:
                raise
            self.control.delete_account(account_id, missing_ok=True)
            creds = self.control.create_account(body)
        return Sandbox(self, self.control, creds, base_dir, self.url, self.config.region)

    def open(self, name: str = "test", *, account: str | None = None, seed: int | None = None,
             clock: str | None = None, scenarios=(), replay: str | None = None, record: str | Path | None = None,
             base_dir: Path | None = None) -> Sandbox:
        """A test's sandbox: ids from the seed and the clock at the session's start (in-process), then its own
        account, its recording or replay, and its scenarios. Close it with close()."""
        control = self.control
        mode = clock or self.clock_mode
        control.prepare(self.seed if seed is None else seed, self.config.clock if mode == "auto" else mode,
                        self.start_time)
        mark = control.status()
        sandbox = self.add_account(account or account_id_for(name), base_dir=base_dir)
        sandbox.marks = mark
        try:
            if replay is not None:
                control.replay(str(sandbox._resolve(replay)), mode="strict")
                sandbox.replaying = True
            elif record is not None:
                control.replay(str(record), record_mode="all")
                sandbox.replaying = True
            for source in scenarios:
                sandbox.load_scenario(source)
        except BaseException:
            self.close(sandbox, check=False)
            raise
        return sandbox

    def close(self, sandbox: Sandbox, check: bool = True) -> None:
        """End a test: note its coverage, stop its replay or recording, delete its accounts; then raise what the
        simulator raised while serving it (CdbsimServerError)."""
        control = self.control
        errors: list[str] = []
        accounts = [sandbox, *_all_extra(sandbox)]
        try:
            if self.coverage is not None:
                mine = {a.account_id for a in accounts}
                since = sandbox.marks["journal_seq"]
                entries = [e for e in control.journal(since=since) if e["account_id"] in mine
                           or e["account_id"] is None]
                scenarios = [s for a in accounts for s in control.scenarios(a.account_id)]
                self.coverage.add_test(entries, scenarios)
            if check:
                errors = control.errors(sandbox.marks["handler_errors"])["errors"]
        finally:
            try:
                if sandbox.replaying:
                    control.stop_replay()
            finally:
                for account in reversed(accounts):
                    control.delete_account(account.account_id, missing_ok=True)
        if errors:
            raise CdbsimServerError("the simulator raised while serving this test (a bug in cdbsim):\n"
                                    + "\n".join(errors))


def _all_extra(account: _Account) -> list[_Account]:
    out = []
    for extra in account.accounts:
        out.append(extra)
        out.extend(_all_extra(extra))
    return out


def reset_cycle(session: CdbsimSession, name: str = "benchmark::test_reset") -> None:
    """What the `cdbsim` fixture costs a test once the server runs: open its sandbox and close it again.

    For the benchmark: `with CdbsimSession.start() as s: timeit(lambda: reset_cycle(s))`.
    """
    session.close(session.open(name))


# pytest hooks --------------------------------------------------------------------------------------------------------
SESSION_KEY = pytest.StashKey["CdbsimSession"]()
COVERAGE_KEY = pytest.StashKey[Any]()
SANDBOX_KEY = pytest.StashKey[_Account]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cdbsim", "cdbsim (Cloud Databases simulator)")
    group.addoption("--cdbsim-seed", type=int, default=None, metavar="N",
                    help="seed of the ids each test draws (default: cdbsim_config's, 0); "
                         "@pytest.mark.cdbsim(seed=N) overrides it for one test")
    group.addoption("--cdbsim-clock", choices=CLOCK_MODES, default="auto",
                    help="the simulator's clock in each test: manual (moved by cdbsim.clock.advance), real "
                         "(follows datetime.now and so freezegun), or auto (default): real when the test uses "
                         "freezegun, else manual")
    group.addoption("--cdbsim-record-dir", metavar="DIR",
                    help="record each test's exchanges as a HAR file DIR/<test module>/<test>.har, for "
                         "@pytest.mark.cdbsim(replay=...) later")
    group.addoption("--cdbsim-coverage", action="store_true",
                    help="at the end, report which API operations, lifecycle transitions and fault rules the "
                         "tests exercised, and which they never did")
    group.addoption("--cdbsim-coverage-json", metavar="FILE",
                    help="also write that coverage report as JSON to FILE (implies --cdbsim-coverage)")
    group.addoption("--cdbsim-url", metavar="URL",
                    help="use the cdbsim running at URL (e.g. shared by pytest-xdist workers) instead of "
                         "starting one; each test still gets its own account")
    group.addoption("--cdbsim-admin-token", metavar="TOKEN",
                    help="X-Admin-Token for the /_sim/ control API of --cdbsim-url when it is not on loopback")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "cdbsim(scenario=None, seed=None, clock=None, replay=None, account=None): set up this test's cdbsim "
        "sandbox: fault scenario(s) for its account (shipped name, file or mapping), the id seed, the clock "
        "('manual' or 'real'), a HAR recording to answer from, a fixed account id")
    if config.getoption("--cdbsim-coverage") or config.getoption("--cdbsim-coverage-json"):
        from simulator.coverage import Coverage

        config.stash[COVERAGE_KEY] = Coverage()


def _marker_options(node) -> dict:
    """The cdbsim marker's arguments, the closest marker winning per argument."""
    options: dict = {}
    for mark in node.iter_markers(MARKER):
        if mark.args:
            raise pytest.UsageError(f"{node.nodeid}: @pytest.mark.cdbsim takes keyword arguments only "
                                    f"({', '.join(MARKER_ARGS)})")
        unknown = set(mark.kwargs) - set(MARKER_ARGS)
        if unknown:
            raise pytest.UsageError(f"{node.nodeid}: unknown @pytest.mark.cdbsim argument(s) "
                                    f"{', '.join(sorted(unknown))} (known: {', '.join(MARKER_ARGS)})")
        for key, value in mark.kwargs.items():
            options.setdefault(key, value)
    seed = options.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise pytest.UsageError(f"{node.nodeid}: @pytest.mark.cdbsim(seed=...) must be an integer, not {seed!r}")
    clock = options.get("clock")
    if clock is not None and clock not in CLOCK_MODES:
        raise pytest.UsageError(f"{node.nodeid}: @pytest.mark.cdbsim(clock=...) must be one of "
                                f"{', '.join(CLOCK_MODES)}, not {clock!r}")
    scenario = options.pop("scenario", None)
    options["scenarios"] = [] if scenario is None else list(scenario) if isinstance(scenario, (list, tuple)) \
        else [scenario]
    return options


def _uses_freezegun(item) -> bool:
    """Whether the test freezes time with freezegun: a decorator, a `freezer` fixture, or freezing already on."""
    api = sys.modules.get("freezegun.api")
    if api is None:
        return False
    if api.freeze_factories or "freezer" in getattr(item, "fixturenames", ()) \
            or item.get_closest_marker("freeze_time") is not None:
        return True
    fn = getattr(item, "function", None)
    for _ in range(10):
        if fn is None:
            break
        for cell in getattr(fn, "__closure__", None) or ():
            try:
                if isinstance(cell.cell_contents, api._freeze_time):
                    return True
            except ValueError:  # an empty cell
                pass
        fn = getattr(fn, "__wrapped__", None)
    return False


def _clock_for(item, options: dict, default: str) -> str:
    mode = options.get("clock") or default
    if mode == "auto":
        return "real" if _uses_freezegun(item) else "auto"
    return mode


def _record_path(config: pytest.Config, item) -> Path | None:
    folder = config.getoption("--cdbsim-record-dir")
    if not folder:
        return None
    module = item.nodeid.split("::")[0]
    module = module[:-3] if module.endswith(".py") else module
    test = ".".join(item.nodeid.split("::")[1:]) or item.name
    return Path(folder) / module / (re.sub(r"[^A-Za-z0-9_.\-\[\]]", "_", test) + ".har")


@pytest.fixture(scope="session")
def cdbsim_config() -> "SimulatorConfig":
    """Override in conftest.py (session scope) to change the simulator the session runs."""
    from simulator.config import SimulatorConfig

    return SimulatorConfig()


@pytest.fixture(scope="session")
def make_cdbsim(request: pytest.FixtureRequest, cdbsim_config) -> CdbsimSession:
    """The session's simulator on a loopback socket (started on first use) and the factory of sandboxes."""
    config = request.config
    session = CdbsimSession.start(
        cdbsim_config, url=config.getoption("--cdbsim-url"), admin_token=config.getoption("--cdbsim-admin-token"),
        seed=config.getoption("--cdbsim-seed"), clock=config.getoption("--cdbsim-clock"),
        coverage=config.stash.get(COVERAGE_KEY, None))
    config.stash[SESSION_KEY] = session
    yield session
    session.stop()


@pytest.fixture
def cdbsim(request: pytest.FixtureRequest, make_cdbsim: CdbsimSession) -> Sandbox:
    """This test's own account on the session's simulator, emptied and deleted after the test."""
    item = request.node
    options = _marker_options(item)
    replay = options.get("replay")
    sandbox = make_cdbsim.open(
        item.nodeid, account=options.get("account"), seed=options.get("seed"),
        clock=_clock_for(item, options, make_cdbsim.clock_mode), scenarios=options["scenarios"], replay=replay,
        record=None if replay else _record_path(request.config, item), base_dir=Path(str(request.path)).parent)
    item.stash[SANDBOX_KEY] = sandbox
    yield sandbox
    make_cdbsim.close(sandbox)


try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - the test extra installs it
    pytest_asyncio = None


async def _open_async(request: pytest.FixtureRequest, config: "SimulatorConfig", aiohttp_client) -> AsyncSandbox:
    from simulator.app import create_app

    item = request.node
    options = _marker_options(item)
    pytest_config = request.config
    mode = _clock_for(item, options, pytest_config.getoption("--cdbsim-clock"))
    mode = config.clock if mode == "auto" else mode
    seed = options.get("seed", pytest_config.getoption("--cdbsim-seed"))
    config = replace(config, clock=mode, seed=config.seed if seed is None else seed, db_path=":memory:")
    client = await aiohttp_client(create_app(config))
    control = AppControl(lambda fn: fn(client.server.app))
    account_id = options.get("account") or account_id_for(item.nodeid)
    creds = control.create_account({"account_id": account_id, "token": token_for(account_id)})
    sandbox = AsyncSandbox(None, control, creds, Path(str(request.path)).parent, client, config.region)
    sandbox.marks = control.status()
    for source in options["scenarios"]:
        sandbox.load_scenario(source)
    if options.get("replay"):
        control.replay(str(sandbox._resolve(options["replay"])))
    return sandbox


def _close_async(request: pytest.FixtureRequest, sandbox: AsyncSandbox) -> None:
    control = sandbox._control
    coverage = request.config.stash.get(COVERAGE_KEY, None)
    if coverage is not None:
        accounts = [sandbox, *_all_extra(sandbox)]
        coverage.add_test(control.journal(since=sandbox.marks["journal_seq"]),
                          [s for a in accounts for s in control.scenarios(a.account_id)])
    errors = control.errors(sandbox.marks["handler_errors"])["errors"]
    if errors:
        raise CdbsimServerError("the simulator raised while serving this test (a bug in cdbsim):\n"
                                + "\n".join(errors))


if pytest_asyncio is not None:
    @pytest_asyncio.fixture
    async def cdbsim_client(request: pytest.FixtureRequest, cdbsim_config, aiohttp_client) -> AsyncSandbox:
        """An in-process simulator of this test's own, served by aiohttp's test client, with an account on it:
        `await cdbsim_client.request("GET", "instances")`, `.client` for the raw TestClient."""
        sandbox = await _open_async(request, cdbsim_config, aiohttp_client)
        request.node.stash[SANDBOX_KEY] = sandbox
        yield sandbox
        _close_async(request, sandbox)
else:  # pragma: no cover
    @pytest.fixture
    def cdbsim_client():
        """Needs pytest-asyncio and pytest-aiohttp (pip install 'cdbsim[test]')."""
        pytest.fail("cdbsim_client needs pytest-asyncio and pytest-aiohttp")


def _journal_lines(sandbox: _Account) -> list[str]:
    lines = []
    for account in [sandbox, *_all_extra(sandbox)]:
        entries = sandbox._control.journal(account_id=account.account_id)
        lines.append(f"account {account.account_id} at {account.endpoint}: {len(entries)} requests")
        shown = entries[-REPORT_LINES:]
        if len(entries) > len(shown):
            lines.append(f"  ... {len(entries) - len(shown)} earlier requests")
        for e in shown:
            path = e["path"] + (f"?{e['query']}" if e.get("query") else "")
            line = f"  #{e['seq']} {e['time']} {e['method']} {path} -> {e['status']} ({e['route']})"
            if e.get("rule"):
                line += f" fault {e['rule']}: {e.get('action') or ''}"
            elif e.get("note"):
                line += f" {e['note']}"
            lines.append(line)
    return lines


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Under a failing test, show the requests its account made (before teardown deletes them)."""
    outcome = yield
    report = outcome.get_result()
    sandbox = item.stash.get(SANDBOX_KEY, None)
    if sandbox is None or call.when != "call" or not report.failed:
        return
    try:
        report.sections.append(("cdbsim journal", "\n".join(_journal_lines(sandbox))))
    except Exception as exc:  # the report must not hide the failure
        report.sections.append(("cdbsim journal", f"(could not read the journal: {exc!r})"))


def pytest_sessionfinish(session: pytest.Session) -> None:
    coverage = session.config.stash.get(COVERAGE_KEY, None)
    if coverage is not None and hasattr(session.config, "workeroutput"):  # a pytest-xdist worker
        session.config.workeroutput["cdbsim_coverage"] = _json.dumps(coverage.to_dict())


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """pytest-xdist: add a worker's coverage to the controller's."""
    coverage = node.config.stash.get(COVERAGE_KEY, None)
    data = getattr(node, "workeroutput", {}).get("cdbsim_coverage")
    if coverage is not None and data:
        coverage.merge(_json.loads(data))


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    coverage = config.stash.get(COVERAGE_KEY, None)
    if coverage is None or hasattr(config, "workeroutput"):
        return
    terminalreporter.write_sep("=", "cdbsim coverage")
    for line in coverage.render():
        terminalreporter.write_line(line)
    path = config.getoption("--cdbsim-coverage-json")
    if path:
        Path(path).write_text(_json.dumps(coverage.report(), indent=2), encoding="utf-8")
        terminalreporter.write_line(f"coverage written to {path}")
