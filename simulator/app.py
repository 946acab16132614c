"""create_app(config): the only composition root; builds the store, backend, pipeline, routes and control plane."""

from __future__ import annotations

from aiohttp import web

from simulator.backend import Backend
from simulator.backend.cache import ModelCache
from simulator.backend.state_files import load_state_file
from simulator.clock import Clock
from simulator.config import SimulatorConfig
from simulator.control import create_control_app
from simulator.demo import DemoSpec, seed_if_missing
from simulator.faults import fault_middleware, setup_faults
from simulator.http import CONTROL_PREFIX
from simulator.keys import BACKEND, CLOCK, CONFIG, IDS, JOURNAL, READS, STORE
from simulator.pipeline.journal import Journal
from simulator.pipeline.middlewares import (
    auth_middleware,
    error_middleware,
    journal_middleware,
    limits_middleware,
    model_middleware,
)
from simulator.replay import replay_middleware, setup_replay
from simulator.routes import setup_routes

#: How many bytes of rendered reads are kept (a page of 20 instances is about 10 KB).
READ_CACHE_BYTES = 2 << 20


def create_app(config: SimulatorConfig | None = None, *, clock: Clock | None = None) -> web.Application:
    """A fresh simulator: its own database, clock, ids, journal and pipeline."""
    config = config or SimulatorConfig()
    app = web.Application(
        middlewares=[
            journal_middleware,
            error_middleware,
            fault_middleware,
            replay_middleware,
            auth_middleware,
            limits_middleware,
            model_middleware,
        ],
        client_max_size=config.max_body_size,
    )
    backend = Backend.open(config, clock)
    app[CONFIG] = config
    app[CLOCK] = backend.clock
    app[IDS] = backend.ids
    app[STORE] = backend.store
    app[BACKEND] = backend
    app[JOURNAL] = Journal(backend.store, limit=config.journal_limit, bookkeeping=backend.bookkeeping)
    app[READS] = ModelCache(backend.model_version, budget=READ_CACHE_BYTES, size=len)
    backend.bootstrap()
    if config.demo:
        seed_if_missing(backend, DemoSpec(seed=config.seed))
    if config.state_file:
        load_state_file(backend.sandbox, config.state_file)
    setup_routes(app, config.region)
    app.add_subapp(CONTROL_PREFIX, create_control_app(app))  # after the API: its routes resolve as fast as before
    setup_faults(app)
    setup_replay(app)
    app.on_cleanup.append(_close_store)
    return app


async def _close_store(app: web.Application) -> None:
    app[JOURNAL].flush()
    app[STORE].close()
