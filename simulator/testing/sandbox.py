"""What a test holds: its account on a simulator, with the clock, the journal, scenarios and snapshots at hand."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from simulator.reference.regions import account_of
from simulator.testing.client import Answer, CdbsimError, http_call, parse_body
from simulator.testing.names import account_body
from simulator.testing.transport import Control, ScenarioSource, control_functions
from simulator.testing.waiting import Waiter

if TYPE_CHECKING:
    from aiohttp import web
    from aiohttp.test_utils import TestClient


def _utc(epoch: float) -> dt.datetime:
    """The clock's epoch as an aware UTC datetime, the form a test compares with."""
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc)


class SandboxClock:
    """The simulator's clock: now(), advance(seconds) and set(moment) (manual mode), and its mode."""

    def __init__(self, control: Control) -> None:
        self._control = control

    @property
    def mode(self) -> str:
        """manual or real: whether advance() and set() move it."""
        return self._control.clock()["mode"]

    def now(self) -> dt.datetime:
        """The simulated time (aware, UTC)."""
        return _utc(self._control.clock()["epoch"])

    def advance(self, seconds: float) -> dt.datetime:
        """Move a manual clock forward; every lifecycle step that falls due happens (BUILD -> ACTIVE, ...)."""
        try:
            view = self._control.advance(seconds)
        except CdbsimError as exc:
            if "manual" in exc.message:
                raise CdbsimError(
                    "The clock is real (it follows datetime.now, and freezegun): move it with "
                    "freezegun's tick()/move_to(), or use @pytest.mark.cdbsim(clock='manual').",
                    exc.status,
                    exc.fault,
                ) from None
            raise
        return _utc(view["epoch"])

    def set(self, moment: dt.datetime | str) -> dt.datetime:
        """Jump a manual clock to moment (a datetime, naive means UTC, or ISO-8601 text)."""
        if isinstance(moment, str):
            text = moment
        else:
            text = (moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)).isoformat()
        return _utc(self._control.set_clock(now=text)["epoch"])


