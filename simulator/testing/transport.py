"""How a sandbox reaches its simulator's control plane: one protocol, two transports (the app's thread, HTTP)."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol

from simulator.testing.client import CdbsimError, http_call

if TYPE_CHECKING:
    from aiohttp import web

    from simulator.replay.engine import ReplayEngine

    AppCall = Callable[[web.Application], Any]

#: A fault scenario as a test names it: a shipped name, YAML text, a file, or the mapping itself.
ScenarioSource = str | Path | dict


def control_functions() -> ModuleType:
    """The simulator's control functions (accounts, clock, journal, snapshots): the one place they are imported."""
    from simulator import control

    return control


def _replay_engine(app: web.Application) -> ReplayEngine:
    """The app's replay engine: a simulator built without the replay feature cannot replay or record."""
    from simulator.replay import engine_of

    engine = engine_of(app)
    if engine is None:
        raise CdbsimError("This simulator runs without the replay feature.", 404, "itemNotFound")
    return engine


class Control(Protocol):
    """What a sandbox asks of its simulator, whichever way the simulator is reached."""

    def prepare(self, seed: int, mode: str, start: str | None) -> None:
        """Give a test the ids of its seed and the clock of its mode, started at `start`."""

    def status(self) -> dict:
        """The journal seq and handler error count now: where a test's own records begin."""

    def create_account(self, body: dict) -> dict:
        """A new account; returns its credentials."""

    def delete_account(self, account_id: str, missing_ok: bool = False) -> None:
        """Remove an account and all it holds, journal included."""

    def reset_account(self, account_id: str) -> dict:
        """Empty an account and keep its credentials."""

    def clock(self) -> dict:
        """The simulator's clock: mode, now and epoch."""

    def advance(self, seconds: float) -> dict:
        """Move a manual clock forward, carrying out what falls due."""

    def set_clock(self, now: str | None = None, mode: str | None = None) -> dict:
        """Jump a manual clock, or change the clock's mode."""

    def journal(self, **filters) -> list[dict]:
        """Journal entries matching filters (account_id, route, status, since)."""

    def count_journal(self, query: list[tuple[str, str]]) -> dict:
        """GET /_sim/journal/count's answer for these query pairs: the count and the near misses."""

    def clear_journal(self, account_id: str) -> None:
        """Forget an account's journal."""

    def errors(self, since: int) -> dict:
        """What the simulator raised while serving, after the `since`-th error."""

    def load_scenario(self, source: ScenarioSource, account_id: str) -> dict:
        """Load a fault scenario for one account."""

    def scenarios(self, account_id: str) -> list[dict]:
        """An account's loaded scenarios with their hits."""

    def clear_scenarios(self, account_id: str, name: str | None = None) -> list[dict]:
        """Unload an account's scenarios (or one); returns the rules that never fired."""

    def snapshot(self, name: str | None, account_id: str | None) -> dict:
        """Keep the state (of one account, or all) under a name."""

    def restore(self, name: str) -> dict:
        """Bring back a snapshot."""

    def replay(self, path: str | None, mode: str = "strict", record_mode: str = "none") -> None:
        """Answer from a HAR recording, or record into one."""

    def stop_replay(self) -> None:
        """Stop replaying or recording."""

    def state(self, account_id: str) -> str:
        """The account's state document (text)."""

    def load_state(self, document: Any, account_id: str) -> dict:
        """Load an account's state document into account_id (which keeps its credentials)."""

    def check_login(self, account_id: str, instance_id: str, user: str, password: str) -> bool:
        """Whether a database user would log in to an instance with that password."""


