"""create_app(config): the only composition root; builds the store, backend, pipeline and routes."""
from __future__ import annotations

from aiohttp import web

from simulator.backend import Backend
from simulator.cache import ModelCache
from simulator.clock import Clock, parse_time
from simulator.config import DemoAccount, SimulatorConfig
from simulator.faults import fault_middleware, setup_faults
from simulator.ids import Ids
from simulator.journal import Journal
from simulator.keys import BACKEND, CLOCK, CONFIG, FEATURES, IDS, JOURNAL, READS, STORE
from simulator.middlewares import (auth_middleware, error_middleware, journal_middleware, limits_middleware,
                                   model_middleware)
from simulator.replay import replay_middleware, setup_replay
from simulator.routes import setup_routes
from simulator.store import Store


#: How many bytes of rendered reads are kept (a page of 20 instances is about 10 KB).
READ_CACHE_BYTES = 2 << 20


def create_app(config: SimulatorConfig | None = None, *, clock: Clock | None = None) -> web.Application:
    """A fresh simulator: its own database, clock, ids, journal and pipeline."""
    config = config or SimulatorConfig()
    clock = clock or Clock(config.clock, parse_time(config.start_time) if config.start_time else None)
    app = web.Application(
        middlewares=[journal_middleware, error_middleware, fault_middleware, replay_middleware,
                     auth_middleware, limits_middleware, model_middleware],
        client_max_size=config.max_body_size,
    )
    store = Store.open(config.db_path)
    generation = store.next_generation()
    # A reopened state file continues with fresh ids; a new database repeats the seed's sequence exactly.
    ids = Ids(config.seed if generation == 0 else config.seed * 1_000_003 + generation)
    app[CONFIG] = config
    app[CLOCK] = clock
    app[IDS] = ids
    app[STORE] = store
    app[BACKEND] = Backend(store, clock, ids, config)
    app[JOURNAL] = Journal(store, limit=config.journal_limit, bookkeeping=app[BACKEND].bookkeeping)
    app[READS] = ModelCache(app[BACKEND].model_version, budget=READ_CACHE_BYTES, size=len)
    app[FEATURES] = {}
    bootstrap(app[BACKEND], config)
    if config.demo:
        from simulator.demo import DemoSpec, seed_if_missing
        seed_if_missing(app[BACKEND], DemoSpec(seed=config.seed))
    setup_routes(app)
    setup_faults(app)
    setup_replay(app)
    app.on_cleanup.append(_close_store)
    return app


#: The backup the seed page restores (restore-backup.rst), held by the seed's account.
SEED_BACKUP_ID = "61f12fef-edb1-4561-8122-e7c00ef26a82"


def bootstrap(backend: Backend, config: SimulatorConfig) -> None:
    """Create the configured demo account on first start (a file database keeps it afterwards).

    When it is the seed page's account with the seed page's token, it also gets the seed's backup (and the
    ACTIVE instance it was taken from), so the seed request works byte for byte."""
    demo = config.bootstrap
    if demo and backend.identity.account(demo.account_id) is None:
        with backend.store.atomic():
            backend.identity.create_account(demo.account_id, username=demo.username, api_key=demo.api_key,
                                            password=demo.password, role=demo.role, token=demo.token)
            seed = DemoAccount()
            if (demo.account_id, demo.token) == (seed.account_id, seed.token) and hasattr(backend, "backups"):
                backend.backups.seed_demo(demo.account_id, SEED_BACKUP_ID)


async def _close_store(app: web.Application) -> None:
    app[JOURNAL].flush()
    app[STORE].close()
