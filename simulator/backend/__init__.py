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
        self._settled_at_changes = -1  # nothing computed yet
        load_extensions(self)

    def now(self):
        return self.clock.now()

    def settle(self) -> None:
        """Carry out every lifecycle step that is due on the simulator's clock, in time order.

        The next due time is kept until the database changes (SQLite's total_changes), so a read that
        finds nothing due costs no query."""
        now = self.clock.time()
        conn = self.store.db.conn
        if conn.total_changes == self._settled_at_changes and now < self._next_due:
            return
        for _ in range(100000):
            dues = [(due, s) for s in self.settlers if (due := s.next_due()) is not None]
            pending = [(due, s) for due, s in dues if due <= now]
            if not pending:
                self._next_due = min((due for due, _ in dues), default=float("inf"))
                self._settled_at_changes = conn.total_changes
                return
            _, settler = min(pending, key=lambda p: p[0])
            with self.store.atomic():
                settler.settle_one(now)

    @contextmanager
    def bookkeeping(self):
        """Writes inside (journal, rate counters) never move a due time, so they keep the settle cache."""
        conn = self.store.db.conn
        fresh = conn.total_changes == self._settled_at_changes
        try:
            yield
        finally:
            if fresh:
                self._settled_at_changes = conn.total_changes
