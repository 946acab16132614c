"""The request journal: every request, its answer, and what the pipeline did to it (fault rule, replay)."""
from __future__ import annotations

import json
import re
from typing import Callable

from simulator.redact import redact_body, redact_headers
from simulator.store import Store


#: How often (in entries) the journal drops what is beyond its limit.
PRUNE_EVERY = 500
#: A body without any of these bytes holds no secret, so it is stored as it came.
_SECRET_HINT = re.compile(rb'"(password|apiKey|api_key|adminPass|token)"')


def _decode(raw: bytes | None, content_type: str | None):
    """A body as JSON when it parses, else text, else None."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return raw.decode("utf-8", "replace")


def body_json(raw: bytes | None) -> str:
    """The body as JSON text for the journal: redacted when it may hold a secret, else as it came."""
    if not raw:
        return "null"
    if not _SECRET_HINT.search(raw):
        try:
            text = raw.decode("utf-8")
            json.loads(text)  # only a well-formed JSON body may be stored as it is
            return text
        except (ValueError, RecursionError):
            pass
    return json.dumps(redact_body(_decode(raw, None)))


def part_json(headers: dict, raw: bytes | None) -> str:
    """One side of an exchange ({"headers", "body"}) as JSON text, secrets masked."""
    return '{"headers": ' + json.dumps(redact_headers(headers)) + ', "body": ' + body_json(raw) + "}"


class Journal:
    """Writes redacted entries to the store and hands the raw exchange to listeners (the recorder)."""

    def __init__(self, store: Store, limit: int = 10_000) -> None:
        self.store = store
        self.limit = limit
        self.listeners: list[Callable[[dict], None]] = []
        #: Exceptions the simulator raised while serving (bugs in the fake): a test should fail on them.
        self.handler_errors: list[str] = []

    def record(self, exchange: dict) -> int:
        """Store one exchange (redacted) and notify listeners with the raw one; returns its seq."""
        req, resp = exchange["request"], exchange["response"]
        entry = {k: exchange.get(k) for k in ("account_id", "time", "method", "path", "query", "route",
                                                "status", "rule", "action", "note", "duration_ms")}
        entry["request"] = part_json(req["headers"], req.get("body"))
        entry["response"] = part_json(resp["headers"], resp.get("body"))
        seq = self.store.journal.append(entry)
        if self.limit and seq % PRUNE_EVERY == 0:
            self.store.journal.prune(before=seq - self.limit)
        exchange["seq"] = seq
        for listener in self.listeners:
            listener(exchange)
        return seq

    def entries(self, **filters) -> list[dict]:
        return self.store.journal.entries(**filters)

    def clear(self, account_id: str | None = None) -> None:
        self.store.journal.clear(account_id)
