"""Backend: the API's rules, built from a Store, a Clock and Ids; never imports aiohttp."""
from __future__ import annotations

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
        load_extensions(self)

    def now(self):
        return self.clock.now()

    def settle(self) -> None:
        """Carry out every lifecycle step that is due on the simulator's clock, in time order."""
        now = self.clock.time()
        for _ in range(100000):
            pending = [(due, s) for s in self.settlers if (due := s.next_due()) is not None and due <= now]
            if not pending:
                return
            _, settler = min(pending, key=lambda p: p[0])
            with self.store.atomic():
                settler.settle_one(now)
