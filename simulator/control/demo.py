"""Control: add Faker-made demo data (accounts, instances, databases, users, backup chains with weeks of history)."""

from __future__ import annotations

from aiohttp import web

from simulator.control.common import object_body, simulator_of
from simulator.control.schemas import OBJECT, keyed
from simulator.demo import DemoSpec
from simulator.demo import seed_demo as make_demo
from simulator.errors import BadRequest
from simulator.handlers.common import ok
from simulator.http import Operation
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


# fmt: off
OPERATIONS = [
    Operation("POST", "/demo", seed_demo_handler, "sim_seed_demo",
              "Add faker-made demo accounts, instances and backup chains", body="sim_demo", body_required=False,
              status=201, answer=keyed("demo", OBJECT)),
]
# fmt: on