class SandboxJournal:
    """The requests this account's API served, oldest first: method, path, route, status, rule (the fault rule
    that fired), action, note, and the request and response (secrets masked)."""

    def __init__(self, control: Control, account_id: str) -> None:
        self._control = control
        self.account_id = account_id

    def entries(self, route: str | None = None, status: int | None = None) -> list[dict]:
        """This account's entries, read afresh (the journal grows while the test runs)."""
        return self._control.journal(account_id=self.account_id, route=route, status=status)

    def __iter__(self) -> Iterator[dict]:
        return iter(self.entries())

    def __len__(self) -> int:
        return len(self.entries())

    def __getitem__(self, index):
        return self.entries()[index]

    @property
    def last(self) -> dict | None:
        """The latest request, or None before the first."""
        entries = self.entries()
        return entries[-1] if entries else None

    def routes(self) -> list[str]:
        """The operations called, in order."""
        return [e["route"] for e in self.entries()]

    def faults(self) -> list[dict]:
        """The entries a fault rule answered or changed."""
        return [e for e in self.entries() if e.get("rule")]

    def count(self, **filters: Any) -> int:
        """How many of this account's requests match: method=, route=, status= (404 or "4xx"), path= (a glob),
        since=, until=, faulted= as GET /_sim/journal/count takes them (a list for any of several values). When
        none matches, verify() says which requests came closest."""
        return self._count(filters)["count"]

    def verify(self, expected: int = 1, **filters: Any) -> None:
        """Assert that exactly `expected` of this account's requests match the filters (count()'s); the
        AssertionError lists the closest misses and what differed (WireMock's near misses)."""
        answer = self._count(filters)
        if answer["count"] != expected:
            misses = "".join(
                f"\n  #{m['seq']} {m['method']} {m['path']} -> {m['status']}: "
                + ", ".join(f"{k} was {d['was']!r}, not {d['wanted']!r}" for k, d in m["differs"].items())
                for m in answer["near_misses"]
            )
            raise AssertionError(
                f"{answer['count']} request(s) matched {filters}, not {expected}"
                + (f"; the closest:{misses}" if misses else "")
            )

    def _count(self, filters: dict) -> dict:
        query = [("account_id", self.account_id)]
        for key, value in filters.items():
            for one in value if isinstance(value, (list, tuple)) else [value]:
                query.append((key, str(one).lower() if isinstance(one, bool) else str(one)))
        return self._control.count_journal(query)

    def clear(self) -> None:
        """Forget what came before, so a test can look at one step alone."""
        self._control.clear_journal(self.account_id)

    def har(self) -> dict:
        """The journal as a HAR 1.2 document."""
        return control_functions().journal_har(self.entries())

    def save_har(self, path: str | Path) -> Path:
        """Write har() to path (folders made), for replay later or a HAR viewer."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.har(), indent=2), encoding="utf-8")
        return path


class AccountMaker(Protocol):
    """What adds accounts to a test: the session (shared server) or the async sandbox (its own app)."""

    def add_account(self, account_id: str, role: str = ..., base_dir: Path | None = None, **fields) -> Account:
        """An account of its own on the same simulator."""


class Account:
    """One account on a simulator: credentials, clock, journal, scenarios, snapshots, more accounts."""

    def __init__(
        self, owner: AccountMaker, control: Control, creds: dict, base_dir: Path | None, url: str, region: str
    ) -> None:
        self._owner = owner
        self._control = control
        self.account_id: str = creds["account_id"]
        self.username: str = creds["username"]
        self.api_key: str = creds["api_key"]
        self.password: str = creds["password"]
        self.token: str = creds["token"]
        self.role: str = creds["role"]
        self.base_dir = base_dir
        self.url = url
        self.region = region
        self.endpoint = f"{url}/v1.0/{self.account_id}"
        self.auth_url = f"{url}/v2.0"
        self.clock = SandboxClock(control)
        self.journal = SandboxJournal(control, self.account_id)
        self.accounts: list[Account] = []
        #: The journal seq and handler error count when the test began (what the end of the test reads from).
        self.marks: dict = {}
        self.replaying = False
        self._snapshots = 0

    def __repr__(self) -> str:
        return f"<{type(self).__name__} account {self.account_id}>"

    @property
    def headers(self) -> dict:
        """What an API call needs: the token and the JSON content type."""
        return {"X-Auth-Token": self.token, "Content-Type": "application/json"}

    def family(self) -> list[Account]:
        """This account and every account made from it, parents first (what the end of the test covers)."""
        out: list[Account] = [self]
        for extra in self.accounts:
            out.extend(extra.family())
        return out

    def own_entries(self) -> list[dict]:
        """The journal entries this test made since it began."""
        return self._control.journal(since=self.marks["journal_seq"])

    def set_up(
        self,
        replay: str | Path | None = None,
        record: str | Path | None = None,
        scenarios: Iterable[ScenarioSource] = (),
    ) -> None:
        """Start the test's replay (or its recording), then load its fault scenarios: what the marker asked for."""
        if replay is not None:
            self._control.replay(str(self._resolve(replay)), mode="strict")
            self.replaying = True
        elif record is not None:
            self._control.replay(str(record), record_mode="all")
            self.replaying = True
        for source in scenarios:
            self.load_scenario(source)

    def server_errors(self) -> list[str]:
        """What the simulator raised while serving this test: a bug in the fake, reported apart from the test's."""
        return self._control.errors(self.marks["handler_errors"])["errors"]

    def tear_down(self) -> None:
        """Undo what the test left on its simulator (nothing here: a subclass on a shared server does)."""

    def _resolve(self, source: Any) -> Any:
        """A scenario or recording named relative to the test's folder becomes an absolute path."""
        if isinstance(source, Path) or (
            isinstance(source, str) and "\n" not in source and source.endswith((".yaml", ".yml", ".json", ".har"))
        ):
            path = Path(source)
            if not path.is_absolute() and self.base_dir is not None and (self.base_dir / path).exists():
                path = self.base_dir / path
            return path.resolve()
        return source

    def load_scenario(self, source: ScenarioSource) -> str:
        """Load a fault scenario for this account only: a shipped name, a file (relative to the test's folder),
        a mapping or YAML text; returns its name."""
        return self._control.load_scenario(self._resolve(source), self.account_id)["name"]

    def scenarios(self) -> list[dict]:
        """This account's loaded scenarios with matches and hits per rule."""
        return self._control.scenarios(self.account_id)

    def clear_scenarios(self, name: str | None = None) -> list[dict]:
        """Unload this account's scenarios (or one); returns the rules that never fired."""
        return self._control.clear_scenarios(self.account_id, name)

    def reset(self) -> None:
        """Empty this account (instances, backups, journal, scenarios) and keep its credentials."""
        self._control.reset_account(self.account_id)

    def snapshot(self, name: str | None = None) -> str:
        """Keep this account's state (not its journal) under a name; returns the name."""
        self._snapshots += 1
        return self._control.snapshot(name or f"{self.account_id}-{self._snapshots}", self.account_id)["name"]

    def restore(self, name: str) -> None:
        """Bring back a snapshot taken with snapshot()."""
        self._control.restore(name)

    def save_state(self, path: str | Path) -> Path:
        """Write this account's state document to path (folders made), to commit beside the tests and load_state
        later; secrets only as the simulator keeps them (digests)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self._control.state(self.account_id), encoding="utf-8")
        return path

    def load_state(self, path: str | Path) -> dict:
        """Load an account's state document (a file relative to the test's folder, from save_state, `cdbsim state
        export --account` or GET /_sim/state?account=) into this account, which keeps its own credentials;
        returns what was loaded (rows by table)."""
        resolved = self._resolve(Path(path))
        try:
            text = resolved.read_text(encoding="utf-8")
        except OSError as exc:
            raise CdbsimError(
                f"Cannot read the state document {resolved}: {exc.strerror or exc}.", 404, "itemNotFound"
            ) from None
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise CdbsimError(f"The state document {resolved} is not JSON: {exc}.", 400, "badRequest") from None
        return self._control.load_state(document, self.account_id)

    def wait_for(
        self,
        get: Callable[[Any], Any],
        resource_id: Any,
        status: str | tuple[str, ...] = "ACTIVE",
        timeout: float = 600,
        step: float = 5,
    ) -> Any:
        """Poll get(resource_id) (e.g. trove.instances.get) until its status is status, moving a manual clock step
        seconds between polls (a real clock: short real sleeps); returns what get returned then. WaitTimeout
        names the last status after timeout seconds, or at once when it is ERROR or FAILED."""
        return self._waiter().wait_for(get, resource_id, status, timeout=timeout, step=step)

    def wait_gone(self, get: Callable[[Any], Any], resource_id: Any, timeout: float = 600, step: float = 5) -> None:
        """Poll get(resource_id) until it raises NotFound (or answers 404), moving the clock as wait_for does."""
        self._waiter().wait_gone(get, resource_id, timeout=timeout, step=step)

    def _waiter(self) -> Waiter:
        return Waiter(self.clock.advance if self.clock.mode == "manual" else None)

    def check_login(self, instance_id: str, user: str, password: str) -> bool:
        """Would user (name or name@host) log in to the instance with password? (what a restore must keep)"""
        return self._control.check_login(self.account_id, instance_id, user, password)

    def new_account(self, role: str = "dbaas:admin", **fields) -> Account:
        """Another account on the same simulator (deleted with this one at the end of the test)."""
        account_id = fields.pop("account_id", None) or f"{self.account_id[:50]}-{len(self.accounts) + 1}"
        extra = self._owner.add_account(account_id, role=role, base_dir=self.base_dir, **fields)
        self.accounts.append(extra)
        return extra


class Sandbox(Account):
    """A test's own account on the session's simulator, reached over a real socket (any SDK works)."""

    def call(self, method: str, path: str, json=None, headers: dict | None = None) -> Answer:
        """An API call with this account's token; path is under .endpoint unless it starts with /."""
        url = self.url + path if path.startswith("/") else f"{self.endpoint}/{path.lstrip('/')}"
        return http_call(method, url, json, {**self.headers, **(headers or {})})

    def trove_client(self):
        """A python-troveclient Client on this account (fixed endpoint and token)."""
        from keystoneauth1 import session, token_endpoint
        from troveclient.v1 import client

        return client.Client(session=session.Session(auth=token_endpoint.Token(self.endpoint, self.token)))

    def own_entries(self) -> list[dict]:
        """Only this test's accounts' entries (and those of no account): other tests may share the server. An
        entry of no account (a control call) keeps only the lifecycle transitions of this test's accounts, so a
        transition is counted once however many tests see that entry."""
        mine = {a.account_id for a in self.family()}
        out = []
        for e in super().own_entries():
            if e["account_id"] in mine:
                out.append(e)
            elif e["account_id"] is None:
                items = [i for i in e.get("lifecycle") or () if account_of(i.get("account_id") or "") in mine]
                out.append({**e, "lifecycle": items or None})
        return out

    def tear_down(self) -> None:
        """Stop the test's replay or recording and delete its accounts: the server lives on for other tests."""
        try:
            if self.replaying:
                self._control.stop_replay()
        finally:
            for account in reversed(self.family()):
                self._control.delete_account(account.account_id, missing_ok=True)


