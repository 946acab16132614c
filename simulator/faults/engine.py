"""The fault engine of one app: the loaded scenarios, their hit counters and seeded generators; it decides which
rule fires for a request (faults/actions.py applies it)."""

from __future__ import annotations

import asyncio
import builtins
import datetime as dt
import logging
import random
from dataclasses import dataclass, field
from pathlib import Path

from simulator.clock import Clock, api_time
from simulator.errors import BadRequest, ItemNotFound
from simulator.faults.actions import Decision
from simulator.faults.checker import Scenario
from simulator.faults.rules import RequestFacts, RuleCounter, consider
from simulator.faults.scenario import ScenarioError, build_scenario, load_scenario, parse_scenario
from simulator.repos.store import Store

log = logging.getLogger("cdbsim.faults")


@dataclass
class LoadedScenario:
    """A scenario in force: for the whole server (account_id None) or one account, with its own generator."""

    scenario: Scenario
    account_id: str | None
    loaded_at: float  # simulator clock, epoch seconds: the origin of relative windows
    rng: random.Random
    counters: list[RuleCounter] = field(default_factory=list)

    @property
    def key(self) -> str:
        return scenario_key(self.scenario.name, self.account_id)

    def describe(self) -> dict:
        """The list view: what it is, where it came from, and per rule how often it matched and fired."""
        s = self.scenario
        rules = [
            {
                "index": r.index,
                "name": r.name,
                "matches": c.matches,
                "hits": c.hits,
                "exhausted": r.when.times is not None and c.hits >= r.when.times,
            }
            for r, c in zip(s.rules, self.counters, strict=True)
        ]
        return {
            "name": s.name,
            "description": s.description,
            "seed": s.seed,
            "account_id": self.account_id,
            "origin": s.origin,
            "loaded_at": api_time_of(self.loaded_at),
            "rules": rules,
            "hits": sum(c.hits for c in self.counters),
        }

    def unused(self) -> list[dict]:
        """The rules that never fired."""
        return [
            {
                "scenario": self.scenario.name,
                "account_id": self.account_id,
                "index": r.index,
                "rule": r.name,
                "matches": c.matches,
                "hits": 0,
            }
            for r, c in zip(self.scenario.rules, self.counters, strict=True)
            if c.hits == 0
        ]


def scenario_key(name: str, account_id: str | None) -> str:
    return f"{account_id}:{name}" if account_id is not None else f"*:{name}"


def api_time_of(epoch: float) -> str:
    return api_time(dt.datetime.fromtimestamp(epoch, dt.timezone.utc)) + "Z"


