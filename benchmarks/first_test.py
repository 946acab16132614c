"""What cdbsim adds to a one-test pytest session before its test runs (issue 25, session 6).

vs_moto's SESSION_START times `import simulator.testing` + `CdbsimSession.start()` in a plain interpreter. A pytest
session differs: pytest imports the plugin's whole distribution through its assertion-rewriting hook (until
session 6 every cdbsim module went through it), and pytest-aiohttp (cdbsim's test extra) has imported aiohttp
before any test asks for cdbsim. So this times the real thing: a fresh `pytest` process on a file holding one test
that takes the `cdbsim` fixture, against the same file whose test takes nothing, alternated; from launching the
process to the start of the test's call (a conftest hook writes the time and the process's CPU time), and the
whole process. The difference of the medians is what the plugin costs the session before its first test.

    python3 benchmarks/first_test.py --repeat 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from procs import Unavailable, child_env  # noqa: E402

CONFTEST = """
import json, os, time


def pytest_runtest_call(item):
    with open(os.environ["FIRST_TEST_MARK"], "w") as f:
        json.dump({"at": time.time(), "cpu_ms": time.process_time() * 1000}, f)
"""

FILES = {
    "with": "def test_one(cdbsim):\n    assert cdbsim.url\n",
    "without": "def test_one():\n    assert True\n",
}


def one_run(folder: Path, which: str, env: dict) -> dict:
    """One fresh pytest process on the file `which`: ms to the test's call (wall, CPU) and ms in all."""
    mark = folder / "mark.json"
    mark.unlink(missing_ok=True)
    env = dict(env, FIRST_TEST_MARK=str(mark))
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", f"test_{which}.py"]
    t0 = time.time()
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=300)
    total = time.time() - t0
    if done.returncode != 0 or not mark.exists():
        raise Unavailable(f"pytest test_{which}.py failed: {done.stdout[-800:]}{done.stderr[-300:]}")
    at = json.loads(mark.read_text())
    return {"to_call_ms": (at["at"] - t0) * 1000, "cpu_ms": at["cpu_ms"], "total_ms": total * 1000}


def measure(repeat: int, env: dict, folder: Path | None = None) -> dict:
    """The with / without files alternated repeat times (after one untimed round that writes any bytecode)."""
    folder = folder or Path(tempfile.mkdtemp(prefix="first-test-"))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "conftest.py").write_text(CONFTEST)
    for which, source in FILES.items():
        (folder / f"test_{which}.py").write_text(source)
    runs: dict[str, list[dict]] = {"with": [], "without": []}
    for i in range(repeat + 1):
        order = ("with", "without") if i % 2 == 0 else ("without", "with")
        for which in order:
            run = one_run(folder, which, env)
            if i:
                runs[which].append(run)
    out: dict = {"runs": runs}
    for key in ("to_call_ms", "cpu_ms", "total_ms"):
        for which in runs:
            out[f"{which}_{key}"] = statistics.median(r[key] for r in runs[which])
        out[f"cost_{key}"] = out[f"with_{key}"] - out[f"without_{key}"]
    return out


def line(out: dict, how: str) -> str:
    return (
        f"    a one-test pytest session, {how}: launch to the test's call {out['with_to_call_ms']:.0f} ms with the "
        f"cdbsim fixture, {out['without_to_call_ms']:.0f} ms without: cdbsim adds {out['cost_to_call_ms']:.0f} ms "
        f"wall, {out['cost_cpu_ms']:.0f} ms CPU before its first test ({out['cost_total_ms']:.0f} ms to the end)"
    )


def cached_env(cache: Path) -> dict:
    """The environment with compiled bytecode kept in the cache (as an installed cdbsim has it)."""
    env = child_env({"PYTHONPYCACHEPREFIX": str(cache / "pycache")})
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=Path(os.environ.get("CDBSIM_BENCH_CACHE", "/tmp/cdbsim-bench")))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    args.cache.mkdir(parents=True, exist_ok=True)
    print(line(measure(args.repeat, child_env()), "this environment as it is"))
    print(line(measure(args.repeat, cached_env(args.cache)), "bytecode cached"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
