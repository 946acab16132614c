"""A stopping server never waits out an injected delay: the delayed request is handled and answered at once, and a
server thread that does not end is an error that says where it is."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from simulator.testing import SimulatorServer
from simulator.testing.session import CdbsimSession

#: A delay far longer than any wait below: only a stop that ends it lets these tests finish.
HANG = {
    "name": "hang",
    "rules": [
        {"name": "slow-flavors", "match": {"method": ["GET"], "path": "/v1.0/*/flavors"}, "actions": [{"delay": 600}]}
    ],
}


def get_in_background(url: str, headers: dict) -> tuple[threading.Thread, dict]:
    """GET url on a thread of its own; the result dict gets the status and body (or the error)."""
    result: dict = {}

    def call() -> None:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=120) as answer:
                result["status"], result["body"] = answer.status, json.loads(answer.read())
        except Exception as exc:  # the assertion shows it
            result["error"] = repr(exc)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    return thread, result


def wait_until(predicate, what: str) -> None:
    for _ in range(400):
        if predicate():
            return
        time.sleep(0.025)
    raise AssertionError(f"never saw {what}")


def test_stopping_the_test_server_ends_an_injected_delay_and_answers_the_delayed_request():
    session = CdbsimSession.start()
    sandbox = session.open("delayed", scenarios=[HANG])
    thread, result = get_in_background(f"{sandbox.url}/v1.0/{sandbox.account_id}/flavors", sandbox.headers)
    wait_until(lambda: sandbox.scenarios()[0]["hits"] == 1, "the delay rule fire")
    session.stop()
    thread.join(timeout=30)
    assert not thread.is_alive(), "the delayed request was still waiting after the server stopped"
    assert result.get("status") == 200, result
    assert result["body"]["flavors"]


def test_stop_names_where_the_server_thread_is_when_it_does_not_end():
    server = SimulatorServer().start()
    busy, release = threading.Event(), threading.Event()

    def block_the_loop(_app) -> None:
        busy.set()
        release.wait(30)

    caller = threading.Thread(target=server.run, args=(block_the_loop,), daemon=True)
    caller.start()
    assert busy.wait(30)
    try:
        with pytest.raises(RuntimeError) as raised:
            server.stop(timeout=0.2)
        message = str(raised.value)
        assert message.startswith("the cdbsim server thread is still running 0.2 s after stop():")
        assert "in block_the_loop" in message and "release.wait(30)" in message
    finally:
        release.set()
        caller.join(timeout=30)
        server.stop()


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_serve_stops_at_once_with_a_delayed_request_in_progress_and_answers_it(tmp_path: Path, stop):
    scenario = tmp_path / "hang.yaml"
    scenario.write_text(yaml.safe_dump(HANG))
    serve = ["serve", "--db", ":memory:", "--port", "0", "--quiet", "--scenario", str(scenario)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", *serve, "--account-id", "1234", "--token", "delay-test-token"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    try:
        assert proc.stdout is not None
        url = next(line for line in proc.stdout if "serving the Cloud Databases API v1.0 at" in line).split(" at ")[-1]
        base = url.strip()
        thread, result = get_in_background(f"{base}/v1.0/1234/flavors", {"X-Auth-Token": "delay-test-token"})

        def fired() -> bool:
            with urllib.request.urlopen(f"{base}/_sim/scenarios", timeout=10) as answer:
                return any(s["hits"] for s in json.loads(answer.read())["scenarios"])

        wait_until(fired, "the delay rule fire")
        proc.send_signal(stop)
        _, err = proc.communicate(timeout=30)
        thread.join(timeout=30)
        assert proc.returncode == 0 and "Traceback" not in err, err
        assert result.get("status") == 200, result
    finally:
        proc.kill()
        proc.communicate(timeout=10)
