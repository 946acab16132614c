"""Every typed key under which app (and request) state hangs (no module-level state anywhere).

Keys whose type lives in a module that itself reads keys from here are typed for mypy only (their class is imported
under TYPE_CHECKING), so this module imports nothing that imports it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from simulator.backend import Backend
from simulator.backend.cache import ModelCache
from simulator.clock import Clock
from simulator.config import SimulatorConfig
from simulator.ids import Ids
from simulator.pipeline.journal import Journal
from simulator.repos.store import Store

if TYPE_CHECKING:
    from simulator.control.snapshots import Snapshots
    from simulator.dashboard.live import LiveFeed
    from simulator.faults.engine import FaultEngine
    from simulator.replay.engine import ReplayEngine
    from simulator.replay.proxy import RecordingProxy

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
#: The region a regional sub-app serves (regions.py); the configured region's app has none.
REGION = web.AppKey("region", str)
#: The fault engine (faults/), set by setup_faults on every simulator app.
FAULTS: web.AppKey[FaultEngine] = web.AppKey("faults")
#: The replay engine (replay/: playback and recording), set by setup_replay on every simulator app.
REPLAY: web.AppKey[ReplayEngine] = web.AppKey("replay")
#: The control plane's named snapshots of accounts (control/snapshots.py), set with the control sub-app.
SNAPSHOTS: web.AppKey[Snapshots] = web.AppKey("snapshots")
#: On the control sub-app: the simulator's app (whose state a control call reads and changes).
SIMULATOR = web.AppKey("simulator", web.Application)
#: On the control sub-app: the dashboard's live feed (its templates are the process's: dashboard/pages.environment).
FEED: web.AppKey[LiveFeed] = web.AppKey("dashboard_feed")
#: On the recording proxy's app (replay/proxy.py): the proxy.
PROXY: web.AppKey[RecordingProxy] = web.AppKey("proxy")
