"""The request journal: every request, its answer, and what the pipeline did to it (fault rule, replay)."""
from __future__ import annotations

import json
from typing import Callable

from simulator.redact import redact_body, redact_headers
from simulator.store import Store


def _decode(raw: bytes | None, content_type: str | None):
    """A body as JSON when it parses, else text, else None."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return raw.decode("utf-8", "replace")


class Journal:
    """Writes redacted entries to the store and hands the raw exchange to listeners (the recorder)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.listeners: list[Callable[[dict], None]] = []
        #: Exceptions the simulator raised while serving (bugs in the fake): a test should fail on them.
        self.handler_errors: list[str] = []

    def record(self, exchange: dict) -> int:
        """Store one exchange (redacted) and notify listeners with the raw one; returns its seq."""
        req, resp = exchange["request"], exchange["response"]
        entry = {k: exchange.get(k) for k in ("account_id", "time", "method", "path", "query", "route",
                                                "status", "rule", "action", "note", "duration_ms")}
        entry["request"] = {"headers": redact_headers(req["headers"]),
                            "body": redact_body(_decode(req.get("body"), req["headers"].get("Content-Type")))}
        entry["response"] = {"headers": redact_headers(resp["headers"]),
                             "body": redact_body(_decode(resp.get("body"), resp["headers"].get("Content-Type")))}
        seq = self.store.journal.append(entry)
        exchange["seq"] = seq
        for listener in self.listeners:
            listener(exchange)
        return seq

    def entries(self, **filters) -> list[dict]:
        return self.store.journal.entries(**filters)

    def clear(self, account_id: str | None = None) -> None:
        self.store.journal.clear(account_id)
