"""Scripted fault scenarios: rules from YAML files decide, per request, to answer a fault, wait, drop the connection
or make the resource end badly; the engine hangs on app[FAULTS]."""

from __future__ import annotations

import logging
from pathlib import Path

from aiohttp import web

from simulator.faults.actions import apply
from simulator.faults.engine import FaultEngine
from simulator.faults.rules import RequestFacts
from simulator.faults.scenario import shipped_scenarios
from simulator.http import is_control_path, route_name
from simulator.keys import CLOCK, CONFIG, CONTEXT, FAULTS, STORE

log = logging.getLogger("cdbsim.faults")


def fault_engine(app: web.Application) -> FaultEngine:
    """The app's fault engine."""
    return app[FAULTS]


def request_facts(request: web.Request) -> RequestFacts:
    """What the rules look at: method, route name, path, account, headers and the body the journal read."""
    facts = RequestFacts(
        method=request.method,
        path=request.path,
        route=route_name(request),
        account_id=request.match_info.get("account_id"),
        headers={k.lower(): v for k, v in request.headers.items()},
        request_body=request[CONTEXT]["body"],
    )
    if facts.account_id is None and facts.route == "create_token" and isinstance(facts.body, dict):
        # A token request names its account in the body (tenantId or tenantName).
        auth = facts.body.get("auth")
        if isinstance(auth, dict):
            tenant = auth.get("tenantId", auth.get("tenantName"))
            facts.account_id = tenant if isinstance(tenant, str) else None
    return facts


@web.middleware
async def fault_middleware(request: web.Request, handler) -> web.StreamResponse:
    """Apply the first live fault rule that matches this request."""
    engine = request.app.get(FAULTS)
    if engine is None or not engine.active or is_control_path(request.path):  # a test can always clear faults
        return await handler(request)
    facts = request_facts(request)
    decision = engine.decide(facts)
    if decision is None:
        return await handler(request)
    ctx = request[CONTEXT]
    ctx["rule"] = decision.rule_id
    ctx["action"] = decision.plan.summary(decision.delay)
    ctx["note"] = decision.note
    return await apply(decision, request, handler, facts.body, engine.stopping)


def setup_faults(app: web.Application) -> None:
    """Build the fault engine for app: the scenarios a state file kept, then those of config.scenarios."""
    routes = {
        r.name
        for r in app.router.routes()
        if r.name and r.resource is not None and not is_control_path(r.resource.canonical)
    }
    engine = FaultEngine(app[STORE], app[CLOCK], routes)
    engine.restore()
    shipped = shipped_scenarios()
    for entry in app[CONFIG].scenarios:
        # `--scenario` takes a file or the name of a shipped scenario.
        engine.load(entry if entry in shipped else Path(entry))
    app[FAULTS] = engine
    app.on_shutdown.append(_end_delays)  # before aiohttp waits for the requests in progress (SHUTDOWN_GRACE)
    app.on_cleanup.append(_report_unused)


async def _end_delays(app: web.Application) -> None:
    fault_engine(app).stopping.set()


async def _report_unused(app: web.Application) -> None:
    for unused in fault_engine(app).unused():
        log.info(
            "fault rule never fired: %s/%s (account %s, %d matches)",
            unused["scenario"],
            unused["rule"],
            unused["account_id"] or "all",
            unused["matches"],
        )
