"""cdbsim: a stateful simulator and replay harness for the Rackspace Cloud Databases API v1.0."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.config import DemoAccount, Durations, SimulatorConfig

if TYPE_CHECKING:
    from simulator.app import create_app

    __version__: str

__all__ = ["DemoAccount", "Durations", "SimulatorConfig", "__version__", "create_app"]


def __getattr__(name: str):
    """create_app and __version__ on first use: the pytest plugin loads this package in every pytest run, and the
    app's imports (aiohttp, the whole server) are paid only by a run that builds a simulator, the version's
    (importlib.metadata) only by one that asks for it."""
    if name == "__version__":
        from simulator.version import installed_version

        return installed_version()
    if name == "create_app":
        from simulator.app import create_app

        return create_app
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")
