"""Reading every page of a paged backend read, and a read the backend may refuse for now."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulator.errors import SimulatorError

#: Rows asked for per backend page (the backend caps its pages at its own page size).
PAGE = 100
#: At most this many pages of one kind are read (a guard; an account holds far fewer).
MAX_PAGES = 1000


def all_pages(fetch: Callable[[Any], tuple[list, Any]]) -> list:
    """Every item of a paged backend read: fetch(marker) -> (items, next marker or None)."""
    items: list = []
    marker: Any = None
    for _ in range(MAX_PAGES):
        page, marker = fetch(marker)
        items.extend(page)
        if marker is None or not page:
            break
    return items


def readable(read: Callable[[], list]) -> list | None:
    """What read() gives, or None when the backend refuses it now (an instance that is not ready, say)."""
    try:
        return read()
    except SimulatorError:
        return None
