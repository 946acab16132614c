"""The installed version (pyproject.toml is its one home; this reads the distribution's metadata).

Read when first asked for (`simulator.__version__`, installed_version()): importlib.metadata and its scan of the
installed distributions are not paid by a server start that never shows the version (issue 25)."""

from __future__ import annotations

from functools import cache


@cache
def installed_version() -> str:
    """The cdbsim distribution's version; 0+unknown when run from a copy that was never installed."""
    from importlib import metadata

    try:
        return metadata.version("cdbsim")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def __getattr__(name: str) -> str:
    """`__version__`, read on first use."""
    if name == "__version__":
        return installed_version()
    raise AttributeError(f"module 'simulator.version' has no attribute {name!r}")
