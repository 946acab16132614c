"""The peers, installed on first use into the cache folder: moto's server (PyPI) and WireMock standalone (npm)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from procs import Server, Unavailable, free_port, http_call

#: A fake SigV4 header: moto's server picks the service (rds) and region from the credential scope, checks nothing.
RDS_HEADERS = {
    "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/rds/aws4_request, "
    "SignedHeaders=host, Signature=0",
    "Content-Type": "application/x-www-form-urlencoded",
}
RDS_CREATE = (
    "Action=CreateDBInstance&Version=2014-10-31&DBInstanceIdentifier=json-restore"
    "&DBInstanceClass=db.t3.micro&Engine=mysql&EngineVersion=5.6&AllocatedStorage=2"
    "&MasterUsername=admin&MasterUserPassword=secret123"
)
RDS_DESCRIBE = "Action=DescribeDBInstances&Version=2014-10-31&DBInstanceIdentifier=json-restore"


def _run(cmd: list[str], timeout: float, cwd: str | None = None) -> None:
    try:
        done = subprocess.run(
            cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Unavailable(f"{' '.join(cmd[:3])}... failed: {exc}") from None
    if done.returncode != 0:
        tail = " | ".join(done.stdout.strip().splitlines()[-3:])
        raise Unavailable(f"{' '.join(cmd[:4])}... exited {done.returncode}: {tail}")


# moto ---------------------------------------------------------------------------------------------
def ensure_moto(cache: Path, log=print) -> Path:
    """moto_server from a venv of its own (created and filled with moto[server] on first use)."""
    venv = cache / "moto-venv"
    exe = venv / "bin" / "moto_server"
    if exe.exists():
        return exe
    log(f"  installing moto[server] into {venv} (first run only)...")
    _run([sys.executable, "-m", "venv", str(venv)], timeout=120)
    _run([str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", "moto[server]"], timeout=600)
    if not exe.exists():
        raise Unavailable(f"moto[server] installed but {exe} is missing")
    return exe


def start_moto(cache: Path, logdir: Path, log=print) -> Server:
    """moto's server with one RDS instance (json-restore), answering DescribeDBInstances for it."""
    exe = ensure_moto(cache, log)
    port = free_port()
    server = Server("moto", [str(exe), "-H", "127.0.0.1", "-p", str(port)], port, logdir)
    try:
        server.wait_http("/moto-api/", timeout=60)
        status, body = http_call(port, "POST", "/", RDS_CREATE, RDS_HEADERS)
        if status != 200:
            raise Unavailable(f"moto CreateDBInstance answered {status}: {body[:200]!r}")
        status, body = http_call(port, "POST", "/", RDS_DESCRIBE, RDS_HEADERS)
        if status != 200 or b"<DBInstanceIdentifier>json-restore<" not in body:
            raise Unavailable(f"moto DescribeDBInstances answered {status}: {body[:200]!r}")
    except BaseException:
        server.stop()
        raise
    return server


def moto_request() -> dict:
    return {"method": "POST", "path": "/", "headers": dict(RDS_HEADERS), "body": RDS_DESCRIBE}


# WireMock -----------------------------------------------------------------------------------------
def ensure_wiremock(cache: Path, log=print) -> Path:
    """The standalone jar bundled in the `wiremock` npm package (npm install into the cache on first use)."""
    if shutil.which("java") is None:
        raise Unavailable("java is not on PATH (WireMock standalone is a Java program)")
    folder = cache / "wiremock"
    jars = sorted((folder / "node_modules" / "wiremock" / "build").glob("*.jar"))
    if not jars:
        npm = shutil.which("npm")
        if npm is None:
            raise Unavailable("npm is not on PATH (WireMock comes from the npm package `wiremock`)")
        folder.mkdir(parents=True, exist_ok=True)
        log(f"  installing the wiremock npm package into {folder} (first run only)...")
        _run(
            [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", str(folder), "wiremock"],
            timeout=600,
        )
        jars = sorted((folder / "node_modules" / "wiremock" / "build").glob("*.jar"))
        if not jars:
            raise Unavailable("the wiremock npm package installed no jar under build/")
    return jars[-1]


def start_wiremock(cache: Path, logdir: Path, url_path: str, body: bytes, log=print) -> Server:
    """WireMock standalone (default options) with one stub: GET url_path -> 200 and the instance JSON."""
    jar = ensure_wiremock(cache, log)
    port = free_port()
    server = Server(
        "wiremock",
        [
            "java",
            "-jar",
            str(jar),
            "--port",
            str(port),
            "--bind-address",
            "127.0.0.1",
            "--disable-banner",
            "--root-dir",
            str(logdir / "wiremock-root"),
        ],
        port,
        logdir,
    )
    try:
        server.wait_http("/__admin/mappings", timeout=90, interval=0.1)
        stub = {
            "request": {"method": "GET", "url": url_path},
            "response": {"status": 200, "body": body.decode(), "headers": {"Content-Type": "application/json"}},
        }
        status, answer = http_call(port, "POST", "/__admin/mappings", stub)
        if status != 201:
            raise Unavailable(f"WireMock refused the stub: {status} {answer[:200]!r}")
    except BaseException:
        server.stop()
        raise
    return server