class AsyncSandbox(Account):
    """A test's account on an in-process app served by aiohttp's test client (for async tests).

    Its app is the test's own and goes with the test client, so nothing needs tearing down.
    """

    def __init__(
        self,
        owner: AccountMaker | None,
        control: Control,
        creds: dict,
        base_dir: Path | None,
        client: TestClient[web.Request, web.Application],
        region: str,
    ) -> None:
        super().__init__(owner or self, control, creds, base_dir, str(client.make_url("")).rstrip("/"), region)
        self.client = client
        self.app = client.app

    async def request(self, method: str, path: str, json=None, headers: dict | None = None) -> Answer:
        """An API call with this account's token; path is under the account unless it starts with /."""
        path = path if path.startswith("/") else f"/v1.0/{self.account_id}/{path.lstrip('/')}"
        kwargs: dict[str, Any] = {"headers": {**self.headers, **(headers or {})}}
        if json is not None:
            kwargs["json"] = json
        async with self.client.request(method, path, **kwargs) as resp:
            return Answer(resp.status, parse_body(await resp.text()), dict(resp.headers))

    def add_account(
        self, account_id: str, role: str = "dbaas:admin", base_dir: Path | None = None, **fields
    ) -> Account:
        """Another account on this test's app (nothing to delete at the end: the app goes)."""
        creds = self._control.create_account(account_body(account_id, role, **fields))
        return AsyncSandbox(self, self._control, creds, base_dir, self.client, self.region)
