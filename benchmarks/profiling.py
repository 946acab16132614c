"""py-spy on the cdbsim server under the GET-instance load: where the CPU goes, by package and by function."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from procs import Unavailable, child_env

HERE = Path(__file__).resolve().parent
GROUPS = (
    ("simulator/", "simulator"),
    ("aiohttp/", "aiohttp"),
    ("sqlite_utils/", "sqlite-utils"),
    ("jsonschema/", "jsonschema"),
    ("asyncio/", "asyncio"),
    ("json/", "json"),
    ("multidict/", "multidict"),
    ("yarl/", "yarl"),
)


#: Frames that hold every sample (the command and the server loop), not work done for a request.
ENTRY_FILES = ("simulator/serve/cli.py", "simulator/__main__.py", "sim_server.py")


def ensure_py_spy(cache: Path, log=print) -> str:
    """py-spy from PATH, beside this interpreter, or a tools venv in the cache (installed on first use)."""
    for candidate in (
        shutil.which("py-spy"),
        str(Path(sys.executable).parent / "py-spy"),
        str(cache / "tools-venv" / "bin" / "py-spy"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    venv = cache / "tools-venv"
    log(f"  installing py-spy into {venv} (first run only)...")
    for cmd in (
        [sys.executable, "-m", "venv", str(venv)],
        [str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", "py-spy"],
    ):
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise Unavailable(f"cannot install py-spy: {done.stdout.strip()[-200:]} {done.stderr.strip()[-200:]}")
    return str(venv / "bin" / "py-spy")


def frame_file(frame: str) -> str:
    """'func (path/file.py:12)' -> 'path/file.py'."""
    inside = frame.rsplit("(", 1)[-1].rstrip(")")
    return inside.rsplit(":", 1)[0]


def group_of(frame: str) -> str:
    path = frame_file(frame)
    for marker, name in GROUPS:
        if marker in path:
            return name
    if path.startswith("<") or "/" not in path:
        return "other"
    return "stdlib/other"


def analyse(raw: str, top: int = 12) -> dict:
    """Inclusive and self samples per function, self samples per package, from py-spy's collapsed stacks."""
    inclusive, own, groups, innermost = Counter(), Counter(), Counter(), Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        own[frames[-1]] += n
        groups[group_of(frames[-1])] += n
        for frame in set(frames):
            inclusive[frame] += n
        # the simulator code on whose behalf this sample ran (its own time plus the library calls it made)
        ours = [f for f in frames if "simulator/" in frame_file(f) and not frame_file(f).endswith(ENTRY_FILES)]
        innermost[ours[-1] if ours else "(no simulator/ frame: aiohttp, asyncio, the event loop)"] += n
    if not total:
        raise Unavailable("py-spy collected no samples")
    # entry frames (cli, __main__, run_server) hold nearly every sample and say nothing
    sim_incl = [
        (f, n)
        for f, n in inclusive.most_common()
        if "simulator/" in frame_file(f) and not frame_file(f).endswith(ENTRY_FILES)
    ][:top]
    sim_self = [(f, n) for f, n in own.most_common() if "simulator/" in frame_file(f)][:top]
    return {
        "samples": total,
        "groups": groups.most_common(),
        "simulator_inclusive": sim_incl,
        "simulator_self": sim_self,
        "self_overall": own.most_common(top),
        "innermost_simulator": innermost.most_common(top),
    }


def render(result: dict) -> list[str]:
    total = result["samples"]
    pct = lambda n: f"{100 * n / total:5.1f}%"  # noqa: E731
    lines = [
        f"  {total} samples of the busy server thread; self time by package: "
        + ", ".join(f"{name} {100 * n / total:.0f}%" for name, n in result["groups"])
    ]
    lines.append("  samples by innermost simulator/ function (its own time plus the library calls it made):")
    lines += [f"    {pct(n)}  {f}" for f, n in result["innermost_simulator"]]
    lines.append("  simulator/ functions by inclusive time (the function and everything below it):")
    lines += [f"    {pct(n)}  {f}" for f, n in result["simulator_inclusive"]]
    lines.append("  functions by self time (anywhere):")
    lines += [f"    {pct(n)}  {f}" for f, n in result["self_overall"]]
    return lines


def profile(suite, server, requests: list[dict], seconds: float = 12.0) -> dict:
    """Sample server with py-spy while the load generator sends requests for `seconds`."""
    exe = ensure_py_spy(suite.args.cache, log=suite.say)
    out = suite.rundir / "profile.txt"
    spy = subprocess.Popen(
        [
            exe,
            "record",
            "--pid",
            str(server.pid),
            "--rate",
            "200",
            "--duration",
            str(int(seconds)),
            "--format",
            "raw",
            "--function",
            "--nonblocking",
            "--output",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    spec = suite.rundir / "profile.spec.json"
    spec.write_text(json.dumps({"requests": requests, "expect": [200]}))
    subprocess.run(
        [
            sys.executable,
            str(HERE / "loadgen.py"),
            "--port",
            str(server.port),
            "--spec",
            str(spec),
            "--connections",
            str(suite.args.connections),
            "--requests",
            "100000000",
            "--warmup",
            "0",
            "--max-seconds",
            str(seconds + 1),
        ],
        stdout=subprocess.PIPE,
        env=child_env(),
        timeout=seconds + 120,
    )
    output, _ = spy.communicate(timeout=120)
    if spy.returncode != 0 or not out.exists():
        raise Unavailable(f"py-spy failed ({spy.returncode}): {output.strip()[-300:]}")
    result = analyse(out.read_text())
    result["lines"] = render(result)
    for line in result["lines"]:
        suite.say(line)
    return result
