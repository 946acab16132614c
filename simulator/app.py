"""create_app(config): the only composition root; builds the store, backend, pipeline, routes and control plane."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from aiohttp import web

from simulator.backend import Backend
from simulator.backend.cache import ModelCache
from simulator.backend.schemas import DOCUMENTED, SCHEMAS
from simulator.backend.state_files import load_state_file
from simulator.clock import Clock
from simulator.config import SimulatorConfig
from simulator.control import create_control_app
from simulator.control import schemas as control_schemas
from simulator.control.app import control_operations
from simulator.demo import DemoSpec, seed_if_missing
from simulator.faults import setup_faults
from simulator.handlers.openapi import OPENAPI, ApiDescription
from simulator.http import CONTROL_PREFIX
from simulator.keys import BACKEND, CLOCK, CONFIG, IDS, JOURNAL, READS, STORE
from simulator.pipeline.journal import Journal
from simulator.pipeline.middlewares import journal_middleware
from simulator.pipeline.request_log import RequestLog
from simulator.pipeline.trust import allowed_hosts, host_check
from simulator.replay import setup_replay
from simulator.routes import OPERATIONS, RATE_LIMITS, setup_routes
from simulator.views import SCHEMAS as ANSWERS

if TYPE_CHECKING:
    from simulator.repos.template import SchemaTemplate

#: How many bytes of rendered reads are kept (a page of 20 instances is about 10 KB).
READ_CACHE_BYTES = 2 << 20


def create_app(
    config: SimulatorConfig | None = None, *, clock: Clock | None = None, template: SchemaTemplate | None = None
) -> web.Application:
    """A fresh simulator: its own database, clock, ids, journal and pipeline (template: the schema cache that a
    process opening many in-memory stores holds, so the repositories' sources are hashed once; see Store.open)."""
    config = config or SimulatorConfig()
    app = web.Application(
        middlewares=[journal_middleware(host_check(allowed_hosts(config.public_url, config.allowed_hosts)))],
        client_max_size=config.max_body_size,
    )
    backend = Backend.open(config, clock, RATE_LIMITS, template)
    app[CONFIG] = config
    app[CLOCK] = backend.clock
    app[IDS] = backend.ids
    app[STORE] = backend.store
    app[BACKEND] = backend
    app[JOURNAL] = Journal(
        backend.store, limit=config.journal_limit, bookkeeping=backend.bookkeeping, byte_budget=config.journal_bytes
    )
    app[READS] = ModelCache(backend.model_version, budget=READ_CACHE_BYTES, size=len)
    backend.bootstrap()
    if config.demo:
        seed_if_missing(backend, DemoSpec(seed=config.seed))
    if config.state_file:
        load_state_file(backend.sandbox, config.state_file)
    backend.transitions()  # the seed's and the demo's are no request's: the journal starts with the first request
    setup_routes(app, config.region)
    app[OPENAPI] = describe_api()
    app.add_subapp(CONTROL_PREFIX, create_control_app(app))  # after the API: its routes resolve as fast as before
    setup_faults(app)
    setup_replay(app)
    if config.log_requests:
        app[JOURNAL].listeners.append(RequestLog())
    app.cleanup_ctx.append(_background_checkpoints)  # stopped before _close_store runs (on_cleanup's order)
    app.on_cleanup.append(_close_store)
    return app


def describe_api() -> ApiDescription:
    """The operations served (the API's table, then the control plane's) and the schemas their rows name: what
    GET /openapi.json and docs/api-coverage.md are built from."""
    return ApiDescription(
        api=OPERATIONS,
        control=tuple(control_operations()),
        requests={**SCHEMAS, **DOCUMENTED, **control_schemas.REQUESTS},
        responses={**ANSWERS, **control_schemas.RESPONSES},
    )


async def _background_checkpoints(app: web.Application) -> AsyncIterator[None]:
    """While the app serves, its state file's log is checkpointed off the request path (repos/checkpoints.py)."""
    with app[STORE].background_checkpoints():
        yield


async def _close_store(app: web.Application) -> None:
    for listener in app[JOURNAL].listeners:
        if isinstance(listener, RequestLog):
            listener.flush()
    app[JOURNAL].flush()
    app[STORE].close()