class FaultEngine:
    """Load, list and clear scenarios; decide per request. One per app (app[FAULTS]).

    Not thread-safe: call it on the server's loop (SimulatorServer.run) when the server runs in a thread.
    """

    def __init__(self, store: Store, clock: Clock, routes: set[str]) -> None:
        self.store = store
        self.clock = clock
        #: The route names a rule may match (the API's route table; the /_sim/ control plane is never faulted).
        self.routes = set(routes)
        self._loaded: list[LoadedScenario] = []
        #: Set when the server begins to stop: injected delays in progress end at once (actions.wait_unless_stopping).
        self.stopping = asyncio.Event()

    @property
    def active(self) -> bool:
        return bool(self._loaded)

    # loading ------------------------------------------------------------------------------------------------------
    def restore(self) -> None:
        """Load the scenarios the store holds (a reopened state file, a restored snapshot) in place of the loaded
        ones; their counters and generators start over."""
        self._loaded = []
        for row in self.store.faults.all():
            try:
                scenario = build_scenario(row["definition"], self.routes, row["origin"])
            except ScenarioError as exc:
                log.warning("dropping saved fault scenario %s: %s", row["name"], exc.message)
                self.store.faults.delete([row["key"]])
                continue
            self._loaded.append(self._new(scenario, row["account_id"], row["loaded_at"]))

    def load(self, source: str | dict | Path, account_id: str | None = None, *, origin: str | None = None) -> str:
        """Validate and load a scenario (a mapping, a path, a shipped scenario's name, or YAML/JSON text) for the
        whole server or one account; replaces a loaded one of the same name and scope. Returns its name.

        A scenario that fails validation raises ScenarioError and leaves the loaded ones untouched.
        """
        return self.load_entry(source, account_id, origin=origin)["name"]

    async def load_entry_off_loop(
        self, source: str | dict | Path, account_id: str | None = None, *, origin: str | None = None
    ) -> dict:
        """load_entry with the file reading and YAML parsing in a worker thread, so a large or hostile document never
        holds the event loop. The request's transaction (which has written nothing yet) is ended for the wait:
        an await inside it would let other requests' writes join it."""
        with self.store.outside_transaction():
            document, where = await parse_scenario(source, origin)
        return self.load_entry(document, account_id, origin=where)

    def load_entry(
        self, source: str | dict | Path, account_id: str | None = None, *, origin: str | None = None
    ) -> dict:
        """Like load, but returns the loaded scenario as list() shows it."""
        scenario = load_scenario(source, self.routes, origin)
        if account_id is not None and (isinstance(account_id, bool) or not isinstance(account_id, (str, int))):
            raise BadRequest(f"account_id must be a string, not {type(account_id).__name__}.")
        account = str(account_id) if account_id is not None else scenario.account
        loaded = self._new(scenario, account, self.clock.time())
        with self.store.atomic():
            self.store.faults.save(
                loaded.key, scenario.name, account, scenario.origin, scenario.definition, loaded.loaded_at
            )
        self._loaded = [s for s in self._loaded if s.key != loaded.key] + [loaded]
        return loaded.describe()

    @staticmethod
    def _new(scenario: Scenario, account_id: str | None, loaded_at: float) -> LoadedScenario:
        return LoadedScenario(
            scenario, account_id, loaded_at, random.Random(scenario.seed), [RuleCounter() for _ in scenario.rules]
        )

    # reporting ----------------------------------------------------------------------------------------------------
    def list(self, account_id: str | None = None) -> builtins.list[dict]:
        """The loaded scenarios in load order (only one account's when account_id is given), with hit counts."""
        return [s.describe() for s in self._loaded if account_id is None or s.account_id == str(account_id)]

    def get(self, name: str, account_id: str | None = None) -> dict:
        """One loaded scenario (server-wide when account_id is None); 404 when it is not loaded."""
        for s in self._loaded:
            if s.key == scenario_key(name, None if account_id is None else str(account_id)):
                return s.describe()
        raise ItemNotFound(_not_loaded(name, account_id))

    def unused(self) -> builtins.list[dict]:
        """The rules of the loaded scenarios that have not fired yet."""
        return [u for s in self._loaded for u in s.unused()]

    # clearing -----------------------------------------------------------------------------------------------------
    def clear(self, name: str | None = None, account_id: str | None = None) -> builtins.list[dict]:
        """Unload scenarios: all of them, those named name, those of one account, or one (name and account).
        Returns the rules of the unloaded scenarios that never fired (404 when a named one is not loaded)."""
        return self.clear_report(name, account_id)[1]

    def clear_report(
        self, name: str | None = None, account_id: str | None = None
    ) -> tuple[builtins.list[dict], builtins.list[dict]]:
        """(unloaded scenarios as listed, their unused rules)."""
        account = None if account_id is None else str(account_id)
        gone = [
            s
            for s in self._loaded
            if (name is None or s.scenario.name == name) and (account is None or s.account_id == account)
        ]
        if name is not None and not gone:
            raise ItemNotFound(_not_loaded(name, account))
        with self.store.atomic():
            self.store.faults.delete([s.key for s in gone])
        self._loaded = [s for s in self._loaded if s not in gone]
        return [s.describe() for s in gone], [u for s in gone for u in s.unused()]

    # deciding -----------------------------------------------------------------------------------------------------
    def decide(self, facts: RequestFacts) -> Decision | None:
        """The first rule that fires for this request, or None.

        Order: the scenarios of the request's account, then the server-wide ones, each in load order; inside a
        scenario its rules in file order. Every rule looked at counts the request when it matches; the rules after
        the one that fires do not see the request.
        """
        if not self._loaded:
            return None
        now = self.clock.time()
        mine = [s for s in self._loaded if s.account_id is not None and s.account_id == facts.account_id]
        for loaded in mine + [s for s in self._loaded if s.account_id is None]:
            for rule, counter in zip(loaded.scenario.rules, loaded.counters, strict=True):
                note = consider(rule, counter, facts, now, loaded.loaded_at, loaded.rng)
                if note is None:
                    continue
                delay = rule.plan.delay
                seconds = None
                if delay is not None:
                    seconds = delay.low if delay.high == delay.low else loaded.rng.uniform(delay.low, delay.high)
                if loaded.account_id is not None:
                    note += f" (scenario loaded for account {loaded.account_id})"
                return Decision(loaded.scenario.name, rule.name, rule.plan, seconds, note)
        return None


def _not_loaded(name: str, account_id: str | None) -> str:
    scope = f" for account {account_id}" if account_id is not None else ""
    return f"Scenario {name} is not loaded{scope}."
