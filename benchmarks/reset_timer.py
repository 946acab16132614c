"""Times the pytest plugin's per-test reset (the function simulator/pytest_plugin.py exposes), in its own process.

Prints one JSON object: median and p99 milliseconds over --repeat resets of a simulator that a test has used, or
{"unavailable": why} when the plugin has no reset to time yet.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time


def unavailable(why: str) -> int:
    print(json.dumps({"unavailable": why}))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args()
    try:
        import simulator.pytest_plugin as plugin
    except ImportError as exc:
        return unavailable(f"simulator.pytest_plugin cannot be imported: {exc}")
    reset_cycle = getattr(plugin, "reset_cycle", None)
    session_cls = getattr(plugin, "CdbsimSession", None)
    if reset_cycle is None or session_cls is None:
        others = [n for n in dir(plugin) if "reset" in n.lower()]
        return unavailable("simulator/pytest_plugin.py exposes no reset_cycle(session) / CdbsimSession yet"
                           + (f" (it has {', '.join(others)})" if others else ""))
    # As the plugin documents it: with CdbsimSession.start() as s: timeit(lambda: reset_cycle(s)).
    with session_cls.start() as session:
        for _ in range(args.warmup):
            reset_cycle(session)
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            reset_cycle(session)
            times.append(time.perf_counter() - t0)
    times.sort()
    print(json.dumps({"function": "simulator.pytest_plugin.reset_cycle(CdbsimSession.start())",
                      "repeat": args.repeat, "median_ms": statistics.median(times) * 1000,
                      "p99_ms": times[min(len(times) - 1, int(0.99 * len(times)))] * 1000,
                      "max_ms": times[-1] * 1000}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
