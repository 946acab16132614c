"""Backend: the API's rules, built from a Store, a Clock and Ids; never imports aiohttp."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from simulator.backend.backups import Backups
from simulator.backend.configurations import Configurations
from simulator.backend.copies import BackupCopies
from simulator.backend.databases import Databases
from simulator.backend.failures import Failures
from simulator.backend.ha import Ha
from simulator.backend.ha_actions import HaActions
from simulator.backend.identity import Identity
from simulator.backend.instances import Instances
from simulator.backend.limits import Limits, RateLimit
from simulator.backend.maintenance import Maintenance
from simulator.backend.replication import Replication
from simulator.backend.sandbox import Sandbox
from simulator.backend.schedules import Schedules
from simulator.backend.users import Users
from simulator.clock import Clock, parse_time
from simulator.config import DemoAccount, SimulatorConfig
from simulator.ids import Ids
from simulator.reference.regions import region_name
from simulator.repos.accounts import AccountsRepo
from simulator.repos.backups import BackupsRepo
from simulator.repos.store import Store
from simulator.repos.template import SchemaTemplate

#: The backup the seed page restores (restore-backup.rst), held by the seed's account.
SEED_BACKUP_ID = "61f12fef-edb1-4561-8122-e7c00ef26a82"
#: The configuration group attached to the seed's instance (the id of the docs' create-with-configuration example).
SEED_CONFIGURATION_ID = "12345678-1111-2222-3333-444444444444"


class Settler(Protocol):
    """A rule module with timed lifecycle steps: when its next one is due, and carrying out the earliest.
    due_query is next_due as one scalar SQL query (its repository's), or None when next_due is not one."""

    due_query: str | None

    def next_due(self) -> float | None: ...

    def settle_one(self, now: float) -> None: ...


class Backend:
    """Facade over the rule modules; each holds a back-reference for cross-resource rules."""

    def __init__(
        self, store: Store, clock: Clock, ids: Ids, config: SimulatorConfig, rate_limits: tuple[RateLimit, ...] = ()
    ) -> None:
        self.store = store
        #: The store's connection (never replaced: a restore copies into it), read by model_version on every
        #: request, several times.
        self._conn = store.db.conn
        self.clock = clock
        self.ids = ids
        self.config = config
        self.identity = Identity(self)
        self.instances = Instances(self)
        self.databases = Databases(self)
        self.users = Users(self)
        self.backups = Backups(self)
        self.schedules = Schedules(self)
        self.configurations = Configurations(self)
        self.maintenance = Maintenance(self)
        self.replication = Replication(self)
        self.ha = Ha(self)
        self.ha_actions = HaActions(self)
        self.failures = Failures(self)
        self.copies = BackupCopies(self)
        self.limits = Limits(self, rate_limits)
        self.sandbox = Sandbox(self)
        #: The rule modules with timed lifecycle steps, settled in time order (replicas catch up first).
        self.settlers: list[Settler] = [self.replication, self.instances, self.ha, self.backups, self.schedules]
        self._due_queries = (
            *(s.due_query for s in self.settlers if s.due_query),
            BackupsRepo.CHANGES,
            AccountsRepo.IDENTITY_CHANGES,
        )
        self._next_due = float("inf")
        self._bookkeeping_changes = 0
        self._settled_at_version = -1  # nothing computed yet
        self._drained_at_version = -1
        #: The due times' statement (the SQL settlers' next due times, then the backup and identity counters) as
        #: read at model version _counters_at_version: read again only once the model changed (_read_counters).
        self._counters_at_version = -1
        self._found: tuple = ()
        self._identity_version: tuple[int, int] = (-1, -1)
        self._backups_version: tuple[int, int] = (-1, -1)

    @classmethod
    def open(
        cls,
        config: SimulatorConfig,
        clock: Clock | None = None,
        rate_limits: tuple[RateLimit, ...] = (),
        template: SchemaTemplate | None = None,
    ) -> Backend:
        """The one way to build a Backend over config's database: its clock, and ids that a reopened state file
        continues afresh (a new database repeats the seed's sequence exactly); rate_limits are the route table's
        (routes.RATE_LIMITS), enforced per account when an account has them on; template, the schema cache of a
        new in-memory store (Store.open)."""
        clock = clock or Clock(config.clock, parse_time(config.start_time) if config.start_time else None)
        store = Store.open(config.db_path, template)
        generation = store.next_generation()
        ids = Ids(config.seed if generation == 0 else config.seed * 1_000_003 + generation)
        return cls(store, clock, ids, config, rate_limits)

    def at(self, clock: Clock, ids: Ids) -> Backend:
        """The same store and rules on another clock and id source (demo data walks a past clock)."""
        return Backend(self.store, clock, ids, self.config, self.limits.rates)

    def close(self) -> None:
        self.store.close()

    def bootstrap(self) -> None:
        """Create the configured demo account on first start (a file database keeps it afterwards).

        When it is the seed page's account with the seed page's token, it also gets the seed's backup (and the
        ACTIVE instance it was taken from, with a configuration group attached), so the seed request works byte
        for byte."""
        demo = self.config.bootstrap
        if demo and self.identity.account(demo.account_id) is None:
            with self.store.atomic():
                self.identity.create_account(
                    demo.account_id,
                    username=demo.username,
                    api_key=demo.api_key,
                    password=demo.password,
                    role=demo.role,
                    token=demo.token,
                )
                seed = DemoAccount()
                if (demo.account_id, demo.token) == (seed.account_id, seed.token):
                    backup = self.backups.seed_demo(demo.account_id, SEED_BACKUP_ID)
                    self.configurations.seed_demo(demo.account_id, backup["instance_id"], SEED_CONFIGURATION_ID)

    def now(self) -> dt.datetime:
        return self.clock.now()

    def region_of(self, scope: str) -> str:
        """The region (name) of an account scope: the configured one for the bare account."""
        return region_name(scope, self.config.region)

    def settle(self) -> None:
        """Carry out every lifecycle step that is due on the simulator's clock, in time order.

        The next due time is kept until the model changes (model_version), so a read that finds nothing due
        costs no query."""
        now = self.clock.time()
        if self.model_version() == self._settled_at_version and now < self._next_due:
            return
        for _ in range(100000):
            dues = self.next_dues()
            pending = [(due, s) for due, s in dues if due <= now]
            if not pending:
                self._next_due = min((due for due, _ in dues), default=float("inf"))
                self._settled_at_version = self.model_version()
                return
            _, settler = min(pending, key=lambda p: p[0])
            with self.store.atomic():
                settler.settle_one(now)

    def next_dues(self) -> list[tuple[float, Settler]]:
        """When each settler's next step is due (those with nothing to do left out); the SQL ones as the due
        times' statement read them (_read_counters)."""
        if self.model_version() != self._counters_at_version:
            self._read_counters()
        values = iter(self._found)
        dues = []
        for settler in self.settlers:
            due = next(values) if settler.due_query else settler.next_due()
            if due is not None:
                dues.append((due, settler))
        return dues

    def transitions(self) -> list[dict]:
        """The lifecycle transitions carried out since the last call (repos/lifecycle.py: what each resource showed
        before and after), oldest first. Each request puts them in its journal entry (those of a settle outside a
        request, such as a test's direct clock step, go with the next request); no query while the model is
        unchanged."""
        if self.model_version() == self._drained_at_version:
            return []
        with self.bookkeeping():
            items = self.store.lifecycle.drain()
        self._drained_at_version = self.model_version()
        return items

    def model_version(self) -> int:
        """Changes when any row of the model may have changed (SQLite's total_changes, less bookkeeping): caches
        of what the database says (the next due step) stay valid while it does not."""
        return self._conn.total_changes - self._bookkeeping_changes + self.store.restores

    def _read_counters(self) -> None:
        """Run the due times' statement: the SQL settlers' next due times and the backup and identity counters in
        one (a settle changes the model, and the write that follows reads the counters: one statement serves both)."""
        store = self.store
        self._found = found = store.scalars(self._due_queries)
        self._backups_version = (store.restores, found[-2])
        self._identity_version = (store.restores, found[-1])
        self._counters_at_version = self.model_version()

    def identity_version(self) -> tuple[int, int]:
        """Changes when a row of accounts, users or tokens may have changed (their triggers' counter, read once per
        model change) or the whole database was replaced: caches of who a token is and what its account allows
        (Identity, Limits, the instance quota) stay valid across writes to anything else."""
        if self.model_version() != self._counters_at_version:
            self._read_counters()
        return self._identity_version

    def backups_version(self) -> tuple[int, int]:
        """Changes when a backup row may have changed (their triggers' counter, read with the due times) or the
        whole database was replaced: what a restore read of a backup and its chain stays valid across writes to
        anything else (its create, then its build's end and the next restore's create, read the same chain)."""
        if self.model_version() != self._counters_at_version:
            self._read_counters()
        return self._backups_version

    @contextmanager
    def bookkeeping(self) -> Iterator[None]:
        """Writes inside (journal, rate counters) are not the model: they leave model_version as it was."""
        store = self.store
        before = store.total_changes
        try:
            yield
        finally:
            changes = store.total_changes - before
            if changes:
                self._bookkeeping_changes += changes
                store.wrote()  # outside a transaction each statement commits: the checkpoint must hear of it
