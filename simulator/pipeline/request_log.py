"""The request log (on by default in `cdbsim serve`, off with --quiet): one line per journalled request on stderr,

    2026-12-07T13:20:01 GET /v1.0/1234/instances?token=*** 200 1.4ms
    2026-12-07T13:20:02 POST /v1.0/1234/instances 413 2.1ms rule=restore_over_limit/restore-rate-limited respond

the simulator's time, the method, the path with secret query parameters masked (redact.py's list) and control
characters and spaces escaped, the status, the milliseconds it took, and the fault rule that answered or changed
it with its action. It is a journal listener: what the journal does not keep (the health check) it does not
print either."""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

#: Control characters and the space (a %0A or %20 in a path is decoded) written as \xNN: one request, one line of
#: space-separated fields.
_ESCAPES = {c: f"\\x{c:02x}" for c in (*range(33), 127)}
#: Lines are written at most this long after the first of them waits (a person watching sees no lag), or in
#: batches of this many.
FLUSH_AFTER = 0.05
BATCH = 256
#: How many paths' escaped texts are kept (the paths seen most recently).
TARGETS = 256


class RequestLog:
    """A journal listener that writes one line per request to a stream (stderr by default). Lines wait in memory
    for at most FLUSH_AFTER seconds (or BATCH lines) and go out in one write: a write per request would cost the
    server a system call each."""

    wants_url = False  # the journal need not build the request's full URL for this listener
    takes_rows = True  # it is called with each entry's journal row (Journal.notify_row): no exchange is made

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.pending: list[str] = []
        self._timer: asyncio.TimerHandle | None = None
        self._targets: dict[str, str] = {}  # path -> its escaped text (a request without a query)

    def __call__(self, row: tuple) -> None:
        """One journal entry, as its row (the journal's COLUMNS order; the query already redacted)."""
        path, query = row[3], row[4]
        target = None if query else self._targets.get(path)
        if target is None:
            target = path + ("?" + query if query else "")
            if " " in target or not target.isprintable():
                target = target.translate(_ESCAPES)
            if not query:  # a client asks for the same paths again and again: escaped once each
                if len(self._targets) >= TARGETS:
                    self._targets.clear()
                self._targets[path] = target
        line = f"{row[1]} {row[2]} {target} {row[6]} {row[11]:.1f}ms"  # time, method, target, status, duration
        if row[7]:  # the fault rule and its action
            line += f" rule={row[7]} {row[8] or ''}".rstrip()
        self.pending.append(line)
        if len(self.pending) >= BATCH:
            self.flush()
        elif self._timer is None:
            try:
                self._timer = asyncio.get_running_loop().call_later(FLUSH_AFTER, self.flush)
            except RuntimeError:  # no event loop: nothing would flush later
                self.flush()

    def flush(self) -> None:
        """Write the waiting lines (one write) and flush the stream."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.pending:
            lines, self.pending = self.pending, []
            self.stream.write("\n".join(lines) + "\n")
            self.stream.flush()
