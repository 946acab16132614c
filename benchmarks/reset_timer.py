"""Times the pytest plugin's per-test reset (simulator.testing.reset_cycle, what the fixture does), in its own process.

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
        from simulator.testing import CdbsimSession, reset_cycle
    except ImportError as exc:
        return unavailable(f"simulator.testing has no reset_cycle(session) / CdbsimSession: {exc}")
    # As reset_cycle documents it: with CdbsimSession.start() as s: timeit(lambda: reset_cycle(s)).
    with CdbsimSession.start() as session:
        for _ in range(args.warmup):
            reset_cycle(session)
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            reset_cycle(session)
            times.append(time.perf_counter() - t0)
    times.sort()
    print(
        json.dumps(
            {
                "function": "simulator.testing.reset_cycle(CdbsimSession.start())",
                "repeat": args.repeat,
                "median_ms": statistics.median(times) * 1000,
                "p99_ms": times[min(len(times) - 1, int(0.99 * len(times)))] * 1000,
                "max_ms": times[-1] * 1000,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
