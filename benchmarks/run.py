#!/usr/bin/env python3
"""cdbsim's benchmark: one command that measures cdbsim against the physical limit and against its peers.

    python3 benchmarks/run.py            # full run (about 5-8 minutes; first run also installs moto and WireMock)
    python3 benchmarks/run.py --quick    # short run (fewer requests, fewer repetitions)

On loopback, one after another: (a) a bare aiohttp server answering the seed's instance JSON from memory (the
physical limit), (b) cdbsim, (c) cdbsim replaying recordings of 100 and 100,000 interactions, (d) moto's server
answering RDS DescribeDBInstances, (e) WireMock standalone serving the same instance JSON as a stub. Each is driven
by the same load from a separate load-generator process; then cdbsim-only scenarios (list on a 10,000-instance
account, the seed's restore POST, `cdbsim serve` start to first answer, the pytest fixture's per-test reset, resident
memory with 10,000 instances and 50,000 backups). It prints requests/s, p50 and p99 latency, each as a ratio to (a),
and issue 7's targets with MET / NOT MET. It never fails on timing; a peer or feature that is missing is reported
as "not available: <why>", never as a number.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_CACHE = Path(os.environ.get("CDBSIM_BENCH_CACHE", "/tmp/cdbsim-bench"))


def bootstrap(cache: Path) -> None:
    """Make sure this interpreter can import this clone's simulator; else build a venv in the cache and re-run."""
    sys.path[:0] = [str(REPO), str(HERE)]
    try:
        import simulator.app  # noqa: F401  (pulls in aiohttp, sqlite-utils, jsonschema, yaml...)

        return
    except ImportError as exc:
        missing = exc
    if os.environ.get("CDBSIM_BENCH_BOOTSTRAPPED"):
        raise SystemExit(f"benchmarks: cannot import the simulator even in {sys.executable}: {missing}")
    venv = cache / "cdbsim-venv"
    python = venv / "bin" / "python"
    ready = (
        python.exists()
        and subprocess.run(
            [str(python), "-c", "import simulator.app, pytest, troveclient, xdist"],
            env=dict(os.environ, PYTHONPATH=str(REPO)),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ).returncode
        == 0
    )
    steps = []
    if not ready:
        print(f"benchmarks: {missing}; installing this clone into {venv} (first run only)...", flush=True)
        if not python.exists():
            steps.append([sys.executable, "-m", "venv", str(venv)])
        # with the test extra: the suite's run (`tests`), the per-test reset and vs_moto's user test (the plugin with
        # python-troveclient) need it
        steps.append(
            [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-e", f"{REPO}[test]"]
        )
    for cmd in steps:
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if done.returncode != 0:
            raise SystemExit(f"benchmarks: {' '.join(cmd[:4])}... failed:\n{done.stdout[-2000:]}")
    env = dict(os.environ, CDBSIM_BENCH_BOOTSTRAPPED="1")
    os.execve(str(python), [str(python), str(Path(__file__).resolve()), *sys.argv[1:]], env)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short run: fewer requests and repetitions")
    parser.add_argument("--connections", type=int, default=32, help="concurrent keep-alive connections (32)")
    parser.add_argument("--requests", type=int, help="timed requests per load (20000; --quick 3000)")
    parser.add_argument("--warmup", type=int, help="warm-up requests before each timed load (2000; --quick 500)")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=60.0,
        help="cap on one timed load; a slower target reports the requests it completed (60)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        help="run each fast load this many times and keep the best (3; --quick 1): the machine may "
        "be shared, and the least disturbed run is the one that says what the code can do",
    )
    parser.add_argument(
        "--only",
        help="comma-separated subset of: bare,cdbsim,dashboard,replay,moto,wiremock,list,"
        "restore,startup,reset,memory,tests,scaling,vs_moto,instructions (only by name)",
    )
    parser.add_argument("--skip-peers", action="store_true", help="do not install or run moto and WireMock")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also sample cdbsim under the GET-instance load with py-spy and print the hot spots",
    )
    parser.add_argument("--instances", type=int, default=10000, help="instances of the list/memory account")
    parser.add_argument("--backups", type=int, default=50000, help="backups of the memory account")
    parser.add_argument(
        "--cache",
        type=Path,
        default=DEFAULT_CACHE,
        help=f"where peers, venvs and run files go (default {DEFAULT_CACHE}, or $CDBSIM_BENCH_CACHE)",
    )
    parser.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    import scaling  # issue 25's state-size ratios: --only scaling, with their own options
    import vs_moto  # issue 25's user test with cdbsim and with moto: --only vs_moto

    scaling.add_arguments(parser)
    vs_moto.add_arguments(parser)
    args = parser.parse_args(argv)
    args.repeat = args.repeat or (1 if args.quick else 3)
    args.requests = args.requests or (3000 if args.quick else 20000)
    args.warmup = args.warmup if args.warmup is not None else (500 if args.quick else 2000)
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    bootstrap(args.cache)
    import atexit
    import signal

    from procs import stop_all
    from suite import Suite

    atexit.register(stop_all)  # every server this run started ends with it, however it ends
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGHUP, lambda *_: sys.exit(129))
    return Suite(args).run()


if __name__ == "__main__":
    sys.exit(main())
