"""Every typed key under which app state hangs (no module-level state anywhere)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from simulator.backend import Backend
from simulator.backend.cache import ModelCache
from simulator.clock import Clock
from simulator.config import SimulatorConfig
from simulator.ids import Ids
from simulator.pipeline.journal import Journal
from simulator.repos.store import Store

CONFIG = web.AppKey("config", SimulatorConfig)
CLOCK = web.AppKey("clock", Clock)
IDS = web.AppKey("ids", Ids)
STORE = web.AppKey("store", Store)
BACKEND = web.AppKey("backend", Backend)
JOURNAL = web.AppKey("journal", Journal)
#: Rendered answers of the model reads in routes.CACHED_READS (bytes), valid while the model is unchanged.
READS = web.AppKey("reads", ModelCache)
#: Request-scoped dict the layers fill in for the journal (route, account, rule, action, note).
CONTEXT = web.RequestKey("cdbsim", dict)
#: The caller behind the token (user id, account, role), set by auth_middleware.
CALLER = web.RequestKey("caller", dict)
#: The region a regional sub-app serves (regions.py); the configured region's app has none.
REGION = web.AppKey("region", str)
#: Feature engines (faults, replay, recorder) keyed by name; each is optional.
FEATURES = web.AppKey("features", dict[str, Any])
