"""Control: add Faker-made demo data (accounts, instances, databases, users, backup chains with weeks of history)."""

from __future__ import annotations

from aiohttp import web

from simulator.control.common import object_body, simulator_of
from simulator.demo import DemoSpec
from simulator.demo import seed_demo as make_demo
from simulator.errors import BadRequest
from simulator.handlers.common import ok
from simulator.keys import BACKEND

#: What POST /demo may give (DemoSpec's fields).
DEMO_FIELDS = {"seed", "accounts", "instances", "chains", "weeks"}


def seed_demo(app: web.Application, body: dict) -> dict:
    """Faker-made accounts, instances, databases, users and backup chains with weeks of history (same seed, same
    data)."""
    if set(body) - DEMO_FIELDS:
        raise BadRequest(f"Unknown field(s) for demo data: {', '.join(sorted(set(body) - DEMO_FIELDS))}.")
    return make_demo(app[BACKEND], DemoSpec(**body))


async def seed_demo_handler(request: web.Request) -> web.Response:
    """POST /demo {"seed", "accounts", "instances", "chains", "weeks"}: add demo data"""
    return ok({"demo": seed_demo(simulator_of(request), object_body(request))}, status=201)


ROUTES = [
    web.post("/demo", seed_demo_handler, name="sim_seed_demo"),
]
