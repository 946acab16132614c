"""GET instance against the bare aiohttp server in alternating pairs (issue 25, session 8).

run.py's (a) and (b) rows run each server's loads one after the other and keep each side's best run, so a slow
phase of the shared machine that falls on one side only moves the ratio (the bare server's own rate moved 23.5 k -
30.2 k req/s between runs of one hour). Here both servers run at once and the loads alternate, bare then cdbsim, then
cdbsim then bare, pairs times; each pair's ratio is cdbsim's rate over the neighbouring bare rate, and the median of
the pairs is printed with their spread. The same load generator, connections and request counts as run.py.

    python3 benchmarks/get_pairs.py --pairs 7            # the load generator
    python3 benchmarks/get_pairs.py --pairs 7 --quiet    # cdbsim with --quiet (no request log)
    python3 benchmarks/get_pairs.py --pairs 7 --pin      # each server on CPU 0, the load generator on CPU 1

--pin (Linux, 2 CPUs or more): unpinned, the bare server's rate came in two bands (21-22 k and 30-31 k req/s in one
run of session 9; likely the scheduler putting the server and the load generator on one CPU or on two, not checked);
pinned the same way for both sides, the bare server moved 26.0-32.3 k in the next run and the median did not move
(0.489 x and 0.485 x pinned, 0.481 x and 0.475 x not).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from procs import Server, free_port, stop_all  # noqa: E402
from run import parse_args  # noqa: E402
from suite import AUTH, Suite  # noqa: E402

GOAL = 0.5


def pairs(suite: Suite, count: int, quiet: bool) -> list[tuple[float, float]]:
    """(bare req/s, cdbsim req/s) of each pair, alternating which goes first."""
    port = free_port()
    bare = Server("bare", [sys.executable, str(HERE / "bare_server.py"), "--port", str(port)], port, suite.rundir)
    with bare:
        bare.wait_line("READY", 30)
        sim, instance_id = suite.start_cdbsim("cdbsim", *(["--quiet"] if quiet else []))
        with sim:
            own = f"/v1.0/1234/instances/{instance_id}"
            sides = {
                "bare": (bare, [{"method": "GET", "path": suite.seed_path, "headers": dict(AUTH)}]),
                "cdbsim": (sim, [{"method": "GET", "path": own, "headers": dict(AUTH)}]),
            }
            out = []
            for i in range(count):
                rates = {}
                for key in ("bare", "cdbsim") if i % 2 == 0 else ("cdbsim", "bare"):
                    server, requests = sides[key]
                    result = suite.load(key, f"pair {i + 1}: {key}", server, requests)
                    rates[key] = result["rps"]
                out.append((rates["bare"], rates["cdbsim"]))
    return out


def pin_cpus(suite_class: type[Suite]) -> None:
    """Every load's server (all its threads, and its children's: the bare server runs its loop in one) on CPU 0 and
    the load generator on CPU 1, the same for both sides."""
    one_load = suite_class._one_load

    def pinned(self: Suite, cmd: list[str], server) -> dict:
        pids = [server.pid, *map(int, Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split())]
        for pid in pids:
            for tid in os.listdir(f"/proc/{pid}/task"):
                os.sched_setaffinity(int(tid), {0})
        return one_load(self, ["taskset", "-c", "1", *cmd], server)

    suite_class._one_load = pinned  # type: ignore[method-assign]


def main() -> int:
    argv = sys.argv[1:]
    count = 7
    quiet, pin = "--quiet" in argv, "--pin" in argv
    argv = [a for a in argv if a not in ("--quiet", "--pin")]
    if pin:
        pin_cpus(Suite)
    if "--pairs" in argv:
        at = argv.index("--pairs")
        count = int(argv[at + 1])
        del argv[at : at + 2]
    args = parse_args([*argv, "--only", "bare,cdbsim", "--repeat", "1"])
    args.cache.mkdir(parents=True, exist_ok=True)
    suite = Suite(args)
    try:
        measured = pairs(suite, count, quiet)
    finally:
        stop_all()
    ratios = [sim / bare for bare, sim in measured]
    median = statistics.median(ratios)
    verdict = "MET" if median >= GOAL else "NOT MET"
    print(
        f"GET instance / bare aiohttp, {count} alternating pairs{' (--quiet)' if quiet else ''}"
        f"{' (pinned: servers on CPU 0, load on CPU 1)' if pin else ''}: median "
        f"x{median:.3f} (pairs {min(ratios):.3f}-{max(ratios):.3f}; bare {min(b for b, _ in measured):,.0f}-"
        f"{max(b for b, _ in measured):,.0f} req/s, cdbsim {min(s for _, s in measured):,.0f}-"
        f"{max(s for _, s in measured):,.0f})   goal >= {GOAL} x: {verdict}"
    )
    print(json.dumps({"pairs": [[round(b), round(s)] for b, s in measured], "ratios": [round(r, 3) for r in ratios]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
