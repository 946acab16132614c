"""Backend: the API's rules, built from a Store, a Clock and Ids; never imports aiohttp."""
from __future__ import annotations

from contextlib import contextmanager

from simulator.clock import Clock
from simulator.config import SimulatorConfig
from simulator.ids import Ids
from simulator.store import Store


class Backend:
    """Facade over the rule modules; each holds a back-reference for cross-resource rules."""

    def __init__(self, store: Store, clock: Clock, ids: Ids, config: SimulatorConfig) -> None:
        from simulator.backend.identity import Identity
        from simulator.backend.instances import Instances
        from simulator.backend.databases import Databases
        from simulator.backend.users import Users
        from simulator.backend.hooks import load_extensions

        self.store = store
        self.clock = clock
        self.ids = ids
        self.config = config
        self.identity = Identity(self)
        self.instances = Instances(self)
        self.databases = Databases(self)
        self.users = Users(self)
        # Feature modules (backups, schedules, limits, ...) attach themselves here.
        self.settlers: list = [self.instances]
        self._next_due = float("inf")
        self._bookkeeping_changes = 0
        self._settled_at_version = -1  # nothing computed yet
        load_extensions(self)

    def now(self):
        return self.clock.now()

    def settle(self) -> None:
        """Carry out every lifecycle step that is due on the simulator's clock, in time order.

        The next due time is kept until the model changes (model_version), so a read that finds nothing due
        costs no query."""
        now = self.clock.time()
        if self.model_version() == self._settled_at_version and now < self._next_due:
            return
        for _ in range(100000):
            dues = [(due, s) for s in self.settlers if (due := s.next_due()) is not None]
            pending = [(due, s) for due, s in dues if due <= now]
            if not pending:
                self._next_due = min((due for due, _ in dues), default=float("inf"))
                self._settled_at_version = self.model_version()
                return
            _, settler = min(pending, key=lambda p: p[0])
            with self.store.atomic():
                settler.settle_one(now)

    def model_version(self) -> int:
        """Changes when any row of the model may have changed (SQLite's total_changes, less bookkeeping): caches
        of what the database says (the next due step) stay valid while it does not."""
        return self.store.db.conn.total_changes - self._bookkeeping_changes + self.store.restores

    @contextmanager
    def bookkeeping(self):
        """Writes inside (journal, rate counters) are not the model: they leave model_version as it was."""
        conn = self.store.db.conn
        before = conn.total_changes
        try:
            yield
        finally:
            self._bookkeeping_changes += conn.total_changes - before
