"""pytest plugin for cdbsim (pytest11 entry point `cdbsim`): the hooks, options, marker and fixtures that put each
test on its own account of one simulator per session; the simulator side lives in simulator.testing.

Fixtures: `cdbsim_config` (session, override it), `make_cdbsim` (session: the server and the factory of sandboxes),
`cdbsim` (a Sandbox: one test's account), `cdbsim_client` (async: aiohttp's test client on an in-process app).
Every pytest run of an environment with cdbsim installed loads this module, so the simulator is imported only when
a test asks for it.
"""

from __future__ import annotations

import dataclasses
import json
import time
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from simulator.config import SimulatorConfig
    from simulator.coverage import Coverage
    from simulator.repos.template import SchemaTemplate
    from simulator.testing.sandbox import Account, AsyncSandbox, Sandbox
    from simulator.testing.session import CdbsimSession

#: Taken before any test can freeze time: the server's event loop keeps running on it (see CdbsimSession.start).
REAL_MONOTONIC = time.monotonic
MARKER = "cdbsim"
MARKER_ARGS = ("scenario", "seed", "clock", "replay", "account")
CLOCK_MODES = ("auto", "manual", "real")
SESSION_KEY: pytest.StashKey[CdbsimSession] = pytest.StashKey()
COVERAGE_KEY: pytest.StashKey[Coverage] = pytest.StashKey()
SANDBOX_KEY: pytest.StashKey[Account] = pytest.StashKey()
TEMPLATE_KEY: pytest.StashKey[SchemaTemplate] = pytest.StashKey()


def pytest_addoption(parser: pytest.Parser) -> None:
    """The --cdbsim-* options: what a whole run may choose for every test's sandbox."""
    group = parser.getgroup("cdbsim", "cdbsim (Cloud Databases simulator)")
    group.addoption(
        "--cdbsim-seed",
        type=int,
        default=None,
        metavar="N",
        help="seed of the ids each test draws (default: cdbsim_config's, 0); "
        "@pytest.mark.cdbsim(seed=N) overrides it for one test",
    )
    group.addoption(
        "--cdbsim-clock",
        choices=CLOCK_MODES,
        default="auto",
        help="the simulator's clock in each test: manual (moved by cdbsim.clock.advance), real "
        "(follows datetime.now and so freezegun), or auto (default): real when the test uses "
        "freezegun, else manual",
    )
    group.addoption(
        "--cdbsim-time-scale",
        type=float,
        default=None,
        metavar="F",
        help="lifecycle durations of the session's simulator, as `cdbsim serve --time-scale`: 1 gives the "
        "sandbox's (builds 5 s, backups 4 s + 2 s per GB, ...) so BUILD, BACKUP and SHUTDOWN can be seen on "
        "the clock; default: cdbsim_config's (0 s: every step at once)",
    )
    group.addoption(
        "--cdbsim-record-dir",
        metavar="DIR",
        help="record each test's exchanges as a HAR file DIR/<test module>/<test>.har, for "
        "@pytest.mark.cdbsim(replay=...) later",
    )
    group.addoption(
        "--cdbsim-coverage",
        action="store_true",
        help="at the end, report which API operations, lifecycle transitions and fault rules the "
        "tests exercised, and which they never did",
    )
    group.addoption(
        "--cdbsim-coverage-json",
        metavar="FILE",
        help="also write that coverage report as JSON to FILE (implies --cdbsim-coverage)",
    )
    group.addoption(
        "--cdbsim-url",
        metavar="URL",
        help="use the cdbsim running at URL (e.g. shared by pytest-xdist workers) instead of "
        "starting one; each test still gets its own account",
    )
    group.addoption(
        "--cdbsim-admin-token",
        metavar="TOKEN",
        help="X-Admin-Token for the /_sim/ control API of --cdbsim-url when it is not on loopback",
    )


#: The top-level package pytest marks for assertion rewriting because this plugin is in its distribution.
PACKAGE = __name__.partition(".")[0]


def _leave_the_simulator_unrewritten(config: pytest.Config) -> None:
    """pytest rewrites the asserts of every module of a plugin's distribution, so each cdbsim module a session
    imports (the whole server, ~200 modules) went through its import hook: the source read and hashed on every
    import, and parsed, rewritten and compiled anew whenever bytecode cannot be written (~60 ms more CPU per
    session with bytecode cached, ~260 ms without; benchmarks/README.md). Their asserts are internal invariants,
    never a test's, so they are imported as Python would. The hook keeps this module's own mark (pytest added it
    when it loaded the plugin); a pytest without the hook's set of names is left as it is."""
    hook = getattr(config.pluginmanager, "rewrite_hook", None)
    marked = getattr(hook, "_must_rewrite", None)
    if hook is not None and isinstance(marked, set) and PACKAGE in marked:
        marked.discard(PACKAGE)
        hook.mark_rewrite()  # (public) forgets what the hook had already decided per name


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    """Before any conftest.py imports cdbsim: see _leave_the_simulator_unrewritten."""
    _leave_the_simulator_unrewritten(early_config)