class AppControl(Control):
    """Control calls as functions of the app, run by `run` (SimulatorServer.run, or a direct call)."""

    def __init__(self, run: Callable[[AppCall], Any]) -> None:
        self._run = run

    def call(self, fn: AppCall) -> Any:
        """fn(app) where the app lives; a simulator error becomes a CdbsimError."""
        from simulator.errors import SimulatorError

        try:
            return self._run(fn)
        except SimulatorError as exc:
            raise CdbsimError(exc.message, exc.status, exc.fault) from None

    def prepare(self, seed: int, mode: str, start: str | None) -> None:
        c = control_functions()

        def go(app):
            c.reseed(app, seed)
            c.set_clock(app, now=start if mode == "manual" else None, mode=mode)

        self.call(go)

    def status(self) -> dict:
        return self.call(control_functions().status)

    def create_account(self, body: dict) -> dict:
        return self.call(lambda app: control_functions().create_account(app, body))

    def delete_account(self, account_id: str, missing_ok: bool = False) -> None:
        try:
            self.call(lambda app: control_functions().delete_account(app, account_id))
        except CdbsimError as exc:
            if not (missing_ok and exc.status == 404):
                raise

    def reset_account(self, account_id: str) -> dict:
        return self.call(lambda app: control_functions().reset_account(app, account_id))

    def clock(self) -> dict:
        return self.call(control_functions().clock_view)

    def advance(self, seconds: float) -> dict:
        return self.call(lambda app: control_functions().advance_clock(app, seconds))

    def set_clock(self, now: str | None = None, mode: str | None = None) -> dict:
        return self.call(lambda app: control_functions().set_clock(app, now, mode))

    def journal(self, **filters) -> list[dict]:
        filters.setdefault("since", 0)
        return self.call(lambda app: control_functions().journal_entries(app, **filters))

    def count_journal(self, query: list[tuple[str, str]]) -> dict:
        def go(app):
            from multidict import MultiDict

            from simulator.control.journal_filters import KNOWN, parse_filters
            from simulator.errors import SimulatorError

            try:
                filters = parse_filters(MultiDict(query), app, tuple(k for k in KNOWN if k != "limit"))
            except SimulatorError as exc:
                raise CdbsimError(exc.message, exc.status, exc.fault) from None
            return control_functions().count_journal(app, **filters)

        return self.call(go)

    def clear_journal(self, account_id: str) -> None:
        self.call(lambda app: control_functions().clear_journal(app, account_id))

    def errors(self, since: int) -> dict:
        return self.call(lambda app: control_functions().handler_errors(app, since))

    def load_scenario(self, source: ScenarioSource, account_id: str) -> dict:
        from simulator.faults import fault_engine

        return self.call(lambda app: fault_engine(app).load_entry(source, account_id))

    def scenarios(self, account_id: str) -> list[dict]:
        from simulator.faults import fault_engine

        return self.call(lambda app: fault_engine(app).list(account_id))

    def clear_scenarios(self, account_id: str, name: str | None = None) -> list[dict]:
        from simulator.faults import fault_engine

        return self.call(lambda app: fault_engine(app).clear(name, account_id))

    def snapshot(self, name: str | None, account_id: str | None) -> dict:
        return self.call(lambda app: control_functions().take_snapshot(app, name, account_id))

    def restore(self, name: str) -> dict:
        return self.call(lambda app: control_functions().restore_snapshot(app, name))

    def replay(self, path: str | None, mode: str = "strict", record_mode: str = "none") -> None:
        def go(app):
            try:
                _replay_engine(app).configure(path, mode=mode, record_mode=record_mode)
            except FileNotFoundError as exc:
                raise CdbsimError(f"Cannot load the recording: {exc}.", 404, "itemNotFound") from None
            except ValueError as exc:
                raise CdbsimError(f"Cannot load the recording: {exc}.", 400, "badRequest") from None

        self.call(go)

    def stop_replay(self) -> None:
        self.call(lambda app: _replay_engine(app).stop())

    def state(self, account_id: str) -> str:
        return self.call(lambda app: control_functions().state_document(app, account_id))

    def load_state(self, document: Any, account_id: str) -> dict:
        return self.call(lambda app: control_functions().load_state_document(app, document, account_id))

    def check_login(self, account_id: str, instance_id: str, user: str, password: str) -> bool:
        return self.call(lambda app: control_functions().check_login(app, account_id, instance_id, user, password))


