"""Whether a test runs on frozen time (freezegun), so its simulator's clock can follow datetime.now instead."""

from __future__ import annotations

import sys
from typing import Any


def uses_freezegun(item: Any) -> bool:
    """Whether the test (a pytest item) freezes time: freezegun's decorator, fixture or marker, or freezing on."""
    api = sys.modules.get("freezegun.api")
    if api is None:
        return False
    if (
        api.freeze_factories
        or "freezer" in getattr(item, "fixturenames", ())
        or item.get_closest_marker("freeze_time") is not None
    ):
        return True
    fn = getattr(item, "function", None)
    for _ in range(10):
        if fn is None:
            break
        for cell in getattr(fn, "__closure__", None) or ():
            try:
                if isinstance(cell.cell_contents, api._freeze_time):
                    return True
            except ValueError:  # an empty cell
                pass
        fn = getattr(fn, "__wrapped__", None)
    return False


def clock_for(item: Any, chosen: str | None, default: str) -> str:
    """The test's clock mode: its own, else the run's; auto turns real under freezegun, so frozen time rules."""
    mode = chosen or default
    if mode == "auto":
        return "real" if uses_freezegun(item) else "auto"
    return mode
