"""Every typed key under which app state hangs (no module-level state anywhere)."""
from __future__ import annotations

from typing import Any

from aiohttp import web

from simulator.backend import Backend
from simulator.clock import Clock
from simulator.config import SimulatorConfig
from simulator.ids import Ids
from simulator.journal import Journal
from simulator.store import Store

CONFIG = web.AppKey("config", SimulatorConfig)
CLOCK = web.AppKey("clock", Clock)
IDS = web.AppKey("ids", Ids)
STORE = web.AppKey("store", Store)
BACKEND = web.AppKey("backend", Backend)
JOURNAL = web.AppKey("journal", Journal)
#: Feature engines (faults, replay, recorder) keyed by name; each is optional.
FEATURES = web.AppKey("features", dict[str, Any])
