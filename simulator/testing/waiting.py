"""Waiting for a resource in a test: poll a getter until the status is reached (wait_for) or the resource is gone
(wait_gone), moving the simulator's manual clock between polls (so a test waits no real time) or, on a real clock,
sleeping a little. The getter is any SDK's: python-troveclient's `trove.instances.get`, a function returning a
mapping with "status", or cdbsim.call answers."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

#: Statuses that end a wait for anything else at once: the resource will not get there.
BROKEN = ("ERROR", "FAILED", "COPY_ERROR")
#: On a real clock, how long to sleep between polls (seconds of real time).
REAL_POLL = 0.2


class WaitTimeout(AssertionError):
    """The resource did not reach the status (or did not go) in time; the message names the last status seen."""


def status_of(found: Any) -> str | None:
    """The status of what a getter returned: an object's .status, a mapping's "status" (or that of its one
    wrapped resource: {"instance": {...}}), or None when there is none."""
    if hasattr(found, "body") and hasattr(found, "status") and isinstance(found.status, int):  # cdbsim.call's Answer
        found = found.body
    status = getattr(found, "status", None)
    if status is None and isinstance(found, dict):
        status = found.get("status")
        if status is None and len(found) == 1:
            inner = next(iter(found.values()))
            status = inner.get("status") if isinstance(inner, dict) else None
    return status


def is_not_found(exc: BaseException) -> bool:
    """An SDK's 404: troveclient's NotFound (http_status/code 404), an HTTPError, a CdbsimError."""
    return any(getattr(exc, name, None) == 404 for name in ("http_status", "code", "status", "status_code"))


class Waiter:
    """wait_for and wait_gone on one clock: `advance(seconds)` moves a manual clock; None means a real one."""

    def __init__(self, advance: Callable[[float], Any] | None) -> None:
        self.advance = advance

    def _pause(self, step: float) -> float:
        """Let step seconds pass (of the manual clock, or a short real sleep); returns the seconds that passed."""
        if self.advance is not None:
            self.advance(step)
            return step
        time.sleep(REAL_POLL)
        return REAL_POLL

    def wait_for(
        self,
        get: Callable[[Any], Any],
        resource_id: Any,
        status: str | tuple[str, ...] = "ACTIVE",
        timeout: float = 600,
        step: float = 5,
    ) -> Any:
        """Poll get(resource_id) until its status is status (or one of them); returns what get returned then."""
        wanted = (status,) if isinstance(status, str) else tuple(status)
        waited, seen = 0.0, list[str | None]()
        while True:
            found = get(resource_id)
            current = status_of(found)
            if not seen or seen[-1] != current:
                seen.append(current)
            if current in wanted:
                return found
            if current in BROKEN and not set(wanted) & set(BROKEN):
                raise WaitTimeout(
                    f"{resource_id} is {current}, so it will not become {' or '.join(wanted)} "
                    f"(statuses seen: {' -> '.join(map(str, seen))})"
                )
            if waited >= timeout:
                raise WaitTimeout(
                    f"{resource_id} is still {current} after {waited:g} s of the simulator's clock, "
                    f"not {' or '.join(wanted)} (statuses seen: {' -> '.join(map(str, seen))})"
                )
            waited += self._pause(step)

    def wait_gone(self, get: Callable[[Any], Any], resource_id: Any, timeout: float = 600, step: float = 5) -> None:
        """Poll get(resource_id) until it answers 404 (a NotFound, or an answer whose status is 404)."""
        waited, current = 0.0, None
        while True:
            try:
                found = get(resource_id)
            except Exception as exc:
                if is_not_found(exc):
                    return
                raise
            if found is None or getattr(found, "status", None) == 404:
                return
            current = status_of(found)
            if waited >= timeout:
                raise WaitTimeout(
                    f"{resource_id} is still there ({current}) after {waited:g} s of the simulator's clock"
                )
            waited += self._pause(step)
