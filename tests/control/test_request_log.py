"""The request log: one line per request on stderr (time, method, path, status, ms, fault rule), secret query
parameters masked, control characters escaped; on in `cdbsim serve`, off with --quiet; the health check unlogged."""

from __future__ import annotations

import asyncio
import re

from support import ACCOUNT, TOKEN, Api

from simulator import DemoAccount, SimulatorConfig, create_app
from simulator.pipeline.request_log import FLUSH_AFTER
from simulator.serve.cli import build_parser
from simulator.serve.options import config_from_args

LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d (GET|POST|PUT|PATCH|DELETE) (\S+) (\d{3}) \d+\.\dms(.*)$")
FAILING = {
    "scenario": {
        "name": "broken",
        "rules": [
            {"name": "create-fails", "match": {"route": "create_instance"}, "actions": [{"respond": {"status": 503}}]}
        ],
    }
}


async def test_one_line_per_request_with_status_time_and_fault_rule(aiohttp_client, capsys):
    config = SimulatorConfig(seed=7, bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN), log_requests=True)
    api = Api(await aiohttp_client(create_app(config)))
    await api.get("/flavors?token=hunter2-secret&limit=1")
    await api.get("/instances/nope%0Aforged 200")
    await api.get("/_sim/health")
    await api.post("/_sim/scenarios", {**FAILING, "account_id": ACCOUNT})
    await api.post("/instances", {"instance": {"name": "x", "flavorRef": 1, "volume": {"size": 1}}})
    await asyncio.sleep(FLUSH_AFTER * 2)  # lines wait up to FLUSH_AFTER and go out in one write (this timer is later)
    lines = capsys.readouterr().err.splitlines()
    matches = [LINE.match(line) for line in lines]
    parsed = [match.groups() for match in matches if match is not None]
    assert len(parsed) == len(lines), lines
    assert [(m, p, s, rest) for m, p, s, rest in parsed] == [
        ("GET", f"/v1.0/{ACCOUNT}/flavors?token=***&limit=1", "200", ""),
        ("GET", f"/v1.0/{ACCOUNT}/instances/nope\\x0aforged\\x20200", "404", ""),  # one request, one line
        ("POST", "/_sim/scenarios", "201", ""),
        ("POST", f"/v1.0/{ACCOUNT}/instances", "503", " rule=broken/create-fails respond 503"),
    ]
    assert "hunter2-secret" not in "".join(lines) and TOKEN not in "".join(lines)


async def test_the_default_config_logs_nothing(api, capsys):
    await api.get("/flavors")
    assert capsys.readouterr().err == ""


def test_serve_logs_requests_unless_quiet():
    parser = build_parser()
    assert config_from_args(parser.parse_args(["serve"])).log_requests is True
    assert config_from_args(parser.parse_args(["serve", "--quiet"])).log_requests is False


def test_an_entry_journalled_from_an_exchange_logs_its_line_from_the_row():
    from io import StringIO

    from simulator.pipeline.journal import Journal
    from simulator.pipeline.request_log import RequestLog
    from simulator.repos.store import Store

    exchange = {
        "account_id": ACCOUNT,
        "time": "2026-12-07T13:20:02",
        "method": "POST",
        "path": f"/v1.0/{ACCOUNT}/instances x",
        "query": "token=hunter2&limit=1",
        "route": "create_instance",
        "status": 413,
        "duration_ms": 2.125,
        "rule": "restore_over_limit/restore-rate-limited",
        "action": "respond",
        "request": {"headers": {}, "body": b""},
        "response": {"headers": {}, "body": b""},
    }
    journal, stream = Journal(Store.open(":memory:")), StringIO()
    journal.listeners.append(RequestLog(stream))  # no event loop here: each line is written at once
    journal.record(exchange)
    assert stream.getvalue() == (
        f"2026-12-07T13:20:02 POST /v1.0/{ACCOUNT}/instances\\x20x?token=***&limit=1 413 2.1ms "
        "rule=restore_over_limit/restore-rate-limited respond\n"
    )


def test_a_path_logged_again_is_escaped_the_same_with_or_without_a_query():
    from io import StringIO

    from simulator.pipeline.request_log import RequestLog

    stream = StringIO()
    log = RequestLog(stream)
    path = f"/v1.0/{ACCOUNT}/instances/a b\n"
    for query in ("", "", "limit=1", ""):
        log(("", "2026-12-07T13:20:02", "GET", path, query, "r", 200, "", "", "", "", 1.25, "{}", "{}"))
    log.flush()
    escaped = f"/v1.0/{ACCOUNT}/instances/a\\x20b\\x0a"
    targets = [line.split(" ")[2] for line in stream.getvalue().splitlines()]
    assert targets == [escaped, escaped, escaped + "?limit=1", escaped]
