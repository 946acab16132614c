"""What reaches the sandbox before the app runs: malformed request heads answer fault JSON without echoing the
request, a slow head is cut off, extra connections are refused cleanly, and start-up problems are one line."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import pytest
from aiohttp import web

from simulator import SimulatorConfig, create_app
from simulator.serve.connections import SandboxRunner
from simulator.serve.server import url_host

JUNK = b"zq" * 4700  # a marker that must never come back in an answer

MALFORMED = {
    "request line too long": (
        b"GET /" + JUNK + b" HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "The request line or a header is too long (the limit is 8190 bytes).",
    ),
    "header too long": (
        b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Junk: " + JUNK + b"\r\n\r\n",
        "The request line or a header is too long (the limit is 8190 bytes).",
    ),
    "unknown method": (b"FR@B / HTTP/1.1\r\nHost: localhost\r\n\r\n", "The request method is not a valid HTTP method."),
    "malformed content-length": (
        b"POST /v2.0/tokens HTTP/1.1\r\nHost: localhost\r\nContent-Length: zq12\r\n\r\n",
        "The Content-Length header is malformed.",
    ),
    "space in the path": (
        b"GET /v1.0/zq zq HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "Malformed HTTP request: the request line, a header or the framing of the body cannot be parsed.",
    ),
    "malformed chunk size": (
        b"POST /v2.0/tokens HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzq\r\n",
        "Malformed HTTP request: the request line, a header or the framing of the body cannot be parsed.",
    ),
}


async def serve(config: SimulatorConfig | None = None, **runner_options) -> tuple[SandboxRunner, int]:
    runner = SandboxRunner(create_app(config or SimulatorConfig()), **runner_options)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, runner.addresses[0][1]


async def exchange(port: int, data: bytes, timeout: float = 5.0) -> bytes:
    """Send raw bytes, read until the server closes (or timeout)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    try:
        return await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()