#: pytest-asyncio's warning for a project that has not set asyncio_default_fixture_loop_scope (see pytest_configure).
LOOP_SCOPE_UNSET = 'The configuration option "asyncio_default_fixture_loop_scope" is unset'


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Declare the marker (for --strict-markers) and start the coverage tally when it was asked for.

    cdbsim's test extra brings pytest-asyncio, which warns on every run of a project that has not chosen a loop
    scope for async fixtures. cdbsim's own async fixture (cdbsim_client) is function-scoped, so the choice is not
    ours to make and the warning is not about us: it is silenced only while the project has not set the option
    (docs/plugin.md says so)."""
    try:
        unset = not config.getini("asyncio_default_fixture_loop_scope")
    except ValueError:  # pytest-asyncio is not installed: no such option, no warning
        unset = False
    _check_time_scale(config)
    _leave_the_simulator_unrewritten(config)  # a plugin loaded by a conftest's pytest_plugins comes in here
    if unset:
        warnings.filterwarnings("ignore", message=LOOP_SCOPE_UNSET, category=pytest.PytestDeprecationWarning)
    config.addinivalue_line(
        "markers",
        "cdbsim(scenario=None, seed=None, clock=None, replay=None, account=None): set up this test's cdbsim "
        "sandbox: fault scenario(s) for its account (shipped name, file or mapping), the id seed, the clock "
        "('manual' or 'real'), a HAR recording to answer from, a fixed account id",
    )
    if config.getoption("--cdbsim-coverage") or config.getoption("--cdbsim-coverage-json"):
        from simulator.coverage import Coverage

        config.stash[COVERAGE_KEY] = Coverage()


def _marker_options(node) -> dict:
    """The cdbsim marker's arguments, the closest marker winning per argument."""
    options: dict = {}
    for mark in node.iter_markers(MARKER):
        if mark.args:
            raise pytest.UsageError(
                f"{node.nodeid}: @pytest.mark.cdbsim takes keyword arguments only ({', '.join(MARKER_ARGS)})"
            )
        unknown = set(mark.kwargs) - set(MARKER_ARGS)
        if unknown:
            raise pytest.UsageError(
                f"{node.nodeid}: unknown @pytest.mark.cdbsim argument(s) "
                f"{', '.join(sorted(unknown))} (known: {', '.join(MARKER_ARGS)})"
            )
        for key, value in mark.kwargs.items():
            options.setdefault(key, value)
    seed = options.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise pytest.UsageError(f"{node.nodeid}: @pytest.mark.cdbsim(seed=...) must be an integer, not {seed!r}")
    clock = options.get("clock")
    if clock is not None and clock not in CLOCK_MODES:
        raise pytest.UsageError(
            f"{node.nodeid}: @pytest.mark.cdbsim(clock=...) must be one of {', '.join(CLOCK_MODES)}, not {clock!r}"
        )
    scenario = options.pop("scenario", None)
    options["scenarios"] = (
        [] if scenario is None else list(scenario) if isinstance(scenario, (list, tuple)) else [scenario]
    )
    return options


@pytest.fixture(scope="session")
def cdbsim_config() -> SimulatorConfig:
    """Override in conftest.py (session scope) to change the simulator the session runs."""
    from simulator.config import SimulatorConfig

    return SimulatorConfig()


def _scaled(cdbsim_config: SimulatorConfig, config: pytest.Config) -> SimulatorConfig:
    """cdbsim_config with the sandbox's durations times --cdbsim-time-scale, when it was given."""
    scale = config.getoption("--cdbsim-time-scale")
    if scale is None:
        return cdbsim_config
    from simulator.config import SANDBOX_DURATIONS

    return dataclasses.replace(cdbsim_config, durations=SANDBOX_DURATIONS.scaled(scale))


def _check_time_scale(config: pytest.Config) -> None:
    """--cdbsim-time-scale is 0 or more, and only for a simulator the session starts."""
    scale = config.getoption("--cdbsim-time-scale")
    if scale is None:
        return
    if config.getoption("--cdbsim-url"):
        raise pytest.UsageError(
            "--cdbsim-time-scale sets the durations of the simulator the session starts; a running one "
            "(--cdbsim-url) keeps its own: start it with `cdbsim serve --time-scale F`."
        )
    if scale < 0:
        raise pytest.UsageError(f"--cdbsim-time-scale must be 0 or more, not {scale:g}.")


@pytest.fixture(scope="session")
def make_cdbsim(request: pytest.FixtureRequest, cdbsim_config: SimulatorConfig) -> Iterator[CdbsimSession]:
    """The session's simulator on a loopback socket (started on first use) and the factory of sandboxes."""
    from simulator.testing.session import CdbsimSession

    config = request.config
    session = CdbsimSession.start(
        _scaled(cdbsim_config, config),
        loop_time=REAL_MONOTONIC,
        url=config.getoption("--cdbsim-url"),
        admin_token=config.getoption("--cdbsim-admin-token"),
        seed=config.getoption("--cdbsim-seed"),
        clock=config.getoption("--cdbsim-clock"),
        coverage=config.stash.get(COVERAGE_KEY, None),
    )
    config.stash[SESSION_KEY] = session
    yield session
    session.stop()


