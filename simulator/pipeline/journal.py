"""The request journal: every request, its answer, and what the pipeline did to it (fault rule, replay)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from simulator.pipeline.body import RequestBody
from simulator.pipeline.redact import mask_text, may_hold_secret, redact_headers, redact_query, redacted
from simulator.repos.store import Store

#: How often (in entries) the journal drops what is beyond its limit.
PRUNE_EVERY = 500
#: Characters of a body's journal text kept whole; a longer body is kept cut to this and marked "truncated".
BODY_KEEP = 64 << 10
#: ... and of the bodies of a request its caller could not authenticate for (401, 403): anyone can send those.
UNAUTHENTICATED_KEEP = 1 << 10
#: Statuses whose bodies are cut to UNAUTHENTICATED_KEEP.
UNAUTHENTICATED = frozenset({401, 403})
_TEXT: Any = type("Text", (), {})()  # a body that is not JSON


def _plain_utf8(raw: bytes) -> bool:
    """JSON bytes json.loads read as UTF-8 (no BOM, no UTF-16 or UTF-32), so the text is the bytes decoded."""
    return b"\x00" not in raw[:4] and not raw.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))


def body_json(body: RequestBody | bytes | None) -> str:
    """The body as JSON text for the journal: its JSON with secrets masked (the text as it came when it holds
    none), else the text of the bytes; the JSON is the request's one parse (body.py)."""
    if isinstance(body, bytes):
        body = RequestBody(body)
    if body is None or not body.raw:
        return "null"
    raw = body.raw
    value = body.value_or(_TEXT)
    if value is _TEXT:  # not JSON (a form, a JSON text cut short): its secrets are found by pattern
        return json.dumps(mask_text(raw.decode("utf-8", "replace")))
    plain = _plain_utf8(raw)
    if not plain or may_hold_secret(raw):
        value, masked = redacted(value)
        if masked:
            return json.dumps(value)
    if plain:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:  # json.loads let a surrogate encoded as UTF-8 through ("surrogatepass")
            pass
    return json.dumps(value)


def headers_json(headers: dict) -> str:
    """Headers as JSON text, secrets masked."""
    return json.dumps(redact_headers(headers))


def part_json(
    headers: dict,
    body: RequestBody | bytes | None,
    is_json: bool = False,
    headers_text: str | None = None,
    keep: int = BODY_KEEP,
    secret_free: bool = False,
) -> str:
    """One side of an exchange ({"headers", "body"}) as JSON text, secrets masked; is_json: the bytes are JSON
    rendered here, so without a possible secret they are kept without parsing them (secret_free: known to hold none,
    not even looked for). A body whose text is longer than keep characters is kept as a string of its first keep
    characters, and "truncated" gives its size in bytes."""
    truncated = ""
    if not body:
        text = "null"
    elif is_json and isinstance(body, bytes) and (secret_free or not may_hold_secret(body)):
        text = body.decode("utf-8")
    else:
        text = body_json(body)
    if len(text) > keep:
        size = len(body.raw if isinstance(body, RequestBody) else body or b"")
        head = json.loads(text) if text.startswith('"') else text  # a text body: cut the text, not its JSON
        text, truncated = json.dumps(head[:keep]), f', "truncated": {size}'
    return '{"headers": ' + (headers_text or headers_json(headers)) + ', "body": ' + text + truncated + "}"


#: How many distinct header sets the journal keeps the JSON text of (a client repeats the same headers).
HEADER_TEXTS = 256
#: Answers up to this size have their journal text kept (at most HEADER_TEXTS of them, so a few MB at most).
ANSWER_TEXT_BYTES = 16 << 10


#: Deferred entries are written in one statement once this many are waiting, or this many seconds after the first.
BATCH = 256
FLUSH_AFTER = 0.1
COLUMNS = (
    "account_id",
    "time",
    "method",
    "path",
    "query",
    "route",
    "status",
    "rule",
    "action",
    "note",
    "lifecycle",
    "duration_ms",
    "request",
    "response",
)


