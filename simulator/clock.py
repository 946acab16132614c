"""The one clock every timestamp comes from, so a run can be repeated and moved through time."""

from __future__ import annotations

import datetime as _dt
import time as _time

UTC = _dt.timezone.utc


def _real_now() -> _dt.datetime:
    # Looked up through the module on every call so freezegun's patch is seen.
    return _dt.datetime.now(UTC)


def parse_time(text: str) -> _dt.datetime:
    """Parse an ISO-8601 time (with or without Z / offset) as UTC."""
    value = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def api_time(moment: _dt.datetime) -> str:
    """Trove's timestamp format: ISO-8601 without microseconds or zone (isoformat's first 19 characters: the same
    text as strftime("%Y-%m-%dT%H:%M:%S") in half the time, from year 1000 on, where %Y stops being unpadded)."""
    utc = moment.astimezone(UTC)
    if utc.year < 1000:
        return utc.strftime("%Y-%m-%dT%H:%M:%S")
    return utc.isoformat(timespec="seconds")[:19]


def identity_time(moment: _dt.datetime) -> str:
    """Identity's `expires` format: YYYY-MM-DDTHH:MM:SS.fffZ."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class Clock:
    """Real time (follows freezegun) or a manual clock that only moves when told to."""

    def __init__(self, mode: str = "manual", start: _dt.datetime | None = None) -> None:
        if mode not in ("manual", "real"):
            raise ValueError(f"clock mode must be 'manual' or 'real', not {mode!r}")
        self.mode = mode
        self._manual = (start or _real_now()).astimezone(UTC).replace(microsecond=0)
        self._manual_time = self._manual.timestamp()  # time() of a manual clock: asked several times a request
        self._stamp: tuple[int, str] = (-1, "")  # the last whole second api_now() formatted, and its text

    def now(self) -> _dt.datetime:
        """The current simulated time (aware, UTC)."""
        return _real_now() if self.mode == "real" else self._manual

    def time(self) -> float:
        """The current simulated time as epoch seconds (real mode: time.time(), which freezegun also moves)."""
        return _time.time() if self.mode == "real" else self._manual_time

    def api_now(self) -> str:
        """api_time(now()), formatted once per second of the clock (every journal entry asks for it)."""
        second = int(_time.time() if self.mode == "real" else self._manual_time)  # time(), inline: once a request
        if second != self._stamp[0]:
            self._stamp = (second, api_time(_dt.datetime.fromtimestamp(second, UTC)))
        return self._stamp[1]

    def advance(self, seconds: float) -> _dt.datetime:
        """Move a manual clock forward; a real clock cannot be moved."""
        if self.mode != "manual":
            raise ValueError("only a manual clock can be advanced")
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        try:
            self._manual += _dt.timedelta(seconds=seconds)
            self._manual_time = self._manual.timestamp()
        except OverflowError:
            raise ValueError(f"cannot move the clock {seconds} seconds: past the last representable date") from None
        return self._manual

    def set(self, moment: _dt.datetime) -> _dt.datetime:
        """Jump a manual clock to a moment (forward or back)."""
        if self.mode != "manual":
            raise ValueError("only a manual clock can be set")
        self._manual = moment.astimezone(UTC)
        self._manual_time = self._manual.timestamp()
        return self._manual
