"""Recording the simulator's own traffic: a journal listener that scrubs each exchange into a cassette."""
from __future__ import annotations

import time

from simulator.replay.cassette import Cassette
from simulator.replay.filters import SecretMap, scrub
from simulator.replay.har import Interaction, RecordedRequest, RecordedResponse, reason_phrase

#: Below this many entries every exchange is saved at once; above it, at most once per SAVE_INTERVAL.
SAVE_EVERY_UP_TO = 500
SAVE_INTERVAL = 1.0


def exchange_to_interaction(exchange: dict) -> Interaction:
    """The raw exchange dict journal_middleware builds, as an Interaction (still holding secrets)."""
    req, resp = exchange["request"], exchange["response"]
    status = int(exchange["status"])
    meta = {k: exchange[k] for k in ("route", "rule", "action") if exchange.get(k)}
    return Interaction(
        request=RecordedRequest(method=exchange["method"], url=exchange["url"],
                                headers=tuple((str(k), str(v)) for k, v in req["headers"].items()),
                                body=req.get("body") or b""),
        response=RecordedResponse(status=status, reason=reason_phrase(status),
                                  headers=tuple((str(k), str(v)) for k, v in resp["headers"].items()),
                                  body=resp.get("body") or b""),
        started=f"{exchange['time']}.000Z" if exchange.get("time") else "1970-01-01T00:00:00.000Z",
        time_ms=float(exchange.get("duration_ms") or 0.0),
        meta=meta,
    )


class Recorder:
    """Appends every API exchange (not the /_sim/ control plane) to a cassette and keeps its file current."""

    def __init__(self, cassette: Cassette, secrets: SecretMap, *, skip_replayed: bool = False) -> None:
        self.cassette = cassette
        self.secrets = secrets
        #: True when recording into the cassette being replayed (new_episodes): replayed answers are in it already.
        self.skip_replayed = skip_replayed
        self._last_save = 0.0
        self._dirty = False

    def __call__(self, exchange: dict) -> None:
        """Journal listener."""
        if exchange["path"].startswith("/_sim") or not exchange.get("status"):
            return  # the control plane is not the API; status 0 means the connection was dropped
        if self.skip_replayed and exchange.get("action") == "replay":
            return
        self.record(exchange_to_interaction(exchange))

    def record(self, interaction: Interaction) -> None:
        """Scrub and append one interaction, then save when due."""
        self.cassette.append(scrub(interaction, self.secrets), played=True)
        self._dirty = True
        now = time.monotonic()
        if self.cassette.path and (len(self.cassette) <= SAVE_EVERY_UP_TO or now - self._last_save >= SAVE_INTERVAL):
            self.flush()

    def flush(self) -> None:
        """Write the file now if anything is unsaved."""
        if self._dirty and self.cassette.path:
            self.cassette.save()
            self._last_save = time.monotonic()
            self._dirty = False