def entry_row(
    account_id: str | None,
    time: str | None,
    method: str | None,
    path: str | None,
    query: str | None,
    route: str | None,
    status: int | None,
    rule: str | None,
    action: str | None,
    note: str | None,
    lifecycle: object,
    duration_ms: float | None,
    request: str,
    answer: str,
) -> tuple:
    """One entry's row in COLUMNS order, from its fields in that order: the query redacted, an empty rule, action,
    note or lifecycle given as "" (stored as NULL: the repository's MOSTLY_EMPTY), the lifecycle as JSON."""
    return (
        account_id,
        time,
        method,
        path,
        redact_query(query) if query else query,
        route,
        status,
        rule or "",
        action or "",
        note or "",
        json.dumps(lifecycle) if lifecycle else "",
        duration_ms,
        request,
        answer,
    )


class Journal:
    """Writes redacted entries to the store and hands the raw exchange to listeners (the recorder).

    An entry may be deferred (a read of the API changes nothing, so losing it to a crash loses no state): it
    waits in memory and is written with the next batch, before anything else is journalled and before any read
    of the journal, so the order and the contents are the same as if it had been written at once."""

    def __init__(self, store: Store, limit: int = 10_000, bookkeeping=None, byte_budget: int = 0) -> None:
        self.store = store
        self.limit = limit
        #: The bytes of request and response text the journal keeps at most (0: no budget), beside its row limit.
        self.byte_budget = byte_budget
        self.bookkeeping = bookkeeping or nullcontext
        self.listeners: list[Callable[[Any], None]] = []  # called with an exchange dict, or a row (takes_rows)
        #: Exceptions the simulator raised while serving (bugs in the fake): a test should fail on them.
        self.handler_errors: list[str] = []
        self.pending: list[tuple] = []
        self._since_prune = 0
        self._timer: asyncio.TimerHandle | None = None
        self._header_texts: dict[tuple, str] = {}
        self._answer_texts: dict[tuple[bytes, tuple], str] = {}

    def record(self, exchange: dict, defer: bool = False) -> int | None:
        """Store one exchange (redacted) and hand it to the listeners; returns its seq (None when the entry was
        deferred to the next batch). The pipeline builds its rows from the request instead (middlewares.py)."""
        req, resp = exchange["request"], exchange["response"]
        raw, get = req.get("body"), exchange.get
        keep = UNAUTHENTICATED_KEEP if get("status") in UNAUTHENTICATED else BODY_KEEP
        row = entry_row(
            get("account_id"),
            get("time"),
            get("method"),
            get("path"),
            get("query"),
            get("route"),
            get("status"),
            get("rule"),
            get("action"),
            get("note"),
            get("lifecycle"),
            get("duration_ms"),
            self.request_text(req["headers"], req.get("parsed", raw) if raw else None, keep),  # parsed: the one parse
            self.answer_text(
                resp["headers"], resp.get("body"), resp.get("is_json", False), keep, resp.get("secret_free", False)
            ),
        )
        seq = self.append(row, defer)
        if seq is not None:
            exchange["seq"] = seq
        self.notify_row(row, lambda: exchange)
        return seq

    def append(self, row: tuple, defer: bool = False) -> int | None:
        """Store one entry given as its row (COLUMNS order, redacted: record() builds it from an exchange); returns
        its seq (None when the entry was deferred to the next batch)."""
        self.pending.append(row)
        if not defer or len(self.pending) >= BATCH:
            return self.flush()
        if self._timer is None:
            self._schedule_flush()
        return None

    def notify_row(self, row: tuple, make_exchange: Callable[..., dict], *args: Any) -> None:
        """Hand a written entry to every listener: its row to those that read rows (`takes_rows`: the request log),
        the raw exchange, made once (make_exchange(*args): the arguments passed, not bound in a partial or a closure
        made per entry) and only if one needs it, to the others (a recorder, the dashboard)."""
        exchange = None
        for listener in self.listeners:
            if getattr(listener, "takes_rows", False):
                listener(row)
                continue
            if exchange is None:
                exchange = make_exchange(*args)
            listener(exchange)

    def request_text(self, headers, body: RequestBody | bytes | None, keep: int = BODY_KEEP, key=None) -> str:
        """part_json of a request; without a body, kept for the header sets seen most recently (key: what
        identifies the headers when the caller has it cheaper than their items, such as the parser's raw
        headers)."""
        if body:
            return part_json(headers, body, headers_text=self._headers_text(headers), keep=keep)
        key = ("request", key if key is not None else tuple(headers.items()))
        text = self._header_texts.get(key)
        if text is None:
            if len(self._header_texts) >= HEADER_TEXTS:
                self._header_texts.clear()
            text = self._header_texts[key] = part_json(headers, None, headers_text=headers_json(dict(headers)))
        return text

    def answer_text(
        self, headers, body: bytes | None, is_json: bool, keep: int = BODY_KEEP, secret_free: bool = False
    ) -> str:
        """part_json of the response, kept for the small answers seen most recently: a cached read answers with the
        same bytes object each time (its hash is computed once), so a repeated answer costs one lookup (secret_free:
        the body is known to hold no secret field, as part_json says)."""
        if keep < BODY_KEEP or not (is_json and isinstance(body, bytes) and len(body) <= ANSWER_TEXT_BYTES):
            return part_json(headers, body, is_json, self._headers_text(headers), keep, secret_free)
        key = (body, tuple(headers.items()))  # a repeated answer: one lookup, no headers text looked up first
        text = self._answer_texts.get(key)
        if text is None:
            if len(self._answer_texts) >= HEADER_TEXTS:
                self._answer_texts.clear()
            headers_text = self._headers_text(headers)
            text = self._answer_texts[key] = part_json(headers, body, True, headers_text, BODY_KEEP, secret_free)
        return text

    def _headers_text(self, headers) -> str:
        """headers_json(headers) (a dict or a multidict), kept for the header sets seen most recently."""
        key = tuple(headers.items())
        text = self._header_texts.get(key)
        if text is None:
            if len(self._header_texts) >= HEADER_TEXTS:
                self._header_texts.clear()
            text = self._header_texts[key] = headers_json(dict(headers))
        return text

    def _schedule_flush(self) -> None:
        """Write the waiting entries FLUSH_AFTER seconds from now (at once when no event loop runs)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        self._timer = loop.call_later(FLUSH_AFTER, self._flush_later)

    def _flush_later(self) -> None:
        self._timer = None
        if self.store.in_transaction:  # a write is under way: its own journal entry flushes these
            self._schedule_flush()
        else:
            self.flush()

    def flush(self) -> int | None:
        """Write the waiting entries (one statement) and prune what is beyond the limit; returns the last seq."""
        if self._timer is not None:  # nothing waits once this has run
            self._timer.cancel()
            self._timer = None
        if not self.pending:
            return None
        rows, self.pending = self.pending, []
        with self.bookkeeping():
            seq = self.store.journal.append_many(COLUMNS, rows)
            self._since_prune += len(rows)
            if self.limit and self._since_prune >= PRUNE_EVERY:
                self._since_prune = 0
                self.store.journal.prune(before=seq - self.limit)
            if self.byte_budget:  # the repository keeps the journal's size: no scan to check it
                self.store.journal.prune_to_bytes(self.byte_budget)
        return seq

    def entries(self, **filters) -> list[dict]:
        self.flush()
        return self.store.journal.entries(**filters)

    def count(self, **filters) -> int:
        """How many entries match (the filters of entries())."""
        self.flush()
        return self.store.journal.count(**filters)

    def summaries(self, since: int = 0, until: int | None = None, limit: int = 1000) -> list[dict]:
        """The newest entries of a seq window, without request and response (newest first)."""
        self.flush()
        return self.store.journal.summaries(since=since, until=until, limit=limit)

    def last_seq(self) -> int:
        """The seq of the newest entry (0 when empty)."""
        self.flush()
        return self.store.journal.last_seq()

    def clear(self, account_id: str | None = None) -> None:
        self.flush()
        self.store.journal.clear(account_id)
