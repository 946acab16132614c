"""Answers computed from the model, kept only while the model is unchanged, so a repeated read costs no query."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any


class ModelCache:
    """A dict that empties itself whenever `version()` (the backend's model_version, or a narrower version such as
    identity_version) moves, within a size budget.

    A value is stored with the version it was computed at; one computed while the model changed is dropped, so
    a hit is always what computing it now would give."""

    def __init__(
        self, version: Callable[[], Hashable], budget: int = 1024, size: Callable[[Any], int] = lambda value: 1
    ) -> None:
        self._version = version
        self._budget = budget
        self._size = size
        self._items: dict = {}
        self._used = 0
        self._at: Hashable = None

    def version(self) -> Hashable:
        """The model version now (hand it to put() with the value computed from it)."""
        version = self._version()
        if version != self._at:
            self._moved(version)
        return version

    def _moved(self, version: Hashable) -> None:
        """The model moved to `version`: what was kept is dropped."""
        self._items.clear()
        self._used = 0
        self._at = version

    def get(self, key: Hashable) -> Any:
        """The value kept for key at the current model version, or None."""
        self.version()
        return self._items.get(key)

    def get_at(self, key: Hashable, version: Hashable) -> Any:
        """get(key) for a caller that has just read version() (so it is not read again)."""
        return self._items.get(key) if version == self._at else None

    def fetch(self, key: Hashable, compute: Callable[..., Any], *args: Any) -> Any:
        """The value kept for key, else compute(*args) (kept for next time; it must not return None). Pass what
        compute needs as args rather than a closure made per call, on a hot path."""
        version = self._version()
        if version != self._at:  # version() without its call when the model has not moved: twice a request
            self._moved(version)
        value = self._items.get(key)
        if value is None:
            value = compute(*args)
            self.put(key, value, version)
        return value

    def put(self, key: Hashable, value: Any, version: Hashable) -> None:
        """Keep value for key if the model is still at `version` and the budget allows (else start afresh)."""
        if self.version() != version:
            return
        size = self._size(value)
        if size > self._budget:
            return
        if self._used + size > self._budget:
            self._items.clear()
            self._used = 0
        self._items[key] = value
        self._used += size

    def clear(self) -> None:
        self._items.clear()
        self._used = 0
