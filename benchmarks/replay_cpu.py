#!/usr/bin/env python3
"""The server's own CPU per replayed hit, a 100,000-interaction recording against a 100-interaction one (issue 7).

run.py's replay scenario takes the p50 of 32 connections, which the machine's other load moves by 1.0-1.9x between
two runs of the same code; this asks what the p50 follows when the server is the bottleneck, and nothing else: one
keep-alive connection per server, one request at a time, the servers' CPU time (from /proc) per request. The same
recordings as run.py (recordings.py: one recorded GET instance cloned), the same hit paths (every 10th interaction
of the large one, 10,000), each played once before timing (so the timed hits are repeats, as in run.py's best runs),
then rounds alternating which side goes first.

    python3 benchmarks/replay_cpu.py                  # 6 rounds of 5,000 requests a side
    python3 benchmarks/replay_cpu.py --rounds 4
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from procs import Server, free_port, http_call  # noqa: E402
from suite import AUTH, serve_cmd  # noqa: E402

import recordings  # noqa: E402

SIZES = (100, 100_000)


def start(name: str, rundir: Path) -> Server:
    port = free_port()
    server = Server(name, serve_cmd(port), port, rundir)
    server.wait_http("/", timeout=60)
    return server


def template(rundir: Path) -> tuple[dict, str]:
    """One GET instance recorded by cdbsim (the HAR document and the instance id)."""
    with start("replay-cpu-recorder", rundir) as server:
        body = {"instance": {"name": "json_restore", "flavorRef": 1, "volume": {"size": 2}}}
        status, answer = http_call(server.port, "POST", "/v1.0/1234/instances", body, AUTH)
        if status != 200:
            raise SystemExit(f"POST /instances answered {status}")
        instance_id = json.loads(answer)["instance"]["id"]
        return recordings.record_template(server.port, f"/v1.0/1234/instances/{instance_id}", AUTH), instance_id


def drive(server: Server, conn: http.client.HTTPConnection, paths: list[str], n: int, first: int) -> tuple:
    """n requests in a row: (server CPU us per request, p50 us at the client)."""
    cpu0, latencies = server.cpu_seconds(), []
    for k in range(n):
        t0 = time.perf_counter()
        conn.request("GET", paths[(first + k) % len(paths)], headers=AUTH)
        resp = conn.getresponse()
        resp.read()
        if resp.status != 200:
            raise SystemExit(f"GET {paths[(first + k) % len(paths)]} answered {resp.status}")
        latencies.append(time.perf_counter() - t0)
    return (server.cpu_seconds() - cpu0) / n * 1e6, statistics.median(latencies) * 1e6


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--per-round", type=int, default=5000)
    parser.add_argument(
        "--large-paths",
        type=int,
        default=10_000,
        help="distinct interactions the large side hits (10,000; 100 asks what the recording's size alone costs)",
    )
    args = parser.parse_args(argv)
    rundir = Path(tempfile.mkdtemp(prefix="replay-cpu-"))
    document, instance_id = template(rundir)
    sides = {}
    try:
        for count in SIZES:
            har = recordings.write_recording(document, instance_id, count, rundir / f"replay-{count}.har")
            server = start(f"replay-cpu-{count}", rundir)
            sides[count] = server
            options = {"path": str(har), "mode": "strict", "allow_playback_repeats": True}
            t0, cpu0 = time.perf_counter(), server.cpu_seconds()
            status, body = http_call(server.port, "PUT", "/_sim/replay", options, timeout=600)
            if status != 200:
                raise SystemExit(f"PUT /_sim/replay answered {status}: {body[:200]!r}")
            print(
                f"{count:>7,} interactions: loaded in {time.perf_counter() - t0:.2f} s "
                f"({server.cpu_seconds() - cpu0:.2f} s of server CPU)"
            )
        limits = {SIZES[0]: SIZES[0], SIZES[1]: args.large_paths}
        paths = {count: recordings.hit_paths("/v1.0/1234/instances/{id}", count, limits[count]) for count in SIZES}
        conns = {count: http.client.HTTPConnection("127.0.0.1", sides[count].port, timeout=60) for count in SIZES}
        for count in SIZES:  # every hit path played once
            drive(sides[count], conns[count], paths[count], len(paths[count]), 0)
        figures: dict[int, list[tuple[float, float]]] = {count: [] for count in SIZES}
        for r in range(args.rounds):
            for count in SIZES if r % 2 == 0 else SIZES[::-1]:
                figures[count].append(drive(sides[count], conns[count], paths[count], args.per_round, r * 1000))
        for count in SIZES:
            shown = ", ".join(f"{cpu:.0f}" for cpu, _ in figures[count])
            print(f"{count:>7,} interactions: server CPU us per hit by round {shown}")
        cpu = [statistics.median(c for c, _ in figures[count]) for count in SIZES]
        p50 = [statistics.median(p for _, p in figures[count]) for count in SIZES]
        print(f"server CPU per hit 100,000 / 100: x{cpu[1] / cpu[0]:.3f}; sequential p50: x{p50[1] / p50[0]:.3f}")
    finally:
        for server in sides.values():
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
