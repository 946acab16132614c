"""Container smoke test: build the Dockerfile with podman and use the image as a user would.

Steps (each timed; the figures print at the end):
  tools     podman, runc and mmdebstrap, installed with apt-get when missing; a containers.conf of our own
            (runc, cgroupfs, host networking, `default_ulimits = []`) through CONTAINERS_CONF
  base      a Debian bookworm base image (mmdebstrap minbase + python3, python3-venv, `podman import`), kept
            under the cache folder and in podman's image store, so later runs skip it
  wheels    a wheelhouse of every dependency (`pip wheel`; the build cannot reach a package index), cached too
  build     `podman build --format docker` (the HEALTHCHECK is a docker-format field) with BASE_IMAGE = the base
  run       the image on a free port with a named volume at /data; wait for /_sim/health; HEALTHCHECK passes;
            the server runs as uid 10001
  restore   the seed page's restore request (README's curl example) answers 200 BUILD and ends ACTIVE
  trove     python-troveclient from the host: create, wait ACTIVE, backup, wait COMPLETED, restore, databases
  restart   the container restarted: everything above is still there (the /data volume)

Run: `python .ci/container_smoke.py` from the project's venv (python-troveclient comes with the test extras).
Cache folder: $CDBSIM_CI_CACHE (default /var/cache/cdbsim-ci).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("CDBSIM_CI_CACHE", "/var/cache/cdbsim-ci"))
BASE_IMAGE = "localhost/cdbsim-ci-base:bookworm"
IMAGE = "localhost/cdbsim:ci"
SEED_TOKEN = "87c6033c-9ff6-405f-943e-2deb73f278b7"
SEED_BACKUP = "61f12fef-edb1-4561-8122-e7c00ef26a82"
#: The containers.conf of this test: runc (crun is not what Debian's podman runs well here), no cgroup manager
#: daemon, host networking for builds and runs, and no default ulimits (the machine's limits stand).
CONTAINERS_CONF = """\
[containers]
default_ulimits = []
netns = "host"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
"""
TIMINGS: list[tuple[str, float]] = []


@contextmanager
def step(name: str):
    print(f"== {name}", flush=True)
    started = time.monotonic()
    yield
    TIMINGS.append((name, time.monotonic() - started))
    print(f"   {name}: {TIMINGS[-1][1]:.1f} s", flush=True)


#: No step may hang CI: the longest (installing podman, making the base image, the build) take minutes.
STEP_TIMEOUT = 1200


def run(*cmd: str, check: bool = True, capture: bool = False, env: dict | None = None) -> str:
    """Run a command (its output shown unless captured); a failure stops the test with the command's output."""
    try:
        out = subprocess.run(cmd, text=True, capture_output=capture, env=env, timeout=STEP_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise SystemExit(f"container smoke: {' '.join(cmd)} did not end within {STEP_TIMEOUT} s") from None
    if check and out.returncode != 0:
        raise SystemExit(
            f"container smoke: {' '.join(cmd)} exited {out.returncode}\n{out.stdout or ''}{out.stderr or ''}"
        )
    return out.stdout or ""


def podman(*args: str, check: bool = True, capture: bool = True) -> str:
    return run("podman", *args, check=check, capture=capture)


def ensure_tools() -> None:
    missing = [
        pkg
        for tool, pkg in (("podman", "podman"), ("runc", "runc"), ("mmdebstrap", "mmdebstrap"))
        if shutil.which(tool) is None
    ]
    if missing:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run("apt-get", "update", "-qq", env=env)
        run("apt-get", "install", "-y", "-qq", *missing, env=env)
    conf = CACHE / "containers.conf"
    conf.write_text(CONTAINERS_CONF)
    os.environ["CONTAINERS_CONF"] = str(conf)


def ensure_base_image() -> None:
    if _exists(BASE_IMAGE):
        return
    rootfs = CACHE / "rootfs-bookworm.tar"
    if not rootfs.exists():
        partial = rootfs.with_suffix(".partial")
        run("mmdebstrap", "--quiet", "--variant=minbase", "--include=python3,python3-venv", "bookworm", str(partial))
        partial.rename(rootfs)
    podman("import", str(rootfs), BASE_IMAGE)


def _exists(image: str) -> bool:
    return subprocess.run(["podman", "image", "exists", image], capture_output=True).returncode == 0


def ensure_wheelhouse() -> Path:
    """Every wheel the image needs (the dependencies and the build backend), cached; cdbsim itself is built by the
    Dockerfile from the source."""
    wheels = CACHE / "wheelhouse"
    stamp = wheels / "pyproject.sha256"  # the dependencies it was made for
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted:
        return wheels
    wheels.mkdir(exist_ok=True)
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "-q",
        "--find-links",
        str(wheels),
        "-w",
        str(wheels),
        "setuptools>=68",
        str(ROOT),
    )
    for own in wheels.glob("cdbsim-*.whl"):
        own.unlink()
    stamp.write_text(wanted)
    return wheels


