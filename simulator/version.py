"""The installed version (pyproject.toml is its one home; this reads the distribution's metadata)."""

from __future__ import annotations

from importlib import metadata


def installed_version() -> str:
    """The cdbsim distribution's version; 0+unknown when run from a copy that was never installed."""
    try:
        return metadata.version("cdbsim")
    except metadata.PackageNotFoundError:
        return "0+unknown"


__version__ = installed_version()
