"""Recording the simulator's own traffic: a journal listener that scrubs each exchange into a cassette, and whose
failures stay its own (logged and counted, never part of an answer)."""

from __future__ import annotations

import logging
import time

from simulator.http import is_control_path
from simulator.replay.cassette import Cassette
from simulator.replay.filters import SecretMap, scrub
from simulator.replay.har import (
    Interaction,
    RecordedRequest,
    RecordedResponse,
    encode_entry,
    interaction_to_entry,
    reason_phrase,
)

log = logging.getLogger("cdbsim.replay")

#: Below this many entries every exchange is saved at once; above it, at most once per SAVE_INTERVAL.
SAVE_EVERY_UP_TO = 500
SAVE_INTERVAL = 1.0


def exchange_to_interaction(exchange: dict) -> Interaction:
    """The raw exchange dict journal_middleware builds, as an Interaction (still holding secrets)."""
    req, resp = exchange["request"], exchange["response"]
    status = int(exchange["status"])
    meta = {k: exchange[k] for k in ("route", "rule", "action") if exchange.get(k)}
    return Interaction(
        request=RecordedRequest(
            method=exchange["method"],
            url=exchange["url"],
            headers=tuple((str(k), str(v)) for k, v in req["headers"].items()),
            body=req.get("body") or b"",
        ),
        response=RecordedResponse(
            status=status,
            reason=reason_phrase(status),
            headers=tuple((str(k), str(v)) for k, v in resp["headers"].items()),
            body=resp.get("body") or b"",
        ),
        started=f"{exchange['time']}.000Z" if exchange.get("time") else "1970-01-01T00:00:00.000Z",
        time_ms=float(exchange.get("duration_ms") or 0.0),
        meta=meta,
    )


class Recorder:
    """Appends every API exchange (not the /_sim/ control plane) to a cassette and keeps its file current.

    Nothing it does raises: an exchange it cannot record is left out, a save that fails is tried again with the
    next exchange; each failure is logged and counted in `failures` (GET /_sim/replay shows them)."""

    def __init__(self, cassette: Cassette, secrets: SecretMap, *, skip_replayed: bool = False) -> None:
        self.cassette = cassette
        self.secrets = secrets
        #: True when recording into the cassette being replayed (new_episodes): replayed answers are in it already.
        self.skip_replayed = skip_replayed
        self._last_save = 0.0
        self._dirty = False
        #: Exchanges left out and saves that failed, and what the last one was.
        self.failures = 0
        self.last_failure: str | None = None

    def __call__(self, exchange: dict) -> None:
        """Journal listener (it is called while another request is answered, so it never raises)."""
        if is_control_path(exchange["path"]) or not exchange.get("status"):
            return  # the control plane is not the API; status 0 means the connection was dropped
        if self.skip_replayed and exchange.get("action") == "replay":
            return
        try:
            interaction = exchange_to_interaction(exchange)
        except Exception as exc:  # a recorder problem must never reach an answer
            self._failed(f"{exchange.get('method')} {exchange.get('path')} not recorded", exc)
            return
        self.record(interaction)

    def record(self, interaction: Interaction) -> bool:
        """Scrub and append one interaction, then save when due; False when it could not be recorded."""
        try:
            scrubbed = scrub(interaction, self.secrets)
            encoded = encode_entry(interaction_to_entry(scrubbed))  # made here, so a bad entry never gets in
        except Exception as exc:  # a recorder problem must never reach an answer
            self._failed(f"{interaction.request.method} {interaction.request.path} not recorded", exc)
            return False
        self.cassette.append(scrubbed, played=True, encoded=encoded)
        self._dirty = True
        now = time.monotonic()
        if self.cassette.path and (len(self.cassette) <= SAVE_EVERY_UP_TO or now - self._last_save >= SAVE_INTERVAL):
            self.flush()
        return True

    def flush(self) -> bool:
        """Write the file now if anything is unsaved; False when the write failed (it is tried again later)."""
        if self._dirty and self.cassette.path:
            self._last_save = time.monotonic()
            try:
                self.cassette.save()
            except Exception as exc:  # a full disk must not turn answers into 500s
                self._failed(f"cannot save {self.cassette.path} (tried again with the next exchange)", exc)
                return False
            self._dirty = False
        return True

    def _failed(self, what: str, exc: Exception) -> None:
        """Count and log one failure (the first with its traceback, later ones in one line)."""
        self.failures += 1
        self.last_failure = f"{what}: {type(exc).__name__}: {exc}"
        log.error(
            "recording: %s (%d failure(s) so far)",
            self.last_failure,
            self.failures,
            exc_info=exc if self.failures == 1 else None,
        )
