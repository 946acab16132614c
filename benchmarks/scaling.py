#!/usr/bin/env python3
"""Does a request cost more on a large state than on a small one? (issue 25)

For each dimension a small-state and a large-state server (scaling_server.py: same `cdbsim serve` options, a state
file as `cdbsim serve` keeps by default, the read cache off so every read takes the model's path) run side by side.
This process sends the same requests to both, one request sequence at a time on one keep-alive connection each,
alternating which side goes first, and times each request from sending to the last byte. Figures: p50 and p99 of each
side over all rounds, their ratio large / small with the goal (<= 1.5x) beside it, and the spread of the per-round
p50 ratios. Only the ratios mean anything on a shared machine; the load average is printed with them.

On Linux it also reads, just before and just after each timed request, how long this process and the server's main
thread have sat in the kernel's run queue (/proc/.../schedstat: ready to run, waiting for a CPU the machine's other
load held), and prints each operation's p50 and p99 of the latency less those waits beside the wall's. A row whose
wall misses the goal while those are within it is MET "less the waits for a CPU", said so in its line and counted
apart in the summary: on the shared 2-vCPU machine one burst of 40-130 ms queueing decides a p99 of 500 samples.
Everything of the server's own (its CPU, gc, its other threads' hold on the GIL, disk and lock waits) stays in.

    python3 benchmarks/scaling.py                      # every dimension, 5 rounds of 100 sequences per operation
    python3 benchmarks/scaling.py --dimensions dbusers,backups --rounds 3 --per-round 50
    python3 benchmarks/run.py --only scaling           # the same, from the benchmark's one command
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from procs import REPO, Server, free_port  # noqa: E402

import fixtures  # noqa: E402

GOAL = 1.5
DIMENSIONS = {
    "instances": "instances per account, 26 vs 10,000",
    "dbusers": "databases and users per instance, 120 vs 10,000",
    "backups": "backups per account, 26 vs 10,000",
    "accounts": "accounts in the store, 1 vs 1,000",
    "journal": "the journal, fresh vs 200,000 answered requests",
    "chain": "restore: end of a chain of 100 incrementals vs a full backup",
}
HEADERS = {"X-Auth-Token": fixtures.TOKEN, "Accept": "application/json", "Content-Type": "application/json"}
V = "/v1.0/1234"


# the operations: each a function (seed, i) -> steps; a step is (label or None when untimed, method, path, body) ----
def get_instance(seed, i):
    return [("GET instance", "GET", f"{V}/instances/{seed['instances'][i % len(seed['instances'])]}", None)]


def list_first(seed, i):
    return [("list instances, first page", "GET", f"{V}/instances", None)]


def list_10(seed, i):
    return [("list instances ?limit=10", "GET", f"{V}/instances?limit=10", None)]


def database_cycle(seed, i):
    t = seed["target"]
    return [
        ("create database", "POST", f"{V}/instances/{t}/databases", {"databases": [{"name": f"bx{i:06d}"}]}),
        ("delete database", "DELETE", f"{V}/instances/{t}/databases/bx{i:06d}", None),
    ]


def list_databases(seed, i):
    return [("list databases", "GET", f"{V}/instances/{seed['target']}/databases", None)]


def user_cycle(seed, i):
    t = seed["target"]
    return [
        (
            "create user",
            "POST",
            f"{V}/instances/{t}/users",
            {"users": [{"name": f"bu{i:06d}", "password": "Bench-pass-1", "databases": []}]},
        ),
        ("delete user", "DELETE", f"{V}/instances/{t}/users/bu{i:06d}", None),
    ]


def list_users(seed, i):
    return [("list users", "GET", f"{V}/instances/{seed['target']}/users", None)]


def backup_cycle(seed, i):
    instance = seed["instances"][i % len(seed["instances"])]
    return [
        ("create backup", "POST", f"{V}/backups", {"backup": {"instance": instance, "name": f"bb{i:06d}"}}),
        ("GET backup (completes it)", "GET", f"{V}/backups/{{id}}", None),
        (None, "DELETE", f"{V}/backups/{{id}}", None),
    ]


def list_backups(seed, i):
    return [("list backups", "GET", f"{V}/backups", None)]


def list_backups_10(seed, i):
    """A page smaller than the default (both sides' first pages are full: scaling_server.py)."""
    return [("list backups ?limit=10", "GET", f"{V}/backups?limit=10", None)]


def get_backup(seed, i):
    return [("GET backup", "GET", f"{V}/backups/{seed['backups'][i % len(seed['backups'])]}", None)]


def journal_page(seed, i):
    return [("GET /_sim/journal?limit=20", "GET", "/_sim/journal?limit=20", None)]


def restore(seed, i):
    """Restore the target's newest backup (the chain's end, or its full backup) to a new instance."""
    body = {
        "instance": {
            "name": f"restored-{i:06d}",
            "flavorRef": 1,
            "volume": {"size": 2},
            "restorePoint": {"backupRef": seed["restore_from"]},
        }
    }
    return [
        ("restore POST", "POST", f"{V}/instances", body),
        (None, "GET", f"{V}/instances/{{id}}", None),  # settles the build
        (None, "DELETE", f"{V}/instances/{{id}}", None),
    ]


OPS = {
    "instances": [get_instance, list_first, list_10],
    "dbusers": [database_cycle, list_databases, user_cycle, list_users],
    "backups": [backup_cycle, list_backups, list_backups_10, get_backup, restore],
    "accounts": [get_instance, list_first, database_cycle],
    "journal": [get_instance, database_cycle, journal_page],
    "chain": [restore],
}


class Side:
    """One server and its keep-alive connection; times each request from sending to the last byte."""

    def __init__(self, name: str, server: Server, seed: dict) -> None:
        self.name, self.server, self.seed = name, server, seed
        self.conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        self.samples: dict[str, list[list[float]]] = {}  # label -> per round, the latencies
        self.spans: list[tuple[str, float, float]] = []  # (label, sent, last byte) of each timed request
        # how long this process and the server's main thread each sat in the kernel's run queue (ready to run,
        # waiting for a CPU: the machine's other load) during each timed request, and each latency less that
        self.queues = RunQueues.open(server.pid)
        self.waits: dict[tuple[str, float, float], tuple[float, float]] = {}  # span -> (this process, the server)
        self.unqueued: dict[str, list[list[float]]] = {}  # label -> per round, latency less both waits

    def run(self, steps, round_no: int | None) -> None:
        created = None
        for label, method, path, body in steps:
            if "{id}" in path:
                path = path.replace("{id}", created)
            data = json.dumps(body).encode() if body is not None else None
            timed = label is not None and round_no is not None
            before = self.queues.read() if self.queues and timed else None
            t0 = time.perf_counter()
            self.conn.request(method, path, body=data, headers=HEADERS)
            resp = self.conn.getresponse()
            raw = resp.read()
            elapsed = time.perf_counter() - t0
            after = self.queues.read() if before is not None else None
            if resp.status >= 300:
                raise RuntimeError(f"{self.name}: {method} {path} answered {resp.status}: {raw[:300]!r}")
            if method == "POST" and raw:
                doc = json.loads(raw)
                created = (doc.get("backup") or doc.get("instance") or {}).get("id", created)
            if timed:
                span = (label, t0, t0 + elapsed)
                self.spans.append(span)
                add(self.samples, label, round_no, elapsed)
                if before is not None and after is not None:
                    waits = self.waits[span] = (after[0] - before[0], after[1] - before[1])
                    add(self.unqueued, label, round_no, max(0.0, elapsed - sum(waits)))

    def close(self) -> None:
        self.conn.close()
        if self.queues:
            self.queues.close()


def add(rounds: dict[str, list[list[float]]], label: str, round_no: int, value: float) -> None:
    per_round = rounds.setdefault(label, [])
    while len(per_round) <= round_no:
        per_round.append([])
    per_round[round_no].append(value)


class RunQueues:
    """Time spent waiting in the run queue (schedstat's second field, ns; Linux) by this thread and a server's main
    thread: the part of a request's wall time that was neither side's work but the machine's other load. Each is
    read just before sending and just after the last byte. The driver's wait is all on the request's path (it
    waits for the answer blocked, not queued), and so is the server's until its answer is sent (a journal batch
    left from the previous request included: one thread serves); a server's wait after that, while the driver
    reads the answer, is not, so when both queued at once then, wall less both takes out a little more than the
    machine's share."""

    @classmethod
    def open(cls, server_pid: int) -> RunQueues | None:
        """None where the kernel keeps no schedstat (not Linux, or built without it)."""
        try:
            queues = cls(server_pid)
            queues.read()
            return queues
        except (OSError, ValueError, IndexError):
            return None

    def __init__(self, server_pid: int) -> None:
        self.fds = [
            os.open(f"/proc/{p}/task/{t}/schedstat", os.O_RDONLY)
            for p, t in ((os.getpid(), threading.get_native_id()), (server_pid, server_pid))
        ]

    def read(self) -> tuple[float, float]:
        driver, server = (int(os.pread(fd, 64, 0).split()[1]) / 1e9 for fd in self.fds)
        return driver, server

    def close(self) -> None:
        for fd in self.fds:
            os.close(fd)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def start(dimension: str, state: str, rundir: Path, args) -> tuple[Server, dict]:
    port = free_port()
    cmd = [
        sys.executable,
        str(HERE / "scaling_server.py"),
        "--dimension",
        dimension,
        "--size",
        state,
        "--db",
        str(rundir / f"{dimension}-{state}.db"),
        "--time-scale",
        "0",
        "--no-rate-limits",
        "--port",
        str(port),
        "--no-read-cache",
        *(["--trace", str(trace_path(rundir, dimension, state))] if args.trace else []),
        *args.server_arg,
    ]
    server = Server(f"scaling-{dimension}-{state}", cmd, port, rundir)
    try:
        seed = json.loads(server.wait_line("SEED", 600))
        server.wait_line("READY", 60)
    except BaseException:
        server.stop()
        raise
    return server, seed


def trace_path(rundir: Path, dimension: str, state: str) -> Path:
    return rundir / f"{dimension}-{state}.trace.json"


def explain(dimension: str, sides: list, rundir: Path, say) -> dict[str, list[list[float]]]:
    """--trace: what each server recorded during its slowest requests of each operation (scaling_trace.py); returns
    label -> [small, large] server CPU seconds of each timed request."""
    import scaling_trace

    cpu: dict[str, list[list[float]]] = {}
    for side in sides:
        events = [tuple(e) for e in json.loads(trace_path(rundir, dimension, side.name).read_text())]
        for label in side.samples:
            cpu.setdefault(label, []).append(
                scaling_trace.request_cpu([s for s in side.spans if s[0] == label], events)
            )
        say(f"    {side.name} server: {scaling_trace.summary(events)}")
        for label in side.samples:
            say(f"    {side.name}, {label}: the slowest requests and what the server did during each")
            spans = [s for s in side.spans if s[0] == label]
            for text in scaling_trace.explain(spans, events, side.waits):
                say(text)
    return cpu


def measure(dimension: str, rundir: Path, args, say) -> list[dict]:
    """Both states of one dimension, side by side; one row per operation."""
    small_server, small_seed = start(dimension, "small", rundir, args)
    with small_server:
        large_server, large_seed = start(dimension, "large", rundir, args)
        with large_server:
            say(
                f"  {DIMENSIONS[dimension]}: large state built in {large_seed['build_s']:.1f} s "
                f"(rows {large_seed['rows']}, journal seq {large_seed['journal_last_seq']:,})"
            )
            sides = [
                Side("small", small_server, small_seed),
                Side("large", large_server, large_seed),
            ]
            try:
                i = 0
                for op in OPS[dimension]:
                    for _ in range(args.warmup):  # untimed
                        for side in sides:
                            side.run(op(side.seed, i), None)
                        i += 1
                    for round_no in range(args.rounds):
                        for k in range(args.per_round):
                            for side in sides if (i + round_no) % 2 == 0 else sides[::-1]:
                                side.run(op(side.seed, i), round_no)
                            i += 1
            finally:
                for side in sides:
                    side.close()
    cpu = explain(dimension, sides, rundir, say) if args.trace else {}  # both servers have stopped: traces written
    rows = []
    for label, small_rounds in sides[0].samples.items():
        large_rounds = sides[1].samples[label]
        small_all = [x for r in small_rounds for x in r]
        large_all = [x for r in large_rounds for x in r]
        row = {"dimension": dimension, "operation": label, "n": len(small_all)}
        for q in (50, 99):
            s, g = pct(small_all, q), pct(large_all, q)
            row[f"small_p{q}_ms"], row[f"large_p{q}_ms"], row[f"p{q}_ratio"] = s * 1000, g * 1000, g / s
        per_round = [statistics.median(g) / statistics.median(s) for s, g in zip(small_rounds, large_rounds)]
        row["p50_round_ratios"] = [round(r, 3) for r in per_round]
        row["met_wall"] = row["p50_ratio"] <= GOAL and row["p99_ratio"] <= GOAL
        row["met"] = row["met_wall"]
        if label in sides[0].unqueued and label in sides[1].unqueued:  # wall less the waits for a CPU (RunQueues)
            for q in (50, 99):
                s, g = (pct([x for r in side.unqueued[label] for x in r], q) for side in sides)
                row[f"unq_small_p{q}_ms"], row[f"unq_large_p{q}_ms"], row[f"unq_p{q}_ratio"] = s * 1e3, g * 1e3, g / s
            row["met"] = row["met_wall"] or (row["unq_p50_ratio"] <= GOAL and row["unq_p99_ratio"] <= GOAL)
        if label in cpu and all(cpu[label]):  # --trace: each server's own CPU per request (no waiting in it)
            for q in (50, 99):
                s, g = pct(cpu[label][0], q), pct(cpu[label][1], q)
                row[f"cpu_small_p{q}_ms"], row[f"cpu_large_p{q}_ms"], row[f"cpu_p{q}_ratio"] = s * 1e3, g * 1e3, g / s
        if dimension == "chain":  # the issue lets a chain restore grow with its links (never with other backups)
            links = large_seed["rows"]["backups"] - small_seed["rows"]["backups"]
            row["met"], row["per_link_us"] = None, (row["large_p50_ms"] - row["small_p50_ms"]) * 1000 / links
        rows.append(row)
        say(line(row))
        for key, what in (("unq", "less waits for a CPU"), ("cpu", "server CPU per request")):
            if f"{key}_p50_ratio" in row:
                say(
                    f"    {'':<9} {'  ' + what:<28} p50 {row[f'{key}_small_p50_ms']:7.2f} -> "
                    f"{row[f'{key}_large_p50_ms']:7.2f} ms x{row[f'{key}_p50_ratio']:5.2f}{'':18}p99 "
                    f"{row[f'{key}_small_p99_ms']:7.2f} -> {row[f'{key}_large_p99_ms']:7.2f} ms x{row[f'{key}_p99_ratio']:5.2f}"
                )
    return rows


def line(row: dict) -> str:
    spread = row["p50_round_ratios"]
    verdict = "MET" if row["met"] else "NOT MET"
    if row["met"] and not row.get("met_wall", True):
        verdict = f"MET less the waits for a CPU (x{row['unq_p50_ratio']:.2f} / x{row['unq_p99_ratio']:.2f})"
    if row["met"] is None:
        verdict = f"may grow with the links: {row['per_link_us']:.0f} us per link at p50"
    return (
        f"    {row['dimension']:<9} {row['operation']:<28} p50 {row['small_p50_ms']:7.2f} -> {row['large_p50_ms']:7.2f} ms "
        f"x{row['p50_ratio']:5.2f} (rounds {min(spread):.2f}-{max(spread):.2f})   p99 {row['small_p99_ms']:7.2f} "
        f"-> {row['large_p99_ms']:7.2f} ms x{row['p99_ratio']:5.2f}   "
        + (f"goal <= {GOAL}x: {verdict}" if row["met"] is not None else verdict)
    )


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def commit() -> str:
    done = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def run(args, say=print) -> dict:
    rundir = Path(tempfile.mkdtemp(prefix="scaling-", dir=args.cache))
    only = args.dimensions.split(",") if args.dimensions else list(DIMENSIONS)
    unknown = set(only) - set(DIMENSIONS)
    if unknown:
        raise SystemExit(f"unknown dimension(s): {', '.join(sorted(unknown))}; known: {', '.join(DIMENSIONS)}")
    t0 = time.perf_counter()
    out = {"commit": commit(), "load_start": loadavg(), "rounds": args.rounds, "per_round": args.per_round, "rows": []}
    say(
        f"scaling (issue 25) at {out['commit']}, load average {out['load_start']}; {args.rounds} rounds x "
        f"{args.per_round} sequences per operation and side, alternating; ratio = large / small, goal <= {GOAL}x"
    )
    for dimension in only:
        out["rows"] += measure(dimension, rundir, args, say)
    out["load_end"], out["seconds"] = loadavg(), round(time.perf_counter() - t0, 1)
    judged = [r for r in out["rows"] if r["met"] is not None]
    met, by_wall = sum(r["met"] for r in judged), sum(r["met_wall"] for r in judged)
    say(
        f"  {met} of {len(judged)} operations within {GOAL}x at p50 and p99 ({by_wall} by the wall alone, "
        f"{met - by_wall} once the time the driver and the server waited for a CPU is taken out); load average "
        f"{out['load_end']} at the end; {out['seconds']:.0f} s"
    )
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dimensions", help=f"comma-separated subset of: {','.join(DIMENSIONS)} (all)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per operation (5); the spread is over rounds")
    parser.add_argument("--per-round", type=int, default=100, help="request sequences per round and side (100)")
    parser.add_argument("--trace", action="store_true", help="explain the slowest requests (scaling_trace.py)")
    parser.add_argument("--server-arg", action="append", default=[], help="one more option for both servers")
    parser.add_argument("--scaling-warmup", dest="warmup", type=int, default=20, help="untimed sequences first (20)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("CDBSIM_BENCH_CACHE", "/tmp/cdbsim-bench")))
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    add_arguments(parser)
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    import atexit

    from procs import stop_all

    atexit.register(stop_all)
    out = run(args)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
