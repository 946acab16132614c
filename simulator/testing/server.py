"""SimulatorServer: the app on its own thread with a real loopback socket, for synchronous SDKs and other processes."""

from __future__ import annotations

import asyncio
import sys
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from simulator.config import SimulatorConfig

if TYPE_CHECKING:
    from aiohttp import web


class SimulatorServer:
    """Start once, then use .url; run(fn) executes fn(app) on the server's own thread (thread-safe)."""

    def __init__(self, config: SimulatorConfig | None = None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.config = config or SimulatorConfig()
        self.host, self.port = host, port
        self.app: web.Application | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        #: The loop a stop() has already asked to stop: a second stop() only waits, since asking again after
        #: run_forever returned would stop the loop's cleanup (run_until_complete) halfway.
        self._stop_asked: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """Where clients reach it (the port is known once started)."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> SimulatorServer:
        """Serve on a daemon thread and return once the socket listens (start-up errors are raised here)."""
        ready: Future = Future()
        self._thread = threading.Thread(target=self._serve, args=(ready,), name="cdbsim-server", daemon=True)
        self._thread.start()
        ready.result(timeout=30)
        return self

    def _serve(self, ready: Future) -> None:
        """The server's thread: aiohttp and the app are imported here, on first start, so a process that only
        speaks HTTP to a simulator (a session on --cdbsim-url, an HttpControl) never imports them."""
        from aiohttp import web

        from simulator.app import create_app
        from simulator.serve.connections import SHUTDOWN_GRACE

        loop = self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            self.app = create_app(self.config)
            self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=SHUTDOWN_GRACE)
            loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, self.host, self.port)
            loop.run_until_complete(site.start())
            self.port = self._runner.addresses[0][1]
        except BaseException as exc:  # report start-up failures to the caller
            ready.set_exception(exc)
            return
        ready.set_result(True)
        loop.run_forever()
        loop.run_until_complete(self._runner.cleanup())
        loop.close()

    def run(self, fn: Callable[[web.Application], Any]) -> Any:
        """Call fn(app) on the server thread and return its result (exceptions propagate)."""
        app, loop = self.app, self._loop
        if app is None or loop is None:
            raise RuntimeError("SimulatorServer.run() needs a started server")

        async def call():
            return fn(app)

        return asyncio.run_coroutine_threadsafe(call(), loop).result(timeout=30)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the loop and wait for the thread, so the socket and the store are closed when this returns. A request
        still in progress (an injected delay) has SHUTDOWN_GRACE seconds, then its connection is closed unanswered;
        a thread still running after timeout seconds is an error that shows where it is."""
        loop = self._loop
        if loop and loop.is_running() and self._stop_asked is not loop:
            self._stop_asked = loop
            loop.call_soon_threadsafe(loop.stop)
        if self._thread:
            self._thread.join(timeout=timeout)
            if self._thread.is_alive():
                frame = sys._current_frames().get(self._thread.ident or 0)
                where = "".join(traceback.format_stack(frame)) if frame else "(no stack)"
                raise RuntimeError(f"the cdbsim server thread is still running {timeout:g} s after stop():\n{where}")

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
