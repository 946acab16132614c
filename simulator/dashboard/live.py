"""Live updates: a journal listener that only counts and sets an event (nothing on the API's hot path waits on it),
and the server-sent event stream that tells an open dashboard page when its account changed."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

from aiohttp import web

from simulator.pipeline.journal import Journal

#: An open page hears of changes at most this often (seconds): a burst of requests is one event.
MIN_GAP = 1.0
#: With nothing to tell, a comment line goes out this often (seconds), so a closed page is noticed.
HEARTBEAT = 15.0
#: On a real clock lifecycles move without requests: the page is told to look again this often (seconds).
REAL_CLOCK_TICK = 2.0


class LiveFeed:
    """Counts journal entries per watched account; streams wait on one event. Listening only while a stream is
    open: without an open dashboard the journal has no listener of ours at all."""

    #: The journal middleware builds the request's full URL only for listeners that want it (the recorder).
    wants_url = False

    def __init__(self, journal: Journal, prefix: str) -> None:
        self.journal = journal
        self.prefix = prefix  # the dashboard's own reads (its pages, parts and this stream) are not changes
        self.seq = 0
        self.changed_at: dict[str | None, int] = {}  # account (None: calls of no account) -> seq of its last change
        self.watched: Counter[str | None] = Counter()
        self.event = asyncio.Event()
        self.closing = False
        self.stopped = asyncio.Event()  # set by shut(): ends a stream's pause between two events at once

    def __call__(self, exchange: dict) -> None:
        """The journal listener: O(1), no I/O, never awaits."""
        account = exchange.get("account_id")
        if account is not None and account not in self.watched:
            return
        if exchange.get("method") == "GET" and (exchange.get("path") or "").startswith(self.prefix):
            return
        self.seq += 1
        self.changed_at[account] = self.seq
        self.event.set()

    def open(self, account: str | None) -> int:
        """A stream starts watching account; returns the mark it has seen."""
        if not self.watched:
            self.journal.listeners.append(self)
        self.watched[account] += 1
        return self.latest(account)

    def close(self, account: str | None) -> None:
        self.watched[account] -= 1
        if self.watched[account] <= 0:
            del self.watched[account]
        if not self.watched and self in self.journal.listeners:
            self.journal.listeners.remove(self)

    def latest(self, account: str | None) -> int:
        """The mark of the newest change a page of account must hear of (its own, or a call of no account)."""
        return max(self.changed_at.get(account, 0), self.changed_at.get(None, 0))

    async def wait(self, account: str | None, seen: int, timeout: float) -> int | None:
        """The new mark once account changed after seen; None after timeout seconds without a change."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.latest(account) == seen and not self.closing:
            self.event.clear()  # waiters woken by the last set() are already woken: clearing loses nothing
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            try:
                await asyncio.wait_for(self.event.wait(), remaining)
            except asyncio.TimeoutError:
                return None
        return self.latest(account)

    async def pause(self, seconds: float) -> None:
        """A stream's rest between two events (MIN_GAP); the server's stop ends it at once, so a stopping server
        (which waits for its handlers) does not wait out the gap."""
        if not self.closing:
            try:
                await asyncio.wait_for(self.stopped.wait(), seconds)
            except asyncio.TimeoutError:
                pass

    def shut(self) -> None:
        """The server is stopping: every stream ends."""
        self.closing = True
        self.event.set()
        self.stopped.set()


def event_text(name: str, data: dict) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


async def stream(request: web.Request, feed: LiveFeed, account: str | None, real_clock) -> web.StreamResponse:
    """text/event-stream: a `change` event (with the new mark) whenever account changed, at most every MIN_GAP
    seconds; real_clock() says whether lifecycles move on their own (then a `change` every REAL_CLOCK_TICK)."""
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )
    seen = feed.open(account)  # before the headers go out: nothing after the page's `open` event is missed
    try:
        await response.prepare(request)
        await response.write(b"retry: 2000\n" + event_text("hello", {"seq": seen}))
        while not feed.closing:
            tick = REAL_CLOCK_TICK if real_clock() else HEARTBEAT
            mark = await feed.wait(account, seen, tick)
            if feed.closing:
                break
            if mark is None and not real_clock():
                await response.write(b": ping\n\n")
                continue
            seen = mark if mark is not None else seen
            await response.write(event_text("change", {"seq": seen}))
            await feed.pause(MIN_GAP)
    except ConnectionError:  # the page went away
        pass
    finally:
        feed.close(account)
    return response
