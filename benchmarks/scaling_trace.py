"""What happened inside a scaling server while a request was slow (issue 25: the p99 stalls).

scaling_server.py --trace FILE installs these probes in its own process; scaling.py --trace then matches each slow
request it timed (its send and last byte, on the same monotonic clock: time.perf_counter is CLOCK_MONOTONIC on
Linux, shared by the processes) against what the server recorded over that span:

    request     the server's own time for each request (outermost middleware: handler, view, journal record)
    gc          each cyclic garbage collection (gc.callbacks): its generation and how long it took
    checkpoint  each background checkpoint (repos/checkpoints.py) and the log pages it moved
    flush       each journal batch written (pipeline/journal.py), with the prune when one ran
    prune       the journal's row and byte pruning

The probes wrap methods of this process only (a benchmark's instrument, nothing shipped changes). The events are
kept in memory and written as JSON when the server exits.
"""

from __future__ import annotations

import atexit
import bisect
import functools
import gc
import json
import signal
import sys
import time
from pathlib import Path

from aiohttp import web


class Trace:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.events: list[tuple] = []  # (kind, start, end, detail)
        self._gc_start = 0.0
        atexit.register(self.write)

    def add(self, kind: str, start: float, end: float, detail=None, cpu: float | None = None) -> None:
        """One event: cpu is the CPU time its thread spent meanwhile (wall much above it: the thread waited)."""
        self.events.append((kind, start, end, detail, cpu))

    def write(self) -> None:
        self.path.write_text(json.dumps(self.events))

    # probes ------------------------------------------------------------------------------------------------------
    def on_gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
        else:
            self.add("gc", self._gc_start, time.perf_counter(), info["generation"])

    def wrap(self, owner, name: str, kind: str, detail=None) -> None:
        """Record each call of owner.name as an event of this kind."""
        original = getattr(owner, name)
        trace = self

        @functools.wraps(original)
        def timed(*args, **kwargs):
            what = detail(args) if detail else None
            t0, c0 = time.perf_counter(), time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                trace.add(kind, t0, time.perf_counter(), what, time.thread_time() - c0)

        setattr(owner, name, timed)

    def middleware(self):
        trace = self

        @web.middleware
        async def timing(request: web.Request, handler):
            t0, c0 = time.perf_counter(), time.thread_time()
            try:
                return await handler(request)
            finally:
                trace.add("request", t0, time.perf_counter(), None, time.thread_time() - c0)

        return timing


def install(app: web.Application, path: Path) -> Trace:
    """Probe this process's app."""
    from simulator.pipeline.journal import Journal
    from simulator.repos.checkpoints import Checkpointer
    from simulator.repos.journal import JournalRepo

    trace = Trace(path)
    # written at exit: SIGINT (procs.Server.stop) is ignored in a process started from a background job (nohup, &),
    # and SIGTERM would end it without atexit; both become a clean exit
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    gc.callbacks.append(trace.on_gc)
    app.middlewares.insert(0, trace.middleware())
    trace.wrap(Checkpointer, "checkpoint", "checkpoint")
    trace.wrap(Journal, "flush", "flush", lambda args: len(args[0].pending))  # rows in the batch
    trace.wrap(JournalRepo, "prune", "prune")
    if hasattr(JournalRepo, "prune_to_bytes"):
        trace.wrap(JournalRepo, "prune_to_bytes", "prune")
    return trace


def explain(samples: list[tuple], events: list[tuple], waits: dict | None = None, worst: int = 5) -> list[str]:
    """For the `worst` slowest samples (label, start, end) of one side: what the server recorded over each, and
    (waits: sample -> seconds the driver and the server's main thread sat in the run queue) the machine's share."""
    lines = []
    for label, t0, t1 in sorted(samples, key=lambda s: s[2] - s[1], reverse=True)[:worst]:
        inside = [e for e in events if e[1] < t1 and e[2] > t0]
        parts = []
        for kind, s, e, detail, cpu in sorted(inside, key=lambda e: e[1]):
            overlap = (min(e, t1) - max(s, t0)) * 1000
            cpu_text = "" if cpu is None else f" cpu {cpu * 1000:.2f}"
            parts.append(
                f"{kind}{'' if detail is None else f'({detail})'} {(e - s) * 1000:.2f} ms{cpu_text} [{overlap:.2f} in]"
            )
        queued = ""
        if waits and (label, t0, t1) in waits:
            driver, server = waits[(label, t0, t1)]
            queued = f" (waiting for a CPU: driver {driver * 1000:.2f} ms, server {server * 1000:.2f} ms)"
        lines.append(f"      {(t1 - t0) * 1000:7.2f} ms{queued} {label}: " + ("; ".join(parts) or "nothing recorded"))
    return lines


def request_cpu(samples: list[tuple], events: list[tuple]) -> list[float]:
    """The server's own CPU time (seconds) for each timed sample (label, start, end): that of the request it recorded
    starting inside the sample's span (one request at a time per server, so one such request)."""
    requests = sorted((s, cpu) for kind, s, e, detail, cpu in events if kind == "request" and cpu is not None)
    starts = [s for s, _ in requests]
    found = []
    for _label, t0, t1 in samples:
        k = bisect.bisect_left(starts, t0)
        if k < len(starts) and starts[k] < t1:
            found.append(requests[k][1])
    return found


#: A thread that spent this much longer than its CPU time on something waited (for the disk, a lock, the CPU).
WAITED = 0.003


def summary(events: list[tuple]) -> str:
    """Counts and totals of each kind of event over a run, and how many waited WAITED or more beyond their CPU."""
    kinds: dict[str, list[tuple[float, float | None]]] = {}
    for kind, s, e, detail, cpu in events:
        if kind == "gc":
            kind = f"gc{detail}"
        kinds.setdefault(kind, []).append((e - s, cpu))
    parts = []
    for kind, d in sorted(kinds.items()):
        walls = [w for w, _ in d]
        waited = sum(1 for w, cpu in d if cpu is not None and w - cpu >= WAITED)
        text = f"{kind} x{len(d)} max {max(walls) * 1000:.2f} ms total {sum(walls) * 1000:.0f} ms"
        parts.append(text + (f" ({waited} waited >= {WAITED * 1000:.0f} ms)" if d[0][1] is not None else ""))
    return ", ".join(parts)
