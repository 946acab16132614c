"""Closed-loop HTTP/1.1 load generator (its own process): C keep-alive connections, warm-up, then N timed requests.

Standard library only (uses uvloop when it is importable). Requests are pre-encoded bytes sent round-robin from a
spec file; each connection sends one request, reads the whole answer (Content-Length, chunked or until close) and
sends the next. Prints one JSON object on stdout: rps, latency percentiles, status counts, CPU time, a sample body.

    python loadgen.py --port 8080 --spec spec.json --connections 16 --requests 20000 --warmup 2000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import time


def encode_requests(spec: dict, host: str, port: int) -> list[bytes]:
    """Each spec request as the exact bytes to put on the wire."""
    out = []
    for req in spec["requests"]:
        body = req.get("body") or ""
        body_bytes = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        headers = {"Host": f"{host}:{port}", "User-Agent": "cdbsim-bench", "Accept": "*/*"}
        headers.update(req.get("headers") or {})
        if body_bytes or req["method"] in ("POST", "PUT", "PATCH"):
            headers["Content-Length"] = str(len(body_bytes))
        head = f"{req['method']} {req['path']} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        out.append(head.encode("latin-1") + b"\r\n" + body_bytes)
    return out


class Connection(asyncio.Protocol):
    """One keep-alive connection that parses exactly one response per request."""

    def __init__(self) -> None:
        self.transport = None
        self.buf = bytearray()
        self.waiter: asyncio.Future | None = None
        self.closed = asyncio.get_running_loop().create_future()
        self.reset()

    def reset(self) -> None:
        self.head_end = -1
        self.status = 0
        self.length = None
        self.chunked = False
        self.close_after = False
        self.scan = 0  # chunked: where the next chunk header starts

    def connection_made(self, transport) -> None:
        self.transport = transport

    def connection_lost(self, exc) -> None:
        if self.waiter is not None and not self.waiter.done():
            if self.head_end >= 0 and self.length is None and not self.chunked:
                self._finish(len(self.buf))  # body delimited by close
            else:
                self.waiter.set_exception(ConnectionError(f"connection lost: {exc!r}"))
        if not self.closed.done():
            self.closed.set_result(None)

    def request(self, data: bytes) -> asyncio.Future:
        self.reset()
        self.buf.clear()
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        return self.waiter

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if self.head_end < 0:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            self.head_end = end + 4
            head = bytes(self.buf[:end]).decode("latin-1").split("\r\n")
            parts = head[0].split(" ", 2)
            self.status = int(parts[1])
            version = parts[0]
            connection = ""
            for line in head[1:]:
                name, _, value = line.partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    self.length = int(value.strip())
                elif name == "transfer-encoding" and "chunked" in value.lower():
                    self.chunked = True
                elif name == "connection":
                    connection = value.strip().lower()
            self.close_after = connection == "close" or (version == "HTTP/1.0" and connection != "keep-alive")
            self.scan = self.head_end
        if self.chunked:
            self._chunks()
        elif self.length is not None and len(self.buf) >= self.head_end + self.length:
            self._finish(self.head_end + self.length)

    def _chunks(self) -> None:
        while True:
            line_end = self.buf.find(b"\r\n", self.scan)
            if line_end < 0:
                return
            size = int(bytes(self.buf[self.scan : line_end]).split(b";")[0], 16)
            if size == 0:
                if self.buf.find(b"\r\n\r\n", line_end) >= 0 or len(self.buf) >= line_end + 4:
                    self._finish(len(self.buf))
                return
            nxt = line_end + 2 + size + 2
            if len(self.buf) < nxt:
                return
            self.scan = nxt

    def _finish(self, end: int) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result((self.status, bytes(self.buf[self.head_end : end]), self.chunked))


def dechunk(body: bytes) -> bytes:
    out, pos = bytearray(), 0
    while True:
        line_end = body.find(b"\r\n", pos)
        size = int(body[pos:line_end].split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += body[line_end + 2 : line_end + 2 + size]
        pos = line_end + 2 + size + 2


class Run:
    """Shared counters of one phase."""

    def __init__(self, total: int, deadline: float) -> None:
        self.total = total
        self.next = 0
        self.deadline = deadline
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.errors: dict[str, int] = {}
        self.sample: bytes | None = None
        self.timed_out = False

    def take(self) -> int | None:
        if self.next >= self.total:
            return None
        if time.perf_counter() > self.deadline:
            self.timed_out = True
            return None
        self.next += 1
        return self.next - 1


async def worker(host: str, port: int, requests: list[bytes], run: Run, conn_box: list) -> None:
    loop = asyncio.get_running_loop()
    perf = time.perf_counter
    while True:
        i = run.take()
        if i is None:
            return
        t0 = perf()
        try:
            conn = conn_box[0]
            if conn is None or conn.transport.is_closing():
                _, conn = await loop.create_connection(Connection, host, port)
                conn_box[0] = conn
            status, body, chunked = await conn.request(requests[i % len(requests)])
            if conn.close_after:
                conn.transport.close()
                conn_box[0] = None
        except (OSError, ConnectionError, ValueError) as exc:
            run.errors[type(exc).__name__] = run.errors.get(type(exc).__name__, 0) + 1
            if conn_box[0] is not None:
                conn_box[0].transport.close()
            conn_box[0] = None
            await asyncio.sleep(0.01)
            continue
        run.latencies.append(perf() - t0)
        run.statuses[status] = run.statuses.get(status, 0) + 1
        if run.sample is None:
            run.sample = dechunk(body) if chunked else body


def percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    k = min(len(sorted_values) - 1, max(0, int(round(q / 100 * (len(sorted_values) - 1)))))
    return sorted_values[k]


async def main_async(args) -> dict:
    with open(args.spec) as f:
        spec = json.load(f)
    requests = encode_requests(spec, args.host, args.port)
    boxes = [[None] for _ in range(args.connections)]
    started = time.perf_counter()
    warm = Run(args.warmup, started + args.max_seconds)
    await asyncio.gather(*(worker(args.host, args.port, requests, warm, b) for b in boxes))
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    run = Run(args.requests, t0 + args.max_seconds)
    await asyncio.gather(*(worker(args.host, args.port, requests, run, b) for b in boxes))
    wall = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    for box in boxes:
        if box[0] is not None:
            box[0].transport.close()
    lat = sorted(run.latencies)
    expect = set(spec.get("expect") or [200])
    ok = sum(n for s, n in run.statuses.items() if s in expect)
    return {
        "requests": len(lat),
        "ok": ok,
        "wall_s": wall,
        "rps": len(lat) / wall if wall > 0 else 0.0,
        "p50_ms": (percentile(lat, 50) or 0) * 1000,
        "p90_ms": (percentile(lat, 90) or 0) * 1000,
        "p99_ms": (percentile(lat, 99) or 0) * 1000,
        "max_ms": (lat[-1] if lat else 0) * 1000,
        "statuses": {str(k): v for k, v in sorted(run.statuses.items())},
        "errors": run.errors,
        "warmup": {
            "requests": len(warm.latencies),
            "statuses": {str(k): v for k, v in warm.statuses.items()},
            "errors": warm.errors,
            "timed_out": warm.timed_out,
        },
        "timed_out": run.timed_out,
        "connections": args.connections,
        "client_cpu_s": (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime),
        "sample": (run.sample or warm.sample or b"")[:65536].decode("utf-8", "replace"),
        "loop": type(asyncio.get_running_loop()).__module__.split(".")[0],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--spec", required=True, help="JSON: {requests: [{method, path, headers, body}], expect}")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--warmup", type=int, default=2000)
    parser.add_argument("--max-seconds", type=float, default=120.0, help="cap on each phase's wall time")
    parser.add_argument("--no-uvloop", action="store_true")
    args = parser.parse_args(argv)
    if not args.no_uvloop:
        try:
            import uvloop  # noqa: F401

            asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
        except ImportError:
            pass
    result = asyncio.run(main_async(args))
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
