"""What the run prints: the header (machine, load), one line per load, the summary table and the targets."""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import subprocess
import sys

from procs import REPO

LOAD_ORDER = (
    "bare",
    "cdbsim",
    "wrk_bare",
    "wrk_cdbsim",
    "dash_off",
    "dash_on",
    "log_off",
    "log_on",
    "replay100",
    "replay100k",
    "moto",
    "wiremock",
    "list",
    "get_cold",
    "restore",
)


def machine(args) -> dict:
    """Where the figures come from."""
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        mem_gb = round(int(open("/proc/meminfo").readline().split()[1]) / 1024 / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    try:
        commit = (
            subprocess.run(
                ["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True, text=True, timeout=10
            ).stdout.strip()
            or "unknown"
        )
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    import aiohttp
    import simulator

    try:
        load1 = round(os.getloadavg()[0], 2)
    except OSError:
        load1 = None
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gb": mem_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "aiohttp": aiohttp.__version__,
        "commit": commit,
        "simulator": os.path.dirname(simulator.__file__),
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "loadavg_at_start": load1,
    }


def header(m: dict, args, seed_source: str) -> str:
    return "\n".join(
        [
            "cdbsim benchmark (issues 7 and 17)" + ("  --quick" if args.quick else ""),
            f"  machine: {m['cpus']} CPUs ({m['cpu']}), {m['memory_gb']} GB, {m['os']}, load average {m['loadavg_at_start']}",
            f"  python {m['python']}, aiohttp {m['aiohttp']}, simulator from {m['simulator']} ({m['commit']})",
            f"  load: benchmarks/loadgen.py, a separate process (asyncio keep-alive HTTP/1.1 client, standard library),"
            f" {args.connections} connections, {args.warmup:,} warm-up then {args.requests:,} timed requests per load"
            f" (cap {args.max_seconds:.0f} s)",
            f"  each load under 15 s runs {args.repeat} time(s) and the run with the most req/s is kept (the machine may "
            f"be shared: see the 'other' column)",
            f"  instance JSON: {seed_source}",
            "",
        ]
    )


def _ratio(x, y) -> float | None:
    return x / y if x and y else None


def load_line(r: dict, bare: dict | None) -> str:
    line = (
        f"  {r['label']:<44} {r['rps']:>9,.0f} req/s  p50 {r['p50_ms']:7.2f} ms  p99 {r['p99_ms']:7.2f} ms"
        f"  server CPU {r['server_cpu'] * 100:3.0f}%"
    )
    if bare and "rps" in bare and bare is not r:
        line += (
            f"  | x{_ratio(r['rps'], bare['rps']):.3f} req/s, x{_ratio(r['p50_ms'], bare['p50_ms']):.1f} p50, "
            f"x{_ratio(r['p99_ms'], bare['p99_ms']):.1f} p99 of (a)"
        )
    return line


def targets(suite) -> list[dict]:
    """Issue 7's targets, each with what was measured and MET / NOT MET (or why it could not be measured)."""
    loads, figs = suite.loads, suite.figures
    out = []

    def rps(key):
        r = loads.get(key) or {}
        return r.get("rps") if not r.get("problems") else None

    def why(*keys):
        for k in keys:
            r = loads.get(k)
            if r is None:
                return f"{k} not run"
            if "unavailable" in r:
                return f"{k} not available: {r['unavailable']}"
            if r.get("problems"):
                return f"{k} had problems: {r['problems'][0]}"
        return None

    def ratio_target(name, num, den, goal, unit="x"):
        reason = why(num, den)
        if reason:
            out.append({"target": name, "goal": f">= {goal} x", "measured": None, "verdict": "n/a", "why": reason})
            return
        value = rps(num) / rps(den)
        met = value >= goal
        out.append(
            {
                "target": name,
                "goal": f">= {goal} x",
                "measured": value,
                "shown": f"{value:.3f} x",
                "verdict": "MET" if met else "NOT MET",
                "why": None if met else f"needs {goal / value:.1f}x more req/s",
            }
        )

    ratio_target("GET instance req/s vs bare aiohttp", "cdbsim", "bare", 0.5)
    ratio_target("GET instance req/s vs moto server", "cdbsim", "moto", 40)
    ratio_target("replay hit req/s (100 interactions) vs WireMock", "replay100", "wiremock", 1.0)
    reason = why("replay100k", "replay100")
    if reason:
        out.append(
            {
                "target": "replay p50, 100,000 vs 100 interactions",
                "goal": "<= 1.2 x",
                "measured": None,
                "verdict": "n/a",
                "why": reason,
            }
        )
    else:
        value = loads["replay100k"]["p50_ms"] / loads["replay100"]["p50_ms"]
        out.append(
            {
                "target": "replay p50, 100,000 vs 100 interactions",
                "goal": "<= 1.2 x",
                "measured": value,
                "shown": f"{value:.2f} x",
                "verdict": "MET" if value <= 1.2 else "NOT MET",
                "why": None if value <= 1.2 else f"{value / 1.2:.2f}x over",
            }
        )
    ratio_target("restore POST req/s vs bare aiohttp", "restore", "bare", 0.2)
    reset = figs.get("reset") or {"unavailable": "not run"}
    if "median_ms" in reset:
        met = reset["median_ms"] <= 10
        out.append(
            {
                "target": "pytest fixture per-test reset (median)",
                "goal": "<= 10 ms",
                "measured": reset["median_ms"],
                "shown": f"{reset['median_ms']:.2f} ms",
                "verdict": "MET" if met else "NOT MET",
                "why": None if met else f"{reset['median_ms'] / 10:.1f}x over",
            }
        )
    else:
        out.append(
            {
                "target": "pytest fixture per-test reset (median)",
                "goal": "<= 10 ms",
                "measured": None,
                "verdict": "n/a",
                "why": f"not available: {reset['unavailable']}",
            }
        )
    start = figs.get("startup") or {"unavailable": "not run"}
    if "median_s" in start:
        met = start["median_s"] <= 1.0
        out.append(
            {
                "target": "cdbsim serve start to first answer (median)",
                "goal": "<= 1 s",
                "measured": start["median_s"],
                "shown": f"{start['median_s'] * 1000:.0f} ms",
                "verdict": "MET" if met else "NOT MET",
                "why": None if met else f"{start['median_s']:.1f}x over",
            }
        )
    else:
        out.append(
            {
                "target": "cdbsim serve start to first answer (median)",
                "goal": "<= 1 s",
                "measured": None,
                "verdict": "n/a",
                "why": f"not available: {start['unavailable']}",
            }
        )
    mem = figs.get("memory")
    name = "RSS 10,000 inst. + 50,000 backups"
    if mem and not (mem["instances"] >= 10000 and mem["backups"] >= 50000):
        name = f"RSS {mem['instances']:,} inst. + {mem['backups']:,} backups"
    if not mem:
        out.append(
            {"target": name, "goal": "<= 100 MB", "measured": None, "verdict": "n/a", "why": why("list") or "not run"}
        )
    else:
        rss_mb = (mem["rss_after_seed_kb"] or 0) / 1024
        shown = f"{rss_mb:.0f} MB (filled, before the load)"
        complete = mem["instances"] >= 10000 and mem["backups"] >= 50000
        if complete:
            out.append(
                {
                    "target": name + ", :memory:",
                    "goal": "<= 100 MB",
                    "measured": rss_mb,
                    "shown": shown,
                    "verdict": "MET" if rss_mb <= 100 else "NOT MET",
                    "why": None if rss_mb <= 100 else f"{rss_mb - 100:.1f} MB over",
                }
            )
            if mem.get("rss_state_file_kb"):
                file_mb = mem["rss_state_file_kb"] / 1024
                out.append(
                    {
                        "target": name + ", state file",
                        "goal": "<= 100 MB",
                        "measured": file_mb,
                        "shown": f"{file_mb:.0f} MB (filled; {mem['state_file_mb']:.0f} MB file)",
                        "verdict": "MET" if file_mb <= 100 else "NOT MET",
                        "why": None if file_mb <= 100 else f"{file_mb - 100:.1f} MB over",
                    }
                )
        else:
            missing = (
                mem.get("backups_unavailable")
                or f"run with {mem['instances']:,} instances and {mem['backups']:,} backups only"
            )
            verdict = "NOT MET" if rss_mb > 100 else "n/a"
            out.append(
                {
                    "target": name,
                    "goal": "<= 100 MB",
                    "measured": rss_mb,
                    "shown": shown,
                    "verdict": verdict,
                    "why": ("already over at the smaller size; " if rss_mb > 100 else "")
                    + f"not at the full size: {missing}",
                }
            )
    return out


def _replay_ratio(name: str, value: float | None, detail: str, missing: str) -> dict:
    """A 100,000 vs 100 interactions ratio against issue 7's 1.2 x."""
    return _verdict(
        name,
        value,
        "<= 1.2 x",
        f"{value or 0:.2f} x {detail}",
        (value or 9) <= 1.2,
        f"{(value or 0) / 1.2:.2f}x over",
        missing,
    )


def _verdict(name: str, value: float | None, goal: str, shown: str, met: bool, short: str, why: str = "") -> dict:
    """One target's row: measured, goal, MET / NOT MET and by how much (or n/a and why)."""
    if value is None:
        return {"target": name, "goal": goal, "measured": None, "verdict": "n/a", "why": why}
    return {
        "target": name,
        "goal": goal,
        "measured": value,
        "shown": shown,
        "verdict": "MET" if met else "NOT MET",
        "why": None if met else short,
    }


def _load_ratio(loads: dict, num: str, den: str) -> tuple[float | None, str]:
    for key in (num, den):
        r = loads.get(key)
        if r is None or "unavailable" in r or r.get("problems") or not r.get("rps"):
            why = "not run" if r is None else r.get("unavailable") or (r.get("problems") or ["no figure"])[0]
            return None, f"{key}: {why}"
    return loads[num]["rps"] / loads[den]["rps"], ""


def targets17(suite) -> list[dict]:
    """Issue 17's targets, each MET / NOT MET by how much, or n/a and why."""
    loads, figs, out = suite.loads, suite.figures, []
    for name, num, den, goal in (
        ("GET instance req/s vs bare (loadgen.py)", "cdbsim", "bare", 0.5),
        ("GET instance req/s vs bare (wrk -t1)", "wrk_cdbsim", "wrk_bare", 0.5),
        ("restore POST req/s vs bare (loadgen.py)", "restore", "bare", 0.2),
    ):
        value, why = _load_ratio(loads, num, den)
        out.append(
            _verdict(
                name,
                value,
                f">= {goal} x",
                f"{value or 0:.3f} x",
                (value or 0) >= goal,
                f"needs {goal / (value or 1):.2f}x more req/s",
                why,
            )
        )
    big, small = loads.get("replay100k") or {}, loads.get("replay100") or {}
    why = big.get("unavailable") or ("not run" if not big else "")
    load_s = big.get("load_s")
    out.append(
        _verdict(
            "100,000-interaction HAR: load time",
            load_s,
            "< 1 s",
            f"{load_s or 0:.2f} s ({big.get('load_cpu_s') or 0:.2f} s CPU)",
            (load_s or 9) < 1.0,
            f"{(load_s or 0) - 1:.2f} s over",
            why,
        )
    )
    rss = (big.get("memory_kb") or {}).get("VmRSS")
    out.append(
        _verdict(
            "100,000-interaction HAR: server RSS replaying",
            rss and rss / 1024,
            "< 150 MB",
            f"{(rss or 0) / 1024:.0f} MB",
            (rss or 0) / 1024 < 150,
            f"{(rss or 0) / 1024 - 150:.0f} MB over",
            why,
        )
    )
    # the loads alternate between the two servers (suite.run_replay): each run of one side against its neighbour of
    # the other, the median of those ratios
    p50s = (big.get("runs_p50_ms"), small.get("runs_p50_ms"))
    value = None
    if p50s[0] and p50s[1]:
        value = statistics.median(b / s for b, s in zip(p50s[0], p50s[1], strict=False))
    missing = why or small.get("unavailable") or "not run"
    out.append(
        _replay_ratio(
            "replay p50, 100,000 vs 100 (median of paired runs)", value, f"over {len(p50s[0] or [])} pairs", missing
        )
    )
    # the server's own CPU per hit (its CPU share over the load / req/s): what the p50 follows when the server is
    # the bottleneck, without the machine's other load, which moves a p50 taken at 32 connections by 1.0-1.9x
    per_hit = [r["server_cpu"] / r["rps"] if r.get("rps") and r.get("server_cpu") else None for r in (big, small)]
    value = per_hit[0] / per_hit[1] if per_hit[0] and per_hit[1] else None
    paired = [
        [c / r for c, r in zip(x.get("runs_server_cpu") or [], x.get("runs_rps") or [], strict=False)]
        for x in (big, small)
    ]
    if paired[0] and paired[1]:  # the median over the alternating pairs of runs, as the p50's
        value = statistics.median(b / s for b, s in zip(paired[0], paired[1], strict=False))
        per_hit = [statistics.median(paired[0]), statistics.median(paired[1])]
    hits = f"({(per_hit[0] or 0) * 1e6:.0f} / {(per_hit[1] or 0) * 1e6:.0f} us)"
    out.append(_replay_ratio("replay server CPU per hit, 100,000 vs 100", value, hits, missing))
    tests = figs.get("tests") or {"unavailable": "not run"}
    out.append(
        _verdict(
            "test suite, pytest -n 2 (its own time)",
            tests.get("pytest_s"),
            "< 90 s",
            f"{tests.get('pytest_s') or 0:.0f} s",
            (tests.get("pytest_s") or 999) < 90,
            f"{(tests.get('pytest_s') or 0) - 90:.0f} s over",
            tests.get("unavailable") or "",
        )
    )
    reset = figs.get("reset") or {"unavailable": "not run"}
    out.append(
        _verdict(
            "pytest plugin per-test reset (median)",
            reset.get("median_ms"),
            "<= 1 ms",
            f"{reset.get('median_ms') or 0:.2f} ms",
            (reset.get("median_ms") or 99) <= 1.0,
            f"{(reset.get('median_ms') or 0) - 1:.2f} ms over",
            reset.get("unavailable") or "",
        )
    )
    return out


def summary(suite, elapsed: float) -> str:
    loads = suite.loads
    bare = loads.get("bare") if "rps" in (loads.get("bare") or {}) else None
    lines = [
        "",
        "=" * 118,
        "Loads (same connections and request counts; ratios are to (a), the physical limit)",
        f"  {'scenario':<46}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'req/s/(a)':>11}{'p50/(a)':>9}"
        f"{'p99/(a)':>9}{'srv CPU':>9}{'other':>7}",
    ]
    for key in LOAD_ORDER:
        r = loads.get(key)
        if r is None:
            continue
        if "unavailable" in r:
            lines.append(f"  {r['label']:<46}not available: {r['unavailable']}")
            continue
        ratios = ("", "", "")
        base = loads.get("wrk_bare") if key.startswith("wrk_") else bare  # wrk's rows: to (a) under wrk
        if base and "rps" in base:
            ratios = (
                f"{r['rps'] / base['rps']:.3f}",
                f"{r['p50_ms'] / base['p50_ms']:.1f}",
                f"{r['p99_ms'] / base['p99_ms']:.1f}",
            )
        lines.append(
            f"  {r['label']:<46}{r['rps']:>9,.0f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}{ratios[0]:>11}"
            f"{ratios[1]:>9}{ratios[2]:>9}{r['server_cpu'] * 100:>8.0f}%{r['other_cpus']:>7.2f}"
            + ("  !" if r.get("problems") else "")
            + ("  (capped)" if r.get("timed_out") else "")
        )
    lines.append(
        "  (srv CPU: the server process's CPU over the load; other: CPUs used by other processes meanwhile; "
        "the (wrk) rows are driven by wrk and their ratios are to (a) under wrk)"
    )
    figs = suite.figures
    lines += ["", "Other measurements"]
    start = figs.get("startup")
    if start and "median_s" in start:
        lines.append(
            f"  cdbsim serve start to first answer: median {start['median_s'] * 1000:.0f} ms, max "
            f"{start['max_s'] * 1000:.0f} ms ({start['command']}, fresh state file)"
        )
    reset = figs.get("reset")
    if reset:
        lines.append(
            "  pytest fixture per-test reset: "
            + (
                f"median {reset['median_ms']:.2f} ms, p99 {reset['p99_ms']:.2f} ms ({reset['function']})"
                if "median_ms" in reset
                else f"not available: {reset['unavailable']}"
            )
        )
    mem = figs.get("memory")
    if mem:
        if mem.get("rss_state_file_kb"):
            lines.append(
                f"  server RSS with a state file (the default): {mem['rss_state_file_kb'] / 1024:.0f} MB after "
                f"filling ({mem['state_file_mb']:.0f} MB file; SQLite keeps its pages in the OS page cache)"
            )
        lines.append(
            f"  server RSS: {mem['rss_after_seed_kb'] / 1024:.0f} MB after filling, "
            f"{(mem['rss_after_list_kb'] or 0) / 1024:.0f} MB after {mem.get('list_requests', 0):,} list requests "
            f"(the journal keeps each one), peak "
            f"{(mem['peak_kb'] or 0) / 1024:.0f} MB ({mem['instances']:,} instances, {mem['backups']:,} backups"
            + (f"; backups: {mem['backups_unavailable']}" if mem.get("backups_unavailable") else "")
            + ")"
        )
        seed = mem["seed"]
        lines.append(
            f"  filling the account in the server process: {seed['instances']:,} instances through "
            f"Instances.create in {seed['instances_s']:.1f} s"
            + (
                f"; {seed.get('backups_through_rules', 0):,} backups through Backups.create in "
                f"{seed.get('backups_through_rules_s', 0):.1f} s, then copies up to {seed.get('backups', 0):,}"
                if mem["backups_wanted"]
                else ""
            )
        )
    lines += dashboard_lines(loads, bare)
    lines += request_log_lines(loads)
    for key in ("replay100", "replay100k"):
        r = loads.get(key) or {}
        if "load_s" in r:
            lines.append(
                f"  replay {key[6:]}: recording {r['recording_mb']:.1f} MB, loaded in {r['load_s']:.2f} s,"
                f" server RSS {r['memory_kb'].get('VmRSS', 0) / 1024:.0f} MB, misses {r['misses']}"
            )
    for key in ("profile", "profile_list", "profile_restore"):
        prof = figs.get(key)
        if prof:
            lines += ["", f"Profile of cdbsim under the {prof['what']} load (py-spy)"]
            lines += prof.get("lines") or [f"  not available: {prof.get('unavailable')}"]
    tests = figs.get("tests")
    if tests and "pytest_s" in tests:
        lines.append(
            f"  test suite (pytest -n 2): {tests['pytest_s']:.0f} s of pytest, {tests['wall_s']:.0f} s wall "
            f"({tests['summary']})"
        )
    for title, table in (("Targets (issue 7)", targets(suite)), ("Targets (issue 17)", targets17(suite))):
        lines += ["", title, f"  {'target':<50}{'measured':<34}{'goal':<11}verdict"]
        for t in table:
            shown = t.get("shown") or "-"
            lines.append(
                f"  {t['target']:<50}{shown:<34}{t['goal']:<11}{t['verdict']}"
                + (f" ({t['why']})" if t.get("why") else "")
            )
    scaling = figs.get("scaling")
    if scaling and scaling.get("rows"):
        import scaling as scaling_module

        lines += [
            "",
            f"Targets (issue 25): large state / small state, p50 and p99 (commit {scaling['commit']}, load "
            f"{scaling['load_start']} -> {scaling['load_end']})",
        ]
        lines += [scaling_module.line(row) for row in scaling["rows"]]
    versus = figs.get("vs_moto")
    if versus and "ratio_median" in versus:
        import vs_moto

        lines += [
            "",
            f"Targets (issue 25): a user's test, cdbsim vs moto (commit {versus['commit']})",
            vs_moto.lines(versus),
        ]
    lines.append(f"\nwhole run: {elapsed:.0f} s")
    return "\n".join(lines)


def dashboard_lines(loads: dict, bare: dict | None) -> list[str]:
    """The GET ratio to (a) without and with a dashboard open and streaming (issue 16)."""
    off, on = loads.get("dash_off") or {}, loads.get("dash_on") or {}
    if "rps" not in off or "rps" not in on or not bare:
        return []
    heard = on.get("dashboard") or {}
    pairs = sorted(w / wo for w, wo in zip(on.get("runs_rps") or [], off.get("runs_rps") or []) if wo)
    spread = (
        f"; per alternating pair, with/without: median {statistics.median(pairs):.3f}, from {pairs[0]:.3f} "
        f"to {pairs[-1]:.3f} over {len(pairs)} pairs"
        if pairs
        else ""
    )
    return [
        f"  GET instance with a dashboard open and streaming: x{on['rps'] / bare['rps']:.3f} of (a), without: "
        f"x{off['rps'] / bare['rps']:.3f} (best runs: with/without {on['rps'] / off['rps']:.3f}{spread}; the page "
        f"heard {heard.get('events', 0):,} events and fetched {heard.get('fetches', 0):,} parts)"
    ]


def request_log_lines(loads: dict) -> list[str]:
    """What the default request log costs: GET instance with it on over --quiet (issue 24: under 5 %), as throughput
    and as the server's CPU time per request (steadier than throughput on a shared machine)."""
    off, on = loads.get("log_off") or {}, loads.get("log_on") or {}
    if "rps" not in off or "rps" not in on:
        return []
    pairs = sorted(w / wo for w, wo in zip(on.get("runs_rps") or [], off.get("runs_rps") or []) if wo)
    spread = (
        f"; per alternating pair: median {statistics.median(pairs):.3f}, from {pairs[0]:.3f} to "
        f"{pairs[-1]:.3f} over {len(pairs)} pairs"
        if pairs
        else ""
    )
    lines = [
        f"  GET instance with the request log on (the default) over --quiet: {on['rps'] / off['rps']:.3f} of the "
        f"throughput, a cost of {1 - on['rps'] / off['rps']:.1%} (best runs{spread}; goal under 5 %)"
    ]
    if on.get("server_cpu") and off.get("server_cpu"):
        cpu_on, cpu_off = on["server_cpu"] / on["rps"] * 1e6, off["server_cpu"] / off["rps"] * 1e6
        lines.append(
            f"  server CPU per GET: {cpu_on:.1f} us with the log, {cpu_off:.1f} us with --quiet "
            f"(+{cpu_on / cpu_off - 1:.1%})"
        )
    return lines


def as_json(suite, elapsed: float) -> dict:
    return {
        "machine": suite.machine,
        "args": {k: str(v) for k, v in vars(suite.args).items()},
        "loads": suite.loads,
        "figures": suite.figures,
        "targets": targets(suite),
        "targets_issue17": targets17(suite),
        "elapsed_s": elapsed,
    }