def split(answer: bytes) -> tuple[int, dict, bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


async def get_root(port: int) -> int:
    answer = await exchange(port, b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    return split(answer)[0]


@pytest.mark.parametrize("case", sorted(MALFORMED))
async def test_a_malformed_request_head_answers_fault_json_without_echo(case):
    data, message = MALFORMED[case]
    runner, port = await serve()
    try:
        status, headers, body = split(await exchange(port, data))
        assert status == 400
        assert headers["content-type"].startswith("application/json")
        assert json.loads(body) == {"badRequest": {"code": 400, "message": message}}
        assert b"zq" not in body
        assert await get_root(port) == 200  # still serving
    finally:
        await runner.cleanup()


async def test_a_request_head_that_does_not_arrive_in_time_is_cut_off_while_others_are_served():
    runner, port = await serve(head_timeout=0.3)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nHost: localhost\r\n")  # the head never ends
        assert await get_root(port) == 200
        status, _, body = split(await asyncio.wait_for(reader.read(), 5))
        assert status == 408
        assert json.loads(body) == {
            "requestTimeout": {
                "code": 408,
                "message": "The request head (request line and headers) did not arrive in time.",
            }
        }
        writer.close()
    finally:
        await runner.cleanup()


async def test_an_idle_connection_that_sends_nothing_is_closed_after_the_head_deadline():
    runner, port = await serve(head_timeout=0.3)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        status, _, _ = split(await asyncio.wait_for(reader.read(), 5))
        assert status == 408
        writer.close()
    finally:
        await runner.cleanup()


async def test_connections_over_the_cap_are_refused_with_503_and_the_server_keeps_serving():
    runner, port = await serve(max_connections=3, head_timeout=30)
    held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(3)]
    try:
        await asyncio.sleep(0.05)
        status, _, body = split(await exchange(port, b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"))
        assert status == 503
        assert json.loads(body) == {
            "serviceUnavailable": {
                "code": 503,
                "message": "Too many open connections: the sandbox refuses new ones until some close.",
            }
        }
        for _, writer in held:
            writer.close()
        held.clear()
        await asyncio.sleep(0.1)
        assert await get_root(port) == 200
    finally:
        for _, writer in held:
            writer.close()
        await runner.cleanup()


async def test_a_content_length_over_the_limit_is_refused_before_the_body_is_sent():
    runner, port = await serve()
    try:
        head = b"POST /v2.0/tokens HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1073741824\r\n\r\n"
        status, headers, body = split(await exchange(port, head))  # not a byte of the body is sent
        assert status == 413 and headers["connection"] == "close"
        assert json.loads(body) == {
            "overLimit": {"code": 413, "message": "Request body is too large (the limit is 1048576 bytes)."}
        }
        assert await get_root(port) == 200
    finally:
        await runner.cleanup()


async def test_a_body_that_does_not_arrive_by_its_deadline_is_a_408_and_the_connection_closes():
    runner, port = await serve(SimulatorConfig(body_timeout=0.3))
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /v2.0/tokens HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n{"
        )  # the rest never comes
        status, headers, body = split(await asyncio.wait_for(reader.read(), 5))
        assert status == 408 and headers["connection"] == "close"
        assert json.loads(body) == {
            "requestTimeout": {"code": 408, "message": "The request body did not arrive within 0.3 seconds."}
        }
        writer.close()
        assert await get_root(port) == 200
    finally:
        await runner.cleanup()


async def test_a_client_that_goes_away_mid_body_is_one_log_line(caplog):
    runner, port = await serve()
    try:
        with caplog.at_level(logging.DEBUG):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(
                b"POST /v2.0/tokens HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                b"Content-Length: 100\r\n\r\n{"
            )
            await writer.drain()
            await asyncio.sleep(0.1)
            writer.close()
            assert await reader.read() == b""
            await asyncio.sleep(0.1)
            assert await get_root(port) == 200
        problems = [r for r in caplog.records if r.levelno >= logging.INFO and r.name != "aiohttp.access"]
        assert [r.getMessage() for r in problems] == [
            "client 127.0.0.1 went away while sending the body of POST /v2.0/tokens (Connection lost)"
        ]
        assert all(r.exc_info is None for r in caplog.records)
    finally:
        await runner.cleanup()


# start-up problems, through the real command ----------------------------------------------------------------------
def run_serve(*args: str, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "simulator", "serve", *args], capture_output=True, text=True, timeout=timeout
    )


def damaged(kind: str, folder: Path) -> Path:
    path = folder / f"{kind}.db"
    if kind == "directory":
        path.mkdir()
        return path
    good = folder / "good.db"
    if not good.exists():
        backend_config = SimulatorConfig(db_path=str(good))
        app = create_app(backend_config)
        asyncio.run(app.cleanup())
    data = good.read_bytes()
    path.write_bytes(
        {
            "truncated": data[: len(data) // 3] if len(data) > 4096 else data[:100],
            "zeroed": b"\0" * len(data),
            "random": os.urandom(len(data)),
        }[kind]
    )
    return path


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["truncated", "zeroed", "random", "directory"])
def test_a_damaged_state_file_is_one_line_that_names_it(kind, tmp_path):
    path = damaged(kind, tmp_path)
    result = run_serve("--db", str(path), "--port", "0")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"cdbsim: {path} ")
    assert "another --db" in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_a_busy_port_is_one_line_that_says_what_to_do():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_serve("--db", ":memory:", "--port", str(port))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"cdbsim: port {port} on 127.0.0.1 is already in use (another cdbsim?): stop "
        f"that server, or pick another with --port (0 picks a free one)."
    )


@pytest.mark.slow
def test_listening_beyond_loopback_warns_that_the_demo_credentials_are_published():
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", "--db", ":memory:", "--host", "0.0.0.0", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    try:
        line = proc.stderr.readline()
    finally:
        proc.terminate()
        proc.communicate(timeout=10)  # reads the rest and closes both pipes
    assert line.startswith("warning: cdbsim listens on 0.0.0.0, reachable from other machines.")
    assert "are published" in line
    assert "--admin-token" in line


def serve_in(tmp: Path, *args: str) -> tuple[subprocess.Popen, str]:
    """`cdbsim serve` whose temporary files go under tmp; its process and URL."""
    tmp.mkdir(exist_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", "--db", ":memory:", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(tmp)},
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "serving the Cloud Databases API v1.0 at" in line:
            return proc, line.split(" at ")[-1].strip()
    raise AssertionError(proc.communicate(timeout=10))


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_runs_the_same_clean_up_as_ctrl_c(tmp_path, stop):
    proc, url = serve_in(tmp_path / "tmp")
    try:
        request = urllib.request.Request(
            url + "/_sim/snapshots", data=b'{"name": "a"}', method="POST", headers={"Content-Type": "application/json"}
        )
        assert urllib.request.urlopen(request, timeout=10).status == 201
        assert list((tmp_path / "tmp").glob("cdbsim-snapshots-*/*.db"))
        proc.send_signal(stop)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 0 and "Traceback" not in err, err
        assert list((tmp_path / "tmp").iterdir()) == []
    finally:
        proc.kill()
        proc.communicate(timeout=10)


@pytest.mark.slow
def test_listening_on_every_ipv6_address_prints_a_url_that_works():
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    proc, url = serve_in(Path(tempfile.mkdtemp()), "--host", "::")
    try:
        assert re.fullmatch(r"http://\[::1\]:\d+", url), url
        assert urllib.request.urlopen(url + "/", timeout=10).status == 200
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_the_banner_brackets_an_ipv6_address_and_names_loopback_for_every_address():
    assert [url_host(h) for h in ("0.0.0.0", "", "::", "::1", "fd00::5", "127.0.0.1", "localhost")] == [
        "127.0.0.1",
        "127.0.0.1",
        "[::1]",
        "[::1]",
        "[fd00::5]",
        "127.0.0.1",
        "localhost",
    ]
