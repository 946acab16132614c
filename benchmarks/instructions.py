"""Issue 25: user-space instructions per GET instance, counted by valgrind's callgrind (`--only instructions`).

Wall-clock figures on a shared machine move with every other process; an instruction count does not. Each target
(the bare aiohttp server of (a), cdbsim with --quiet, cdbsim with its request log on, and that with the journal at
its row limit, as in any run past 10,000 requests) runs in one process with an
in-process client (a keep-alive stdlib asyncio client, 8 connections), once with FEW and once with MANY requests;
the difference divided by MANY - FEW is the instructions per request, start-up excluded. A raw asyncio server that
answers the same bytes without aiohttp gives the client's own share, which is taken off every target, so the
ratio compares the servers alone. Kernel time (the socket calls, the same for every target) is not counted: the
wall-clock ratio is the count's ratio pulled toward 1 by it.

    python3 benchmarks/run.py --only instructions      # about 4-8 minutes; needs valgrind
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FEW, MANY = 400, 2400
TARGETS = (
    ("client", "the in-process client alone (a raw asyncio server)"),
    ("bare", "(a) bare aiohttp, instance JSON"),
    ("cdbsim", "(b) cdbsim GET instance, --quiet"),
    ("cdbsim-log", "(b) cdbsim GET instance, request log on (the default)"),
    ("cdbsim-full", "(b) the same, the journal at its limit (each entry also pruned)"),
)


class Unavailable(Exception):
    pass


def _env(cache: str | None) -> dict:
    # one hash seed for every run: with a random one, start-up's count moves by tens of millions between the FEW and
    # the MANY run (dict and set layouts), ~10 k of the difference per request
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE.parent), str(HERE)]), PYTHONHASHSEED="0")
    if cache is not None:
        env["CDBSIM_CACHE_DIR"] = cache
    return env


def warm(target: str, cache: str | None = None) -> None:
    """One short run of target without valgrind: the bytecode caches and the schema cache file (repos/template.py)
    written before the counted runs, so neither of the two pays for writing them."""
    command = [sys.executable, str(HERE / "instructions_target.py"), target, "16"]
    subprocess.run(command, env=_env(cache), capture_output=True, timeout=300)  # the request log's lines, unread


def count(target: str, requests: int, cache: str | None = None) -> int:
    """Instructions callgrind collected for one in-process run of `requests` GETs against target (cache: the schema
    cache folder, repos/template.py)."""
    done = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            str(HERE / "instructions_target.py"),
            target,
            str(requests),
        ],
        capture_output=True,
        text=True,
        env=_env(cache),
        timeout=900,
    )
    found = re.search(r"Collected : ([\d,]+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise Unavailable(f"{target}: {done.stderr.strip().splitlines()[-1:] or done.returncode}")
    return int(found.group(1).replace(",", ""))


def run(args, say=print) -> dict:
    if shutil.which("valgrind") is None:
        raise Unavailable("valgrind is not installed")
    per_request = {}
    # a schema cache folder of this run's own: the shared one keeps the newest 8 schema files, so other checkouts'
    # runs could evict this one's between the FEW and the MANY run, and a run that rebuilds it counts ~40 k more a
    # request (seen: a --quiet GET at 381 k one run, 340 k the next)
    with tempfile.TemporaryDirectory(prefix="cdbsim-instructions-") as cache:
        for target, _ in TARGETS:
            per_request[target] = per_request_of(target, FEW, MANY, cache)
    client = per_request["client"]
    servers = {t: per_request[t] - client for t, _ in TARGETS if t != "client"}
    say("  user-space instructions per GET (callgrind; the client's share taken off):")
    for target, label in TARGETS[1:]:
        ratio = servers["bare"] / servers[target]
        say(f"    {label:<56} {servers[target] / 1000:7.1f} k   (a)/this {ratio:.3f}")
    say(f"    {'the client, taken off each':<56} {client / 1000:7.1f} k")
    log_cost = servers["cdbsim-log"] / servers["cdbsim"] - 1
    say(f"    the request log's cost: {100 * log_cost:+.1f} % of cdbsim's instructions per GET")
    return {"client": client, **servers, "log_cost": log_cost}


def per_request_of(target: str, few: int, many: int, cache: str) -> float:
    """Instructions per request of one target (start-up excluded): the difference of two runs over many - few, after
    a run that writes the caches they read (warm)."""
    warm(target, cache)
    return (count(target, many, cache) - count(target, few, cache)) / (many - few)


if __name__ == "__main__":
    # One target by hand, e.g. the seed's restore POST:  python3 benchmarks/instructions.py cdbsim-restore 80 400
    name, few_n, many_n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    with tempfile.TemporaryDirectory(prefix="cdbsim-instructions-") as folder:
        per = per_request_of(name, few_n, many_n, folder)
    print(f"{name}: {per / 1000:.1f} k instructions per request (client included)")