@pytest.fixture
def cdbsim(request: pytest.FixtureRequest, make_cdbsim: CdbsimSession) -> Iterator[Sandbox]:
    """This test's own account on the session's simulator, emptied and deleted after the test."""
    from simulator.testing.freezing import clock_for
    from simulator.testing.names import recording_path

    item = request.node
    options = _marker_options(item)
    replay = options.get("replay")
    folder = request.config.getoption("--cdbsim-record-dir")
    sandbox = make_cdbsim.open(
        item.nodeid,
        account=options.get("account"),
        seed=options.get("seed"),
        clock=clock_for(item, options.get("clock"), make_cdbsim.clock_mode),
        scenarios=options["scenarios"],
        replay=replay,
        record=None if replay or not folder else recording_path(folder, item.nodeid, item.name),
        base_dir=Path(str(request.path)).parent,
    )
    item.stash[SANDBOX_KEY] = sandbox
    yield sandbox
    make_cdbsim.close(sandbox)


try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - the test extra installs it
    pytest_asyncio = None  # type: ignore[assignment]


if pytest_asyncio is not None:

    @pytest_asyncio.fixture
    async def cdbsim_client(
        request: pytest.FixtureRequest, cdbsim_config: SimulatorConfig, aiohttp_client
    ) -> AsyncIterator[AsyncSandbox]:
        """An in-process simulator of this test's own, served by aiohttp's test client, with an account on it:
        `await cdbsim_client.request("GET", "instances")`, `.client` for the raw TestClient."""
        from simulator.testing.freezing import clock_for
        from simulator.testing.session import close_sandbox, open_in_process

        item = request.node
        options = _marker_options(item)
        sandbox = await open_in_process(
            cdbsim_config,
            aiohttp_client,
            item.nodeid,
            account=options.get("account"),
            seed=options.get("seed", request.config.getoption("--cdbsim-seed")),
            clock=clock_for(item, options.get("clock"), request.config.getoption("--cdbsim-clock")),
            scenarios=options["scenarios"],
            replay=options.get("replay") or None,
            base_dir=Path(str(request.path)).parent,
            template=_schema_template(request.config),
        )
        item.stash[SANDBOX_KEY] = sandbox
        yield sandbox
        close_sandbox(sandbox, request.config.stash.get(COVERAGE_KEY, None))
else:  # pragma: no cover

    @pytest.fixture
    def cdbsim_client():
        """Needs pytest-asyncio and pytest-aiohttp (pip install 'cdbsim[test]')."""
        pytest.fail("cdbsim_client needs pytest-asyncio and pytest-aiohttp")


def _schema_template(config: pytest.Config) -> SchemaTemplate:
    """The run's schema cache for cdbsim_client's apps: the repositories' sources hashed once per run."""
    template = config.stash.get(TEMPLATE_KEY, None)
    if template is None:
        from simulator.repos.template import SchemaTemplate

        template = config.stash[TEMPLATE_KEY] = SchemaTemplate()
    return template


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Under a failing test, show the requests its account made (before teardown deletes them)."""
    outcome = yield
    report = outcome.get_result()
    sandbox = item.stash.get(SANDBOX_KEY, None)
    if sandbox is None or call.when != "call" or not report.failed:
        return
    from simulator.testing.report import journal_lines

    try:
        report.sections.append(("cdbsim journal", "\n".join(journal_lines(sandbox))))
    except Exception as exc:  # the report must not hide the failure
        report.sections.append(("cdbsim journal", f"(could not read the journal: {exc!r})"))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """pytest-xdist: a worker hands its coverage to the controller."""
    coverage = session.config.stash.get(COVERAGE_KEY, None)
    if coverage is not None and hasattr(session.config, "workeroutput"):  # a pytest-xdist worker
        session.config.workeroutput["cdbsim_coverage"] = json.dumps(coverage.to_dict())


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """pytest-xdist: add a worker's coverage to the controller's."""
    coverage = node.config.stash.get(COVERAGE_KEY, None)
    data = getattr(node, "workeroutput", {}).get("cdbsim_coverage")
    if coverage is not None and data:
        coverage.merge(json.loads(data))


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    """The coverage report at the end of the run (the controller's alone under pytest-xdist)."""
    coverage = config.stash.get(COVERAGE_KEY, None)
    if coverage is None or hasattr(config, "workeroutput"):
        return
    terminalreporter.write_sep("=", "cdbsim coverage")
    for line in coverage.render():
        terminalreporter.write_line(line)
    path = config.getoption("--cdbsim-coverage-json")
    if path:
        Path(path).write_text(json.dumps(coverage.report(), indent=2), encoding="utf-8")
        terminalreporter.write_line(f"coverage written to {path}")