def build(wheels: Path) -> None:
    context = ROOT / "wheelhouse"
    if context.exists():
        shutil.rmtree(context)
    shutil.copytree(wheels, context)
    try:
        podman(
            "build",
            "--format",
            "docker",
            "--network",
            "host",
            "--build-arg",
            f"BASE_IMAGE={BASE_IMAGE}",
            "-t",
            IMAGE,
            str(ROOT),
            capture=False,
        )
    finally:
        shutil.rmtree(context)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method: str, url: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def wait(what: str, probe: Callable[[], object], timeout: float = 60.0):
    """Poll probe until it returns something true; fail naming what did not happen."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            last = probe()
        except (OSError, urllib.error.URLError) as exc:
            last = exc
        else:
            if last:
                return last
        time.sleep(0.2)
    raise SystemExit(f"container smoke: {what} did not happen within {timeout:.0f} s (last: {last!r})")


def healthy(base: str) -> dict | None:
    status, body = http("GET", f"{base}/_sim/health")
    return body if status == 200 else None


def seed_restore(base: str) -> str:
    """The seed page's request, as the README's curl sends it; returns the new instance's id."""
    body = json.dumps(
        {
            "instance": {
                "flavorRef": 1,
                "name": "json_restore",
                "restorePoint": {"backupRef": SEED_BACKUP},
                "volume": {"size": 2},
            }
        }
    ).encode()
    headers = {"X-Auth-Token": SEED_TOKEN, "Content-Type": "application/json"}
    status, answer = http("POST", f"{base}/v1.0/1234/instances", body, headers)
    assert status == 200 and answer["instance"]["status"] == "BUILD", (status, answer)
    instance_id = answer["instance"]["id"]
    url = f"{base}/v1.0/1234/instances/{instance_id}"
    wait("the restore ACTIVE", lambda: http("GET", url, headers=headers)[1]["instance"]["status"] == "ACTIVE")
    return instance_id


def trove_flow(base: str) -> list[str]:
    """python-troveclient through the fake identity: create, backup, restore; returns the instances' names."""
    from keystoneauth1 import session
    from keystoneauth1.identity import v2
    from troveclient.v1 import client

    auth = v2.Password(auth_url=f"{base}/v2.0", username="demo", password="demo-password", tenant_id="1234")
    tc = client.Client(session=session.Session(auth=auth), service_type="rax:database", region_name="DFW")
    source = tc.instances.create(
        "orders-db",
        flavor_id="1",
        volume={"size": 2},
        databases=[{"name": "orders"}],
        users=[{"name": "app", "password": "app-secret", "databases": [{"name": "orders"}]}],
    )
    wait("orders-db ACTIVE", lambda: tc.instances.get(source.id).status == "ACTIVE")
    backup = tc.backups.create("nightly", source.id)
    wait("the backup COMPLETED", lambda: tc.backups.get(backup.id).status == "COMPLETED")
    restored = tc.instances.create(
        "orders-restored", flavor_id="1", volume={"size": 2}, restorePoint={"backupRef": backup.id}
    )
    wait("orders-restored ACTIVE", lambda: tc.instances.get(restored.id).status == "ACTIVE")
    assert [db.name for db in tc.databases.list(restored)] == ["orders"]
    return sorted(i.name for i in tc.instances.list())


def instance_names(base: str) -> list[str]:
    status, body = http("GET", f"{base}/v1.0/1234/instances", headers={"X-Auth-Token": SEED_TOKEN})
    assert status == 200, body
    return sorted(i["name"] for i in body["instances"])


def exercise(name: str, base: str) -> None:
    with step("run"):
        wait("/_sim/health 200", lambda: healthy(base))
        assert podman("exec", name, "id", "-u").strip() == "10001", "the server must not run as root"
        podman("healthcheck", "run", name)  # the image's HEALTHCHECK passes (exit 0)
        print(f"   health: {healthy(base)}")
    with step("restore"):
        seed_restore(base)
    with step("trove"):
        names = trove_flow(base)
        print(f"   instances: {names}")
    with step("restart"):
        podman("restart", name)
        wait("/_sim/health 200 after the restart", lambda: healthy(base))
        kept = instance_names(base)
        assert kept == names, f"state lost across the restart: {kept} != {names}"
        print(f"   kept across the restart: {kept}")


def main() -> int:
    started = time.monotonic()
    CACHE.mkdir(parents=True, exist_ok=True)
    with step("tools"):
        ensure_tools()
    with step("base"):
        ensure_base_image()
    with step("wheels"):
        wheels = ensure_wheelhouse()
    with step("build"):
        build(wheels)
    name = f"cdbsim-smoke-{os.getpid()}"
    volume = f"{name}-data"
    port = free_port()
    podman("volume", "create", volume)
    try:
        podman(
            "run",
            "-d",
            "--name",
            name,
            "--network",
            "host",
            "-v",
            f"{volume}:/data",
            "-e",
            f"CDBSIM_PORT={port}",
            IMAGE,
            "--time-scale",
            "0",
        )
        exercise(name, f"http://127.0.0.1:{port}")
    except BaseException:
        print(podman("logs", name, check=False), file=sys.stderr)
        raise
    finally:
        podman("rm", "-f", "-t", "2", name, check=False)
        podman("volume", "rm", "-f", volume, check=False)
        podman("image", "prune", "-f", check=False)  # the layers of earlier builds of the image
    total = time.monotonic() - started
    print("container smoke passed: " + ", ".join(f"{n} {s:.1f} s" for n, s in TIMINGS) + f"; total {total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
