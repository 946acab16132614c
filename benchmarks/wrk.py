"""wrk, the second load generator: found on PATH or installed with apt-get (Debian's package), run, its output read.

wrk -t1 -cC -dDs --latency on one keep-alive URL with the request's headers; its figures become a load result of
the same shape as loadgen.py's (rps, p50/p99, statuses), so the report treats both alike.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

from procs import Unavailable

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def find_or_install(log) -> str:
    """The wrk executable; when it is missing, `apt-get install -y wrk` (after `apt-get update` if needed)."""
    found = shutil.which("wrk")
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        raise Unavailable(
            "wrk is not installed (Debian package `wrk`; this run cannot apt-get it: "
            + ("no apt-get)" if apt is None else "not root)")
        )
    log("  installing wrk with apt-get (Debian package `wrk`)...")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for step in ([apt, "install", "-y", "-q", "wrk"], [apt, "update", "-q"], [apt, "install", "-y", "-q", "wrk"]):
        done = subprocess.run(step, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, timeout=600)
        if done.returncode == 0 and step[1] == "install" and shutil.which("wrk"):
            return shutil.which("wrk") or "wrk"
    raise Unavailable(f"apt-get could not install wrk: {done.stdout.strip().splitlines()[-1:]}")


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse(output: str, seconds: float) -> dict:
    """wrk's --latency output as a load result (rps, p50/p99 ms, requests, statuses)."""
    rps = re.search(r"Requests/sec:\s*([\d.]+)", output)
    total = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    if rps is None or total is None:
        raise Unavailable(f"cannot read wrk's output: {output.strip()[-300:]!r}")
    latency = dict(re.findall(r"^\s+(50|90|99)%\s+([\d.]+(?:us|ms|s|m))\s*$", output, re.M))
    bad = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    requests = int(total.group(1))
    non_ok = int(bad.group(1)) if bad else 0
    return {
        "requests": requests,
        "ok": requests - non_ok,
        "rps": float(rps.group(1)),
        "wall_s": _ms(total.group(2) + total.group(3)) / 1000 if total else seconds,
        "p50_ms": _ms(latency["50"]) if "50" in latency else 0.0,
        "p90_ms": _ms(latency["90"]) if "90" in latency else 0.0,
        "p99_ms": _ms(latency["99"]) if "99" in latency else 0.0,
        "statuses": {"2xx/3xx": requests - non_ok, **({"other": non_ok} if non_ok else {})},
        "errors": (
            {k: int(v) for k, v in zip(("connect", "read", "write", "timeout"), errors.groups(), strict=True) if int(v)}
            if errors
            else {}
        ),
        "timed_out": False,
        "sample": "",
        "client": "wrk",
    }


def command(
    exe: str, port: int, path: str, headers: dict, *, seconds: float, connections: int, threads: int = 1
) -> list[str]:
    """wrk on one URL: threads, connections, duration, the headers, latency percentiles."""
    cmd = [exe, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    return [*cmd, f"http://127.0.0.1:{port}{path}"]
