"""CI: the built wheel works on its own: installed into a fresh venv outside the checkout, it serves a shipped
scenario by name and its pytest plugin loads one (`python .ci/wheel_smoke.py`; about 20-40 s, registry access)."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCENARIO = "restore_over_limit"
#: What the checkout holds that a build must not see (virtual environments, old build trees, caches).
NOT_SOURCES = (".git", ".venv", "build", "dist", "*.egg-info", ".hypothesis", ".pytest_cache", "__pycache__")

PLUGIN_TEST = f'''
import pytest

RESTORE = {{"instance": {{"flavorRef": 1, "name": "r", "volume": {{"size": 2}},
                          "restorePoint": {{"backupRef": "61f12fef-edb1-4561-8122-e7c00ef26a82"}}}}}}


@pytest.mark.cdbsim(scenario="{SCENARIO}")
def test_the_marker_loads_a_shipped_scenario_by_name(cdbsim):
    assert [s["name"] for s in cdbsim.scenarios()] == ["{SCENARIO}"]
    answer = cdbsim.call("POST", "instances", json=RESTORE)
    assert answer.status == 413 and "overLimit" in answer.body
'''


def step(message: str) -> None:
    print(f"wheel smoke: {message}", flush=True)


def run(*command: str | Path, cwd: Path, env: dict[str, str]) -> str:
    """Run a command; its output, or exit with the output shown when it fails."""
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        sys.exit(f"wheel smoke: {' '.join(map(str, command))} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def outside_env(venv: Path) -> dict[str, str]:
    """The environment of a user of the wheel: its venv first on PATH, nothing pointing into the checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and not p.startswith(str(REPO))]
    env["PATH"] = os.pathsep.join([str(venv / "bin"), *path])
    return env


def build_and_install(work: Path) -> tuple[Path, dict[str, str]]:
    """The wheel built from a clean copy of the checkout (symbolic links kept), installed into a fresh venv."""
    source = work / "src"
    shutil.copytree(REPO, source, symlinks=True, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    started = time.monotonic()
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--disable-pip-version-check", "-w", work / "dist",
        source, cwd=work, env=dict(os.environ))
    wheel = next((work / "dist").glob("cdbsim-*.whl"))
    step(f"built {wheel.name} ({time.monotonic() - started:.0f} s)")
    venv = work / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=work, env=dict(os.environ))
    env = outside_env(venv)
    built = time.monotonic()
    run(venv / "bin" / "python", "-m", "pip", "install", "-q", "--no-compile", "--disable-pip-version-check", wheel,
        "pytest", "pytest-asyncio", cwd=work, env=env)
    step(f"installed {wheel.name} into {venv} ({time.monotonic() - built:.0f} s)")
    return venv, env


def check_installed_copy(venv: Path, env: dict[str, str], work: Path) -> None:
    """The package imported outside the checkout is the wheel's, and it holds the shipped files."""
    out = run(venv / "bin" / "python", "-c", "import simulator.shipped as s; print(s.__file__); "
              "print(sorted(p.name for p in s.SCENARIOS_DIR.glob('*.yaml'))); print(s.SEED_RECORDING.is_file())",
              cwd=work, env=env)
    where, names, seed = out.splitlines()
    if not where.startswith(str(venv)) or f"'{SCENARIO}.yaml'" not in names or seed != "True":
        sys.exit(f"wheel smoke: the installed package is not the wheel's or lacks its files:\n{out}")


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.loads(answer.read())


def check_serve(venv: Path, env: dict[str, str], work: Path) -> None:
    """`cdbsim serve --port 0 --scenario NAME` starts, answers GET / and lists the scenario as loaded, stops."""
    log = work / "serve.log"
    with open(log, "w") as out:
        server = subprocess.Popen([str(venv / "bin" / "cdbsim"), "serve", "--port", "0", "--scenario", SCENARIO],
                                  cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not (found := re.search(r"at (http://127\.0\.0\.1:\d+)", log.read_text())):
            if server.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"wheel smoke: cdbsim serve did not start:\n{log.read_text()}")
            time.sleep(0.1)
        base = found.group(1)
        if "versions" not in get(base + "/"):
            sys.exit("wheel smoke: GET / did not list the API versions")
        loaded = [s["name"] for s in get(base + "/_sim/scenarios")["scenarios"]]
        if loaded != [SCENARIO]:
            sys.exit(f"wheel smoke: GET /_sim/scenarios lists {loaded}, not [{SCENARIO!r}]")
        step(f"cdbsim serve --scenario {SCENARIO} answered at {base}")
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def check_plugin(venv: Path, env: dict[str, str], work: Path) -> None:
    """The plugin's marker loads a shipped scenario by name, and the scenario answers."""
    (work / "test_wheel_plugin.py").write_text(textwrap.dedent(PLUGIN_TEST))
    run(venv / "bin" / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_wheel_plugin.py",
        cwd=work, env=env)
    step(f"@pytest.mark.cdbsim(scenario={SCENARIO!r}) passed")


def main() -> None:
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="cdbsim-wheel-"))
    try:
        venv, env = build_and_install(work)
        for check in (check_installed_copy, check_serve, check_plugin):
            begun = time.monotonic()
            check(venv, env, work)
            step(f"{check.__name__} took {time.monotonic() - begun:.0f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    step(f"passed in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
