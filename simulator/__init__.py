"""cdbsim: a stateful simulator and replay harness for the Rackspace Cloud Databases API v1.0."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.config import DemoAccount, Durations, SimulatorConfig
from simulator.version import __version__

if TYPE_CHECKING:
    from simulator.app import create_app

__all__ = ["DemoAccount", "Durations", "SimulatorConfig", "__version__", "create_app"]


def __getattr__(name: str):
    """create_app on first use: the pytest plugin loads this package in every pytest run, and the app's imports
    (aiohttp, the whole server) are paid only by a run that builds a simulator."""
    if name == "create_app":
        from simulator.app import create_app

        return create_app
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")
