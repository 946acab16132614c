"""The scenarios of run.py, run one after another, and the report with issue 7's targets."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import fixtures
import peers
import profiling
import recordings
import report
import wrk
from procs import REPO, Server, Unavailable, child_env, free_port, http_call, machine_busy

HERE = Path(__file__).resolve().parent
SCENARIOS = (
    "bare",
    "cdbsim",
    "wrk",
    "dashboard",
    "requestlog",
    "replay",
    "moto",
    "wiremock",
    "list",
    "restore",
    "startup",
    "reset",
    "memory",
    "tests",
    "scaling",
    "vs_moto",
    "instructions",
)
AUTH = {"X-Auth-Token": fixtures.TOKEN, "Accept": "application/json"}


def serve_cmd(port: int, *extra: str) -> list[str]:
    """`cdbsim serve` as the issue states it: in-memory, immediate lifecycle, no rate limits."""
    return [
        sys.executable,
        "-m",
        "simulator",
        "serve",
        "--db",
        ":memory:",
        "--time-scale",
        "0",
        "--no-rate-limits",
        "--port",
        str(port),
        *extra,
    ]


def sim_server_cmd(port: int, *extra: str, db: str = ":memory:") -> list[str]:
    """The same serve options through sim_server.py, which first fills the account in the server process."""
    return [
        sys.executable,
        str(HERE / "sim_server.py"),
        "--db",
        db,
        "--time-scale",
        "0",
        "--no-rate-limits",
        "--port",
        str(port),
        *extra,
    ]


class Suite:
    def __init__(self, args) -> None:
        self.args = args
        # the instruction count takes minutes under valgrind: only when asked for by name
        self.only = set(args.only.split(",")) if args.only else set(SCENARIOS) - {"instructions"}
        unknown = self.only - set(SCENARIOS)
        if unknown:
            raise SystemExit(f"unknown scenario(s) for --only: {', '.join(sorted(unknown))}")
        self.rundir = Path(tempfile.mkdtemp(prefix="run-", dir=args.cache))
        self.loads: dict[str, dict] = {}  # key -> load result (or {"unavailable": why})
        self.figures: dict[str, dict] = {}  # key -> other measurements
        self.notes: list[str] = []
        self.seed_body, self.seed_source = fixtures.seed_instance_json()
        self.seed_path = "/v1.0/1234/instances/" + json.loads(self.seed_body)["instance"]["id"]
        self.template = None  # (HAR document, instance id) recorded from cdbsim for the replay scenarios

    # plumbing ------------------------------------------------------------------------------------
    def say(self, text: str = "") -> None:
        print(text, flush=True)

    def wanted(self, name: str) -> bool:
        return name in self.only

    def unavailable(self, key: str, label: str, why: str) -> None:
        self.loads[key] = {"label": label, "unavailable": why}
        self.say(f"  {label:<44} not available: {why}")

    def load(
        self,
        key: str,
        label: str,
        server: Server,
        requests: list[dict],
        *,
        expect=(200,),
        check=None,
        requests_count: int | None = None,
    ) -> dict:
        """Drive server with the standard load from the load-generator process and keep the figures."""
        args = self.args
        spec_path = self.rundir / f"{key}.spec.json"
        spec_path.write_text(json.dumps(fixtures.spec(requests, expect)))
        cmd = [
            sys.executable,
            str(HERE / "loadgen.py"),
            "--port",
            str(server.port),
            "--spec",
            str(spec_path),
            "--connections",
            str(args.connections),
            "--requests",
            str(requests_count or args.requests),
            "--warmup",
            str(args.warmup),
            "--max-seconds",
            str(args.max_seconds),
        ]
        runs = []
        for attempt in range(max(1, args.repeat)):
            runs.append(self._one_load(cmd, server))
            if runs[-1]["wall_s"] > 15:  # slow targets run once: repeating them would blow the time budget
                break
        result = max(runs, key=lambda r: r["rps"])  # the least disturbed run on a shared machine
        result.update(
            label=label, runs_rps=[round(r["rps"], 1) for r in runs], runs_p50_ms=[round(r["p50_ms"], 3) for r in runs]
        )
        problems = []
        if result["ok"] != result["requests"]:
            problems.append(f"{result['requests'] - result['ok']} unexpected answers {result['statuses']}")
        if result["errors"]:
            problems.append(f"connection errors {result['errors']}")
        for other in runs:
            if other is not result and (other["ok"] != other["requests"] or other["errors"]):
                problems.append(f"another run of this load got {other['statuses']} {other['errors']}")
        result["notes"] = []
        if result["timed_out"]:  # a slow target: its rate over the requests it completed is still its rate
            result["notes"].append(
                f"stopped at the {args.max_seconds:.0f} s cap after {result['requests']:,} of "
                f"{requests_count or args.requests:,} requests"
            )
        if check is not None and result["sample"]:
            why = check(result["sample"])
            if why:
                problems.append(f"answer check failed: {why}")
        result["problems"] = problems
        self.loads[key] = result
        self.say(report.load_line(result, self.loads.get("bare")))
        for p in problems:
            self.say(f"      ! {p}")
        for n in result["notes"]:
            self.say(f"      ({n})")
        if result["other_cpus"] > 0.3 or result["server_queued"] > 0.1:
            self.say(
                f"      ! other processes used {result['other_cpus']:.1f} CPUs during this load and the server waited "
                f"for a CPU {result['server_queued']:.0%} of it: figures are noisy"
            )
        return result

    def _one_load(self, cmd: list[str], server: Server) -> dict:
        """Run the load generator once; its figures plus the server's and the rest of the machine's CPU use."""
        cpu0, queued0, (busy0, _) = server.cpu_seconds(), server.queued_seconds(), machine_busy()
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        done = subprocess.run(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(),
            timeout=2 * self.args.max_seconds + 120,
        )
        wall = time.perf_counter() - t0
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu1, queued1, (busy1, _) = server.cpu_seconds(), server.queued_seconds(), machine_busy()
        if done.returncode != 0:
            raise Unavailable(f"the load generator failed: {done.stderr.strip().splitlines()[-1:]}")
        result = json.loads(done.stdout)
        client_cpu = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
        result.update(
            server_cpu=(cpu1 - cpu0) / wall,
            server_queued=(queued1 - queued0) / wall,
            other_cpus=max(0.0, (busy1 - busy0) - (cpu1 - cpu0) - client_cpu) / wall,
        )
        return result

    def guarded(self, key: str, label: str, fn) -> None:
        """Run one scenario; a missing piece becomes a 'not available' row, never a crash of the whole run."""
        try:
            fn()
        except Unavailable as exc:
            self.unavailable(key, label, str(exc))
        except Exception as exc:  # a broken scenario must not hide the others' figures
            self.unavailable(key, label, f"{type(exc).__name__}: {exc}")

    def profile(self, key: str, what: str, server: Server, requests: list[dict]) -> None:
        """With --profile: py-spy on server under this load, after the timed load (so it does not perturb it)."""
        if not self.args.profile:
            return
        self.say(f"  profiling cdbsim under the {what} load (py-spy)...")
        try:
            self.figures[key] = {"what": what, **profiling.profile(self, server, requests)}
        except Unavailable as exc:
            self.figures[key] = {"what": what, "unavailable": str(exc)}
            self.say(f"  profile not available: {exc}")

    # scenarios -----------------------------------------------------------------------------------
    def run_bare(self) -> None:
        port = free_port()
        with Server(
            "bare", [sys.executable, str(HERE / "bare_server.py"), "--port", str(port)], port, self.rundir
        ) as server:
            server.wait_line("READY", 30)
            self.load(
                "bare",
                "(a) bare aiohttp, instance JSON",
                server,
                [{"method": "GET", "path": self.seed_path, "headers": dict(AUTH)}],
                check=lambda s: None if json.loads(s)["instance"]["name"] == "json_restore" else "not the seed",
            )

    def start_cdbsim(self, name: str, *extra: str) -> tuple[Server, str]:
        """`cdbsim serve` with one ACTIVE instance created by POST; returns the server and the instance id."""
        port = free_port()
        server = Server(name, serve_cmd(port, *extra), port, self.rundir)
        try:
            server.wait_http("/", timeout=60)
            status, body = http_call(
                port,
                "POST",
                "/v1.0/1234/instances",
                {"instance": {"name": "json_restore", "flavorRef": 1, "volume": {"size": 2}}},
                AUTH,
            )
            if status != 200:
                raise Unavailable(f"POST /instances answered {status}: {body[:200]!r}")
            instance_id = json.loads(body)["instance"]["id"]
        except BaseException:
            server.stop()
            raise
        return server, instance_id

    def run_cdbsim(self) -> None:
        server, instance_id = self.start_cdbsim("cdbsim")
        with server:
            path = f"/v1.0/1234/instances/{instance_id}"

            def check(sample: str) -> str | None:
                inst = json.loads(sample)["instance"]
                return None if inst["id"] == instance_id and inst["status"] == "ACTIVE" else f"got {sample[:80]}"

            self.load(
                "cdbsim",
                "(b) cdbsim GET instance (auth, journal)",
                server,
                [{"method": "GET", "path": path, "headers": dict(AUTH)}],
                check=check,
            )
            status, body = http_call(server.port, "GET", "/_sim/journal?limit=1", headers=AUTH)
            self.figures["journal"] = {"status": status}
            self.profile("profile", "GET instance", server, [{"method": "GET", "path": path, "headers": dict(AUTH)}])
            if self.wanted("replay"):
                try:
                    self.template = (recordings.record_template(server.port, path, AUTH), instance_id)
                except Unavailable as exc:
                    self.template = exc

    def run_wrk(self) -> None:
        """(a) and (b) driven by wrk instead of loadgen.py: the two alternate, the best run of each is kept."""
        exe = wrk.find_or_install(self.say)
        seconds = 3.0 if self.args.quick else 10.0
        port = free_port()
        with Server(
            "wrk-bare", [sys.executable, str(HERE / "bare_server.py"), "--port", str(port)], port, self.rundir
        ) as bare:
            bare.wait_line("READY", 30)
            cdbsim, instance_id = self.start_cdbsim("wrk-cdbsim")
            with cdbsim:
                targets = (
                    ("wrk_bare", "(a) bare aiohttp, instance JSON (wrk)", bare, self.seed_path),
                    ("wrk_cdbsim", "(b) cdbsim GET instance (wrk)", cdbsim, f"/v1.0/1234/instances/{instance_id}"),
                )
                runs: dict[str, list[dict]] = {key: [] for key, *_ in targets}
                for _ in range(max(1, self.args.repeat)):
                    for key, _label, server, path in targets:
                        runs[key].append(self._wrk_once(exe, server, path, seconds))
        for key, label, *_ in targets:
            result = max(runs[key], key=lambda r: r["rps"])
            result.update(
                label=label,
                runs_rps=[round(r["rps"], 1) for r in runs[key]],
                runs_p50_ms=[round(r["p50_ms"], 3) for r in runs[key]],
                notes=[],
                problems=[
                    f"{r['requests'] - r['ok']} answers not 2xx/3xx, socket errors {r['errors']}"
                    for r in runs[key]
                    if r["ok"] != r["requests"] or r["errors"]
                ][:1],
            )
            self.loads[key] = result
            self.say(report.load_line(result, self.loads.get("wrk_bare")))
            for p in result["problems"]:
                self.say(f"      ! {p}")

    def _wrk_once(self, exe: str, server: Server, path: str, seconds: float) -> dict:
        """One warm-up second, then wrk for `seconds`; its figures plus the server's and the machine's CPU use."""
        headers = dict(AUTH)
        conns = self.args.connections
        subprocess.run(
            wrk.command(exe, server.port, path, headers, seconds=1, connections=conns),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )
        cpu0, queued0, (busy0, _) = server.cpu_seconds(), server.queued_seconds(), machine_busy()
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        done = subprocess.run(
            wrk.command(exe, server.port, path, headers, seconds=seconds, connections=conns),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=seconds + 60,
        )
        wall = time.perf_counter() - t0
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu1, queued1, (busy1, _) = server.cpu_seconds(), server.queued_seconds(), machine_busy()
        if done.returncode != 0:
            raise Unavailable(f"wrk failed: {done.stdout.strip().splitlines()[-1:]}")
        result = wrk.parse(done.stdout, seconds)
        client_cpu = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
        result.update(
            server_cpu=(cpu1 - cpu0) / wall,
            server_queued=(queued1 - queued0) / wall,
            other_cpus=max(0.0, (busy1 - busy0) - (cpu1 - cpu0) - client_cpu) / wall,
        )
        return result

    def run_tests(self) -> None:
        """The project's test suite as the issue times it: pytest -n 2 on this machine; its own wall time."""
        cmd = [sys.executable, "-m", "pytest", "-n", "2", "-q", "-p", "no:cacheprovider", "-rfE"]
        self.say(f"  running the test suite ({' '.join(cmd[1:])})...")
        t0 = time.perf_counter()
        done = subprocess.run(
            cmd,
            cwd=str(REPO),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=child_env(),
            timeout=1800,
        )
        wall = time.perf_counter() - t0
        last = [line for line in done.stdout.strip().splitlines() if " in " in line and "passed" in line][-1:]
        said = re.search(r" in ([\d.]+)s", last[0]) if last else None
        if said is None:
            raise Unavailable(f"pytest said: {done.stdout.strip().splitlines()[-1:]}")
        self.figures["tests"] = {
            "pytest_s": float(said.group(1)),
            "wall_s": wall,
            "summary": last[0].strip("= "),
            "exit": done.returncode,
        }
        self.say(f"  {'test suite (pytest -n 2)':<44} {float(said.group(1)):.0f} s of pytest ({last[0].strip('= ')})")
        failures = [line for line in done.stdout.splitlines() if line.startswith(("FAILED ", "ERROR "))]
        for line in failures:  # a failure is named, never only counted
            self.say(f"      ! {line[:200]}")
        if failures:  # and its traceback kept: a failure under the run's load may not come back alone
            log = self.rundir / "tests.log"
            log.write_text(done.stdout)
            self.say(f"      the suite's whole output: {log}")

    def run_scaling(self) -> None:
        """Issue 25: each request on a large state against a small one, side by side (scaling.py)."""
        import scaling

        self.figures["scaling"] = scaling.run(self.args, say=self.say)

    def run_instructions(self) -> None:
        """Issue 25: instructions per GET, bare aiohttp against cdbsim, counted by callgrind (instructions.py)."""
        import instructions

        try:
            self.figures["instructions"] = instructions.run(self.args, say=self.say)
        except instructions.Unavailable as exc:
            raise Unavailable(str(exc)) from None

    def run_vs_moto(self) -> None:
        """Issue 25: the same user test with the plugin + troveclient and with mock_aws + boto3 (vs_moto.py)."""
        import vs_moto

        self.figures["vs_moto"] = vs_moto.run(self.args, say=self.say)

    def run_dashboard(self) -> None:
        """(b)'s GET load on one server without and with a dashboard page open on the account (dashboard_watcher.py:
        its event stream, and the parts the page fetches on each event), alternating (and which goes first), so both
        see the same machine; the best run of each is kept."""
        server, instance_id = self.start_cdbsim("cdbsim-dashboard")
        requests = [{"method": "GET", "path": f"/v1.0/1234/instances/{instance_id}", "headers": dict(AUTH)}]

        def check(sample: str) -> str | None:
            return None if json.loads(sample)["instance"]["id"] == instance_id else f"got {sample[:80]}"

        repeat, best, rates = self.args.repeat, {}, {"dash_off": [], "dash_on": []}
        self.args.repeat = 1
        try:
            with server:
                loads = (
                    ("dash_off", "(b) GET instance, no dashboard open"),
                    ("dash_on", "(b) GET instance, a dashboard streaming"),
                )
                for i in range(repeat):
                    for key, label in loads if i % 2 == 0 else loads[::-1]:  # neither always goes first
                        result = self._dashboard_load(key, label, server, requests, check)
                        rates[key].append(round(result["rps"], 1))
                        if key not in best or result["rps"] > best[key]["rps"]:
                            best[key] = result
        finally:
            self.args.repeat = repeat
        for key, result in best.items():
            self.loads[key] = {**result, "runs_rps": rates[key]}

    def _dashboard_load(self, key: str, label: str, server: Server, requests: list[dict], check) -> dict:
        if key == "dash_off":
            return self.load(key, label, server, requests, check=check)
        watcher = Server(
            "dashboard-watcher",
            [sys.executable, str(HERE / "dashboard_watcher.py"), "--port", str(server.port)],
            server.port,
            self.rundir,
        )
        with watcher:
            watcher.wait_line("READY", 30)
            result = self.load(key, label, server, requests, check=check)
        stats = json.loads(watcher.log_path.read_text().split("STATS ", 1)[1].splitlines()[0])
        self.say(
            f"      the page heard {stats['events']:,} events and fetched {stats['fetches']:,} parts "
            f"({stats['bytes'] / 1e6:.2f} MB)"
        )
        return {**result, "dashboard": stats}

    def run_requestlog(self) -> None:
        """(b)'s GET load on `cdbsim serve` as it starts by default (a request log line per request on stderr) and
        with --quiet, on two servers at once, the loads alternating (and which goes first); the best of each kept."""
        logged, logged_id = self.start_cdbsim("cdbsim-logged")
        try:
            quiet, quiet_id = self.start_cdbsim("cdbsim-quiet", "--quiet")
        except BaseException:
            logged.stop()
            raise
        targets = {
            "log_on": (logged, logged_id, "(b) GET instance, request log on (default)"),
            "log_off": (quiet, quiet_id, "(b) GET instance, --quiet"),
        }
        repeat, best, rates = self.args.repeat, {}, {"log_on": [], "log_off": []}
        self.args.repeat = 1
        try:
            with logged, quiet:
                for i in range(max(repeat, 2)):
                    for key in ("log_off", "log_on") if i % 2 == 0 else ("log_on", "log_off"):
                        server, instance_id, label = targets[key]
                        path = f"/v1.0/1234/instances/{instance_id}"
                        result = self.load(key, label, server, [{"method": "GET", "path": path, "headers": dict(AUTH)}])
                        rates[key].append(round(result["rps"], 1))
                        if key not in best or result["rps"] > best[key]["rps"]:
                            best[key] = result
                lines = logged.log_path.read_text(errors="replace").count(" GET /v1.0/1234/instances/")
                self.figures["requestlog"] = {"lines_logged": lines}
        finally:
            self.args.repeat = repeat
        for key, result in best.items():
            self.loads[key] = {**result, "runs_rps": rates[key]}

    def run_replay(self) -> None:
        """(c): two servers at once, one replaying a recording of 100 interactions and one of 100,000. Each first plays
        every path of its load once (untimed, reported: a first play reads the entry and works out its plan), then
        the timed loads alternate between them (and which goes first), so both sides see the same machine; the
        best run of each is kept, and the report compares each pair of neighbouring runs."""
        if self.template is None:
            try:
                server, instance_id = self.start_cdbsim("cdbsim-recorder")
                with server:
                    path = f"/v1.0/1234/instances/{instance_id}"
                    self.template = (recordings.record_template(server.port, path, AUTH), instance_id)
            except Unavailable as exc:
                self.template = exc
        sides = {}
        with contextlib.ExitStack() as stack:
            for count, key in ((100, "replay100"), (100_000, "replay100k")):
                label = f"(c) cdbsim replay hit, {count:,} interactions"
                if isinstance(self.template, Unavailable):
                    self.unavailable(key, label, str(self.template))
                    continue
                try:
                    sides[key] = (label, *self._replay_server(stack, count, key))
                except Unavailable as exc:
                    self.unavailable(key, label, str(exc))
            if sides:
                self.guarded("replay100k" if "replay100k" in sides else "replay100", "(c)", lambda: self._replay(sides))

    def _replay_server(self, stack: contextlib.ExitStack, count: int, key: str) -> tuple[Server, list[dict], dict]:
        """A server replaying a fresh recording of count interactions (kept running by stack): the server, the
        load's requests and what loading it took."""
        document, instance_id = self.template
        har = self.rundir / f"replay-{count}.har"
        stack.callback(har.unlink, missing_ok=True)
        t0 = time.perf_counter()
        recordings.write_recording(document, instance_id, count, har)
        write_s = time.perf_counter() - t0
        port = free_port()
        server = stack.enter_context(Server(key, serve_cmd(port), port, self.rundir))
        server.wait_http("/", timeout=60)
        t0, cpu0 = time.perf_counter(), server.cpu_seconds()
        # --replay FILE plays each answer once (vcrpy's default); the load repeats hits, so it loads the
        # recording through the control API with allow_playback_repeats.
        status, body = http_call(
            server.port,
            "PUT",
            "/_sim/replay",
            {"path": str(har), "mode": "strict", "allow_playback_repeats": True},
            timeout=600,
        )
        load_s, load_cpu_s = time.perf_counter() - t0, server.cpu_seconds() - cpu0
        if status != 200:
            raise Unavailable(f"PUT /_sim/replay answered {status}: {body[:200]!r}")
        loaded = json.loads(body)["replay"]["player"]["interactions"]
        if loaded != count:
            raise Unavailable(f"the player loaded {loaded} interactions, not {count}")
        paths = recordings.hit_paths("/v1.0/1234/instances/{id}", count)
        info = dict(recording_mb=har.stat().st_size / 1e6, write_s=write_s, load_s=load_s, load_cpu_s=load_cpu_s)
        return server, [{"method": "GET", "path": p, "headers": dict(AUTH)} for p in paths], info

    def _replay(self, sides: dict) -> None:
        for key, (_label, server, requests, info) in sides.items():
            info["first_plays"] = self._first_plays(key, server, requests)
        repeat, best, runs = self.args.repeat, {}, {key: [] for key in sides}
        self.args.repeat = 1
        try:
            keys = list(sides)
            for i in range(max(repeat, 2)):
                for key in keys if i % 2 == 0 else keys[::-1]:  # neither always goes first
                    label, server, requests, info = sides[key]
                    result = self.load(
                        key, label, server, requests, check=lambda s: None if '"instance"' in s else f"got {s[:80]}"
                    )
                    runs[key].append(result)
                    if key not in best or result["rps"] > best[key]["rps"]:
                        best[key] = result
        finally:
            self.args.repeat = repeat
        for key, (label, server, requests, info) in sides.items():
            status, body = http_call(server.port, "GET", "/_sim/replay")
            result = self.loads[key] = {
                **best[key],
                **info,
                "runs_rps": [round(r["rps"], 1) for r in runs[key]],
                "runs_p50_ms": [round(r["p50_ms"], 3) for r in runs[key]],
                "runs_server_cpu": [round(r["server_cpu"], 3) for r in runs[key]],
                "runs_server_queued": [round(r["server_queued"], 3) for r in runs[key]],
                "misses": len(json.loads(body)["replay"]["player"]["misses"]) if status == 200 else None,
                "memory_kb": server.memory_kb(),
                "distinct_hits": len(requests),
            }
            first = info["first_plays"]
            timed = (  # a hundred requests over 32 connections are too few to take a rate from
                f"{first['server_cpu_us']:.0f} us of server CPU per first play, p50 {first['p50_ms']:.2f} ms"
                if first["requests"] >= 1000
                else "untimed"
            )
            self.say(
                f"      {label}: recording {result['recording_mb']:.1f} MB written in {result['write_s']:.1f} s, "
                f"loaded in {result['load_s']:.2f} s ({result['load_cpu_s']:.2f} s of server CPU); "
                f"{len(requests):,} distinct interactions hit, each first played before timing ({timed}); "
                f"misses {result['misses']}; server RSS {result['memory_kb'].get('VmRSS', 0) / 1024:.0f} MB (peak "
                f"{result['memory_kb'].get('VmHWM', 0) / 1024:.0f} MB)"
            )

    def _first_plays(self, key: str, server: Server, requests: list[dict]) -> dict:
        """Each request of the load once, untimed by the report: the first play of each interaction it hits."""
        spec_path = self.rundir / f"{key}.first.spec.json"
        spec_path.write_text(json.dumps(fixtures.spec(requests)))
        cmd = [sys.executable, str(HERE / "loadgen.py"), "--port", str(server.port), "--spec", str(spec_path)]
        cmd += ["--connections", str(self.args.connections), "--requests", str(len(requests)), "--warmup", "0"]
        cmd += ["--max-seconds", str(self.args.max_seconds)]
        result = self._one_load(cmd, server)
        if result["ok"] != result["requests"]:
            raise Unavailable(f"the first plays got {result['statuses']} {result['errors']}")
        return {
            "requests": result["requests"],
            "p50_ms": result["p50_ms"],
            "server_cpu_us": result["server_cpu"] / result["rps"] * 1e6 if result["rps"] else 0.0,
        }

    def run_moto(self) -> None:
        server = peers.start_moto(self.args.cache, self.rundir, log=self.say)
        with server:
            self.load(
                "moto",
                "(d) moto server, RDS DescribeDBInstances",
                server,
                [peers.moto_request()],
                check=lambda s: None if "<DBInstanceIdentifier>json-restore<" in s else f"got {s[:80]}",
            )

    def run_wiremock(self) -> None:
        server = peers.start_wiremock(self.args.cache, self.rundir, self.seed_path, self.seed_body, log=self.say)
        with server:
            self.load(
                "wiremock",
                "(e) WireMock stub, instance JSON",
                server,
                [{"method": "GET", "path": self.seed_path, "headers": dict(AUTH)}],
                check=lambda s: None if json.loads(s)["instance"]["name"] == "json_restore" else "not the seed",
            )

    def run_list_and_memory(self) -> None:
        """One server: fill the account, measure memory, list pages of 20, measure memory again."""
        args = self.args
        n_inst, n_back = args.instances, (args.backups if self.wanted("memory") else 0)
        port = free_port()
        label = f"cdbsim list instances (20/page), {n_inst:,} inst."
        self.say(f"  filling account 1234 with {n_inst:,} instances and {n_back:,} backups in the server process...")
        with Server(
            "cdbsim-big", sim_server_cmd(port, "--instances", str(n_inst), "--backups", str(n_back)), port, self.rundir
        ) as server:
            seed = json.loads(server.wait_line("SEED", 900))
            server.wait_line("READY", 60)
            self.figures["seed"] = seed
            self.say(
                f"      {seed['instances']:,} instances through Instances.create in {seed['instances_s']:.1f} s"
                + (
                    f"; {seed.get('backups', 0):,} backups in {seed.get('backups_s', 0):.1f} s (the first "
                    f"{seed.get('backups_through_rules', 0):,} through Backups.create in "
                    f"{seed.get('backups_through_rules_s', 0):.1f} s, the rest copies of those rows)"
                    if n_back
                    else ""
                )
            )
            if seed.get("backups_unavailable"):
                self.say(f"      ! backups: {seed['backups_unavailable']}")
            before = server.memory_kb()
            mem = self.figures["memory"] = {
                "instances": seed["instances"],
                "backups": seed.get("backups", 0),
                "backups_wanted": n_back,
                "backups_unavailable": seed.get("backups_unavailable"),
                "rss_after_seed_kb": before.get("VmRSS"),
                "rss_after_list_kb": None,
                "peak_kb": before.get("VmHWM"),
                "seed": seed,
            }
            if self.wanted("list"):
                markers = seed.get("markers") or []
                requests = [{"method": "GET", "path": "/v1.0/1234/instances", "headers": dict(AUTH)}]
                requests += [
                    {"method": "GET", "path": f"/v1.0/1234/instances?marker={m}", "headers": dict(AUTH)}
                    for m in markers
                ]

                def check(sample: str) -> str | None:
                    got = len(json.loads(sample)["instances"])
                    return None if got == 20 else f"{got} instances on a page"

                self.guarded("list", label, lambda: self.load("list", label, server, requests, check=check))
                ids = seed.get("instance_ids") or []
                if ids:
                    cold = f"cdbsim GET instance, {len(ids):,} distinct (cold)"
                    gets = [{"method": "GET", "path": f"/v1.0/1234/instances/{i}", "headers": dict(AUTH)} for i in ids]
                    self.guarded(
                        "get_cold",
                        cold,
                        lambda: self.load(
                            "get_cold",
                            cold,
                            server,
                            gets,
                            check=lambda s: None if '"instance"' in s else f"got {s[:80]}",
                        ),
                    )
            after = server.memory_kb()
            mem.update(
                rss_after_list_kb=after.get("VmRSS"),
                peak_kb=after.get("VmHWM"),
                list_requests=(self.loads.get("list") or {}).get("requests", 0) + self.args.warmup,
            )
            if self.wanted("list"):
                self.profile("profile_list", "list-instances", server, requests)
            self.say(
                f"      server RSS {max(before.get('VmRSS', 0), after.get('VmRSS', 0)) / 1024:.0f} MB "
                f"(peak {after.get('VmHWM', 0) / 1024:.0f} MB) with {seed['instances']:,} instances and "
                f"{seed.get('backups', 0):,} backups"
            )
        if self.wanted("memory"):
            self.run_memory_state_file(n_inst, n_back)

    def run_memory_state_file(self, n_inst: int, n_back: int) -> None:
        """The same fill with a state file (what `cdbsim serve` uses by default): RSS once filled."""
        port = free_port()
        state = self.rundir / "memory-state.db"
        for path in (state, Path(f"{state}-wal"), Path(f"{state}-shm")):
            path.unlink(missing_ok=True)
        with Server(
            "cdbsim-big-file",
            sim_server_cmd(port, "--instances", str(n_inst), "--backups", str(n_back), db=str(state)),
            port,
            self.rundir,
        ) as server:
            seed = json.loads(server.wait_line("SEED", 900))
            server.wait_line("READY", 60)
            rss = server.memory_kb()
        self.figures["memory"].update(
            rss_state_file_kb=rss.get("VmRSS"),
            state_file_instances=seed["instances"],
            state_file_backups=seed.get("backups", 0),
            state_file_mb=round(state.stat().st_size / 1e6, 1),
        )
        self.say(
            f"      with a state file (the default): server RSS {rss.get('VmRSS', 0) / 1024:.0f} MB, "
            f"file {state.stat().st_size / 1e6:.0f} MB ({seed['instances']:,} instances, "
            f"{seed.get('backups', 0):,} backups)"
        )

    def run_restore(self) -> None:
        port = free_port()
        label = "cdbsim restore POST (seed body)"
        with Server("cdbsim-restore", sim_server_cmd(port, "--raise-quotas"), port, self.rundir) as server:
            server.wait_line("READY", 60)
            status, body = http_call(port, "GET", f"/v1.0/1234/backups/{fixtures.BACKUP_ID}", headers=AUTH)
            if status != 200:
                raise Unavailable(
                    f"account 1234 has no backup {fixtures.BACKUP_ID} in the sandbox bootstrap "
                    f"(GET /backups/{{id}} answered {status}: {body[:120]!r})"
                )
            status, body = http_call(port, "POST", "/v1.0/1234/instances", fixtures.RESTORE_BODY, AUTH)
            if status != 200:
                raise Unavailable(f"the seed's restore POST answered {status}: {body[:200]!r}")

            def check(sample: str) -> str | None:
                inst = json.loads(sample)["instance"]
                return None if inst["status"] == "BUILD" and inst["name"] == "json_restore" else f"got {sample[:80]}"

            requests = [fixtures.cdbsim_get("/instances", method="POST", body=fixtures.RESTORE_BODY)]
            self.load("restore", label, server, requests, check=check)
            self.profile("profile_restore", "restore POST", server, requests)

    def run_startup(self) -> None:
        """`cdbsim serve` (a fresh state file, as a first run) from process start to its first HTTP answer."""
        exe = Path(sys.executable).parent / "cdbsim"
        base = [str(exe)] if exe.exists() else [sys.executable, "-m", "simulator"]
        times = []
        for i in range(3 if self.args.quick else 7):
            folder = self.rundir / f"startup-{i}"
            folder.mkdir()
            port = free_port()
            with Server(
                f"startup-{i}", base + ["serve", "--port", str(port)], port, self.rundir, cwd=str(folder)
            ) as server:
                times.append(server.wait_http("/", timeout=60, interval=0.002))
        self.figures["startup"] = {
            "command": " ".join(Path(base[0]).name if j == 0 else a for j, a in enumerate(base)) + " serve --port P",
            "runs_s": times,
            "median_s": statistics.median(times),
            "max_s": max(times),
        }
        self.say(
            f"  {'cdbsim serve: start to first answer':<44} median {statistics.median(times) * 1000:.0f} ms, "
            f"max {max(times) * 1000:.0f} ms over {len(times)} starts"
        )

    def run_reset(self) -> None:
        done = subprocess.run(
            [sys.executable, str(HERE / "reset_timer.py"), "--repeat", "200" if self.args.quick else "1000"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_env(),
            timeout=300,
        )
        if done.returncode != 0:
            raise Unavailable(f"reset_timer.py failed: {done.stderr.strip().splitlines()[-1:]}")
        result = json.loads(done.stdout)
        self.figures["reset"] = result
        if "unavailable" in result:
            self.say(f"  {'pytest fixture per-test reset':<44} not available: {result['unavailable']}")
        else:
            self.say(
                f"  {'pytest fixture per-test reset':<44} median {result['median_ms']:.2f} ms, p99 "
                f"{result['p99_ms']:.2f} ms over {result['repeat']} resets ({result['function']})"
            )

    # the whole run ------------------------------------------------------------------------------
    def run(self) -> int:
        args = self.args
        started = time.perf_counter()
        self.machine = report.machine(args)
        self.say(report.header(self.machine, args, self.seed_source))
        steps = [
            ("bare", "bare", "(a) bare aiohttp, instance JSON", self.run_bare),
            ("cdbsim", "cdbsim", "(b) cdbsim GET instance (auth, journal)", self.run_cdbsim),
            ("wrk", "wrk", "(a)/(b) driven by wrk", self.run_wrk),
            ("dashboard", "dash_on", "(b) GET instance, a dashboard streaming", self.run_dashboard),
            ("requestlog", "log_on", "(b) GET instance, request log on", self.run_requestlog),
            ("replay", None, None, self.run_replay),
            ("moto", "moto", "(d) moto server, RDS DescribeDBInstances", self.run_moto),
            ("wiremock", "wiremock", "(e) WireMock stub, instance JSON", self.run_wiremock),
            ("list", "list", "cdbsim list instances (20/page)", self.run_list_and_memory),
            ("restore", "restore", "cdbsim restore POST (seed body)", self.run_restore),
            ("startup", "startup", "cdbsim serve: start to first answer", self.run_startup),
            ("reset", "reset", "pytest fixture per-test reset", self.run_reset),
            ("tests", "tests", "test suite (pytest -n 2)", self.run_tests),
            ("scaling", "scaling", "cost on a large state vs a small one", self.run_scaling),
            ("vs_moto", "vs_moto", "a user's test: cdbsim vs moto", self.run_vs_moto),
            ("instructions", "instructions", "instructions per GET (callgrind)", self.run_instructions),
        ]
        for name, key, label, fn in steps:
            if name == "list" and not (self.wanted("list") or self.wanted("memory")):
                continue
            if name != "list" and not self.wanted(name):
                continue
            if name == "tests" and args.quick and not args.only:
                self.figures["tests"] = {"unavailable": "not run with --quick (--only tests runs it)"}
                continue
            if name in ("moto", "wiremock", "vs_moto") and args.skip_peers:
                self.unavailable(name, label, "skipped (--skip-peers)")
                continue
            if key is None:
                fn()
            elif key in ("startup", "reset", "tests", "scaling", "vs_moto", "instructions"):
                try:
                    fn()
                except Unavailable as exc:
                    self.figures[key] = {"unavailable": str(exc)}
                    self.say(f"  {label:<44} not available: {exc}")
            else:
                self.guarded(key, label, fn)
        elapsed = time.perf_counter() - started
        self.say(report.summary(self, elapsed))
        if args.json:
            args.json.write_text(json.dumps(report.as_json(self, elapsed), indent=2, default=str) + "\n")
            self.say(f"figures written to {args.json}")
        shutil.rmtree(self.rundir, ignore_errors=True)
        return 0
