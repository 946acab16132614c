"""The processes a benchmark run starts: servers on loopback, the load generator, and what we read from /proc."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")


class Unavailable(Exception):
    """A target or measurement that cannot be run here; the message says why (printed, never a number)."""


def child_env(extra: dict | None = None) -> dict:
    """The environment of every child: this clone's simulator and the benchmark helpers come first."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(HERE)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.update(extra or {})
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_call(
    port: int, method: str, path: str, body=None, headers: dict | None = None, timeout: float = 30.0
) -> tuple[int, bytes]:
    """One request on a fresh connection: (status, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = None
        headers = dict(headers or {})
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            headers.setdefault("Content-Type", "application/json")
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


#: Servers started and not yet stopped, so an interrupted run still ends every process it started.
LIVE: list["Server"] = []


def stop_all() -> None:
    for server in list(LIVE):
        server.stop()


class Server:
    """A server process on 127.0.0.1:port with its output in a log file; stop() ends it and only it."""

    def __init__(
        self, name: str, cmd: list[str], port: int, logdir: Path, *, env: dict | None = None, cwd: str | None = None
    ) -> None:
        self.name, self.cmd, self.port = name, cmd, port
        self.log_path = logdir / f"{name}.log"
        self.started = time.perf_counter()
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            cmd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env or child_env(),
            cwd=cwd or str(logdir),
            start_new_session=True,
        )
        LIVE.append(self)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def wait_line(self, prefix: str, timeout: float) -> str:
        """Wait for a line of output starting with prefix (e.g. READY); returns the rest of that line."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise Unavailable(f"{self.name} exited with {self.proc.returncode}: {self.log_tail()}")
            for line in self.log_path.read_text(errors="replace").splitlines():
                if line.startswith(prefix):
                    return line[len(prefix) :].strip()
            time.sleep(0.05)
        raise Unavailable(f"{self.name} did not print {prefix!r} within {timeout:.0f} s: {self.log_tail()}")

    def wait_http(self, path: str = "/", timeout: float = 60.0, interval: float = 0.01) -> float:
        """Poll until the server answers path with any HTTP status; returns seconds since the process started."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise Unavailable(f"{self.name} exited with {self.proc.returncode}: {self.log_tail()}")
            try:
                http_call(self.port, "GET", path, timeout=2)
                return time.perf_counter() - self.started
            except OSError:
                time.sleep(interval)
        raise Unavailable(f"{self.name} did not answer on port {self.port} within {timeout:.0f} s: {self.log_tail()}")

    def cpu_seconds(self) -> float:
        """User + system CPU of the server process (all its threads)."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / CLK_TCK
        except (OSError, IndexError, ValueError):
            return float("nan")

    def queued_seconds(self) -> float:
        """Time the server's main thread sat in the run queue, ready but waiting for a CPU (schedstat; nan where the
        kernel keeps none): the machine's other load, not the server's work."""
        try:
            return int(Path(f"/proc/{self.pid}/task/{self.pid}/schedstat").read_text().split()[1]) / 1e9
        except (OSError, IndexError, ValueError):
            return float("nan")

    def memory_kb(self) -> dict:
        """VmRSS (resident now) and VmHWM (peak resident) of the server process, in kB."""
        out = {}
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    out[key] = int(value.split()[0])
        except OSError:
            pass
        return out

    def stop(self) -> None:
        """SIGINT (a clean shutdown), then SIGTERM, then SIGKILL, to this process group only."""
        if self.proc.poll() is None:
            for sig, wait in ((signal.SIGINT, 5), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self._log.close()
        if self in LIVE:
            LIVE.remove(self)

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU jiffies of the whole machine from /proc/stat."""
    parts = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = parts[3] + (parts[4] if len(parts) > 4 else 0)
    return (sum(parts) - idle) / CLK_TCK, sum(parts) / CLK_TCK


def python_exe() -> str:
    return sys.executable
