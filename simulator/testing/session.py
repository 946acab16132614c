"""The life of a test's sandbox: opened on the session's server (or on an app of its own), closed by one path."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.testing.client import CdbsimError, CdbsimServerError
from simulator.testing.names import account_body, account_id_for
from simulator.testing.sandbox import Account, AsyncSandbox, Sandbox
from simulator.testing.transport import AppControl, Control, HttpControl, ScenarioSource

if TYPE_CHECKING:
    from simulator.config import SimulatorConfig
    from simulator.coverage import Coverage
    from simulator.repos.template import SchemaTemplate
    from simulator.testing.server import SimulatorServer


def _clock_mode(config: SimulatorConfig, mode: str) -> str:
    """The clock a test runs on: its own choice, or the config's for auto."""
    return config.clock if mode == "auto" else mode


def close_sandbox(sandbox: Account, coverage: Coverage | None, check: bool = True) -> None:
    """End a test, sync or async alike: coverage noted, sandbox torn down, then the fake's own errors raised."""
    errors: list[str] = []
    try:
        if coverage is not None:
            entries = sandbox.own_entries()
            coverage.add_test(entries, [s for account in sandbox.family() for s in account.scenarios()])
        if check:
            errors = sandbox.server_errors()
    finally:
        sandbox.tear_down()
    if errors:
        raise CdbsimServerError("the simulator raised while serving this test (a bug in cdbsim):\n" + "\n".join(errors))


def _pin_loop_time(monotonic: Callable[[], float]) -> Callable[[Any], None]:
    """freezegun freezes time.monotonic in every thread: keep the server's loop on the real one, so its timers and
    fault delays run while a test has time frozen (the simulator's clock itself still follows freezegun)."""

    def pin(app) -> None:
        asyncio.get_running_loop().time = monotonic  # type: ignore[method-assign]

    return pin


class CdbsimSession:
    """The session's simulator and the sandboxes opened on it.

    :param config: what the in-process server runs with.
    :param url: a running simulator to use instead (its ids and clock are then left alone: it may be shared).
    """

    def __init__(
        self,
        config: SimulatorConfig,
        *,
        url: str | None = None,
        admin_token: str | None = None,
        seed: int | None = None,
        clock: str = "auto",
        coverage: Coverage | None = None,
    ) -> None:
        self.config = config
        self.server: SimulatorServer | None = None
        self.url = url.rstrip("/") if url else None
        self._control: Control | None = HttpControl(url, admin_token) if url else None
        self.seed = config.seed if seed is None else seed
        self.clock_mode = clock
        self.coverage = coverage
        self.start_time = config.start_time

    @classmethod
    def start(
        cls, config: SimulatorConfig | None = None, *, loop_time: Callable[[], float] = time.monotonic, **options
    ) -> CdbsimSession:
        """Start the simulator (unless options name a url) and return the session; its event loop keeps to
        loop_time (pass the real time.monotonic when tests may freeze time)."""
        from simulator.config import SimulatorConfig
        from simulator.testing.server import SimulatorServer

        session = cls(config or SimulatorConfig(), **options)
        if session.url is None:
            server = session.server = SimulatorServer(session.config).start()
            server.run(_pin_loop_time(loop_time))
            session.url = server.url
            session._control = AppControl(server.run)
            if session.start_time is None:
                session.start_time = session.control.clock()["now"]
        return session

    @property
    def control(self) -> Control:
        """How this session reaches its simulator: in the server's thread, or over HTTP (--cdbsim-url)."""
        if self._control is None:
            raise RuntimeError("CdbsimSession: start() the session first")
        return self._control

    def stop(self) -> None:
        """Stop the in-process server, if this session started one."""
        if self.server is not None:
            self.server.stop()
            self.server = None

    def __enter__(self) -> CdbsimSession:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def add_account(
        self, account_id: str, role: str = "dbaas:admin", base_dir: Path | None = None, **fields
    ) -> Sandbox:
        """An account of its own (an interrupted run's leftover of the same id is removed first)."""
        body = account_body(account_id, role, **fields)
        try:
            creds = self.control.create_account(body)
        except CdbsimError as exc:
            if "already exists" not in exc.message or "Account" not in exc.message:
                raise
            self.control.delete_account(account_id, missing_ok=True)
            creds = self.control.create_account(body)
        return Sandbox(self, self.control, creds, base_dir, self.url or "", self.config.region)

    def open(
        self,
        name: str = "test",
        *,
        account: str | None = None,
        seed: int | None = None,
        clock: str | None = None,
        scenarios: Iterable[ScenarioSource] = (),
        replay: str | Path | None = None,
        record: str | Path | None = None,
        base_dir: Path | None = None,
    ) -> Sandbox:
        """A test's sandbox: ids from the seed and the clock at the session's start (in-process), then its own
        account, its recording or replay, and its scenarios. Close it with close()."""
        control = self.control
        control.prepare(
            self.seed if seed is None else seed, _clock_mode(self.config, clock or self.clock_mode), self.start_time
        )
        mark = control.status()
        sandbox = self.add_account(account or account_id_for(name), base_dir=base_dir)
        sandbox.marks = mark
        try:
            sandbox.set_up(replay, record, scenarios)
        except BaseException:
            self.close(sandbox, check=False)
            raise
        return sandbox

    def close(self, sandbox: Sandbox, check: bool = True) -> None:
        """End a test: note its coverage, stop its replay or recording, delete its accounts; then raise what the
        simulator raised while serving it (CdbsimServerError)."""
        close_sandbox(sandbox, self.coverage, check)


async def open_in_process(
    config: SimulatorConfig,
    aiohttp_client: Callable,
    name: str = "test",
    *,
    account: str | None = None,
    seed: int | None = None,
    clock: str = "auto",
    scenarios: Iterable[ScenarioSource] = (),
    replay: str | Path | None = None,
    base_dir: Path | None = None,
    template: SchemaTemplate | None = None,
) -> AsyncSandbox:
    """A test's sandbox on an app of its own (in memory, served by aiohttp's test client): its account, its
    scenarios and its replay (template: the session's schema cache, see Store.open). Close it with close_sandbox()."""
    from simulator.app import create_app

    config = replace(
        config, clock=_clock_mode(config, clock), seed=config.seed if seed is None else seed, db_path=":memory:"
    )
    client = await aiohttp_client(create_app(config, template=template))
    control = AppControl(lambda fn: fn(client.app))
    creds = control.create_account(account_body(account or account_id_for(name)))
    sandbox = AsyncSandbox(None, control, creds, base_dir, client, config.region)
    sandbox.marks = control.status()
    sandbox.set_up(replay, None, scenarios)
    return sandbox


def reset_cycle(session: CdbsimSession, name: str = "benchmark::test_reset") -> None:
    """What the `cdbsim` fixture costs a test once the server runs: open its sandbox and close it again.

    For the benchmark: `with CdbsimSession.start() as s: timeit(lambda: reset_cycle(s))`.
    """
    session.close(session.open(name))