class HttpControl(Control):
    """The same calls over the /_sim/ API of a running simulator (--cdbsim-url)."""

    def __init__(self, url: str, admin_token: str | None = None) -> None:
        self.url = url.rstrip("/")
        # X-Cdbsim: a state-changing control call must show it is not a simple request a web page could send
        self.headers = {"X-Cdbsim": "1", **({"X-Admin-Token": admin_token} if admin_token else {})}

    def _do(self, method: str, path: str, body=None, expect=(200, 201, 204)) -> Any:
        """One control request; an answer outside `expect` becomes a CdbsimError with the simulator's fault."""
        answer = http_call(method, self.url + path, body, self.headers)
        if answer.status not in expect:
            fault = next(iter(answer.body), "") if isinstance(answer.body, dict) else ""
            detail = answer.body[fault] if fault else {}
            message = detail.get("message") if isinstance(detail, dict) else None
            raise CdbsimError(
                message or f"{method} {path} answered {answer.status}: {answer.body}", answer.status, fault
            )
        return answer.body

    def prepare(self, seed: int, mode: str, start: str | None) -> None:
        """A shared server's ids and clock belong to every test using it: leave them alone."""

    def status(self) -> dict:
        return self._do("GET", "/_sim/status")["status"]

    def create_account(self, body: dict) -> dict:
        return self._do("POST", "/_sim/accounts", body)["account"]

    def delete_account(self, account_id: str, missing_ok: bool = False) -> None:
        self._do("DELETE", f"/_sim/accounts/{account_id}", expect=(204, 404) if missing_ok else (204,))
        # The delete call itself was journaled under the account: leave nothing of it behind.
        self.clear_journal(account_id)

    def reset_account(self, account_id: str) -> dict:
        return self._do("POST", f"/_sim/accounts/{account_id}/reset")["reset"]

    def clock(self) -> dict:
        return self._do("GET", "/_sim/clock")["clock"]

    def advance(self, seconds: float) -> dict:
        return self._do("POST", "/_sim/clock/advance", {"seconds": seconds})["clock"]

    def set_clock(self, now: str | None = None, mode: str | None = None) -> dict:
        body = {k: v for k, v in (("now", now), ("mode", mode)) if v is not None}
        return self._do("PUT", "/_sim/clock", body)["clock"]

    def journal(self, **filters) -> list[dict]:
        query = urllib.parse.urlencode({k: v for k, v in filters.items() if v is not None})
        return self._do("GET", "/_sim/journal" + (f"?{query}" if query else ""))["journal"]

    def count_journal(self, query: list[tuple[str, str]]) -> dict:
        return self._do("GET", "/_sim/journal/count?" + urllib.parse.urlencode(query))

    def clear_journal(self, account_id: str) -> None:
        self._do("DELETE", f"/_sim/journal?account_id={account_id}")

    def errors(self, since: int) -> dict:
        return self._do("GET", f"/_sim/errors?since={since}")

    def load_scenario(self, source: ScenarioSource, account_id: str) -> dict:
        body: dict
        if isinstance(source, dict):
            body = {"scenario": source}
        elif isinstance(source, Path):
            body = {"yaml": source.read_text(encoding="utf-8")}
        else:
            from simulator.faults.scenario import shipped_scenarios

            body = {"name": source} if source in shipped_scenarios() else {"yaml": source}
        return self._do("POST", "/_sim/scenarios", {**body, "account_id": account_id})["scenario"]

    def scenarios(self, account_id: str) -> list[dict]:
        return self._do("GET", f"/_sim/scenarios?account_id={account_id}")["scenarios"]

    def clear_scenarios(self, account_id: str, name: str | None = None) -> list[dict]:
        path = "/_sim/scenarios" + (f"/{urllib.parse.quote(name, safe='')}" if name else "")
        return self._do("DELETE", f"{path}?account_id={account_id}")["unused_rules"]

    def snapshot(self, name: str | None, account_id: str | None) -> dict:
        body = {k: v for k, v in (("name", name), ("account_id", account_id)) if v is not None}
        return self._do("POST", "/_sim/snapshots", body)["snapshot"]

    def restore(self, name: str) -> dict:
        return self._do("POST", f"/_sim/snapshots/{urllib.parse.quote(name, safe='')}/restore")["snapshot"]

    def replay(self, path: str | None, mode: str = "strict", record_mode: str = "none") -> None:
        # A test's recording is made afresh (overwrite), as in the app's thread.
        body = {"path": path, "mode": mode, "record_mode": record_mode, "overwrite": record_mode == "all"}
        self._do("PUT", "/_sim/replay", body)

    def stop_replay(self) -> None:
        self._do("DELETE", "/_sim/replay")

    def state(self, account_id: str) -> str:
        from simulator.backend.state_files import document_text

        return document_text(self._do("GET", f"/_sim/state?account={urllib.parse.quote(account_id)}"))

    def load_state(self, document: Any, account_id: str) -> dict:
        return self._do("PUT", f"/_sim/state?account={urllib.parse.quote(account_id)}", document)["state"]

    def check_login(self, account_id: str, instance_id: str, user: str, password: str) -> bool:
        return self._do(
            "POST",
            f"/_sim/accounts/{account_id}/instances/{instance_id}/login",
            {"user": user, "password": password},
        )["login"]
