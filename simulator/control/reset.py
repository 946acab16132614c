"""Control: the whole simulator back to a fresh start, and the id sequence restarted from a seed."""

from __future__ import annotations

from aiohttp import web

from simulator.control.common import faults_of, object_body, simulator_of
from simulator.control.schemas import keyed
from simulator.errors import BadRequest
from simulator.handlers.common import ok
from simulator.http import Operation
from simulator.keys import BACKEND, CONFIG, IDS, JOURNAL

MAX_SEED = 2**63 - 1


def check_seed(value) -> int:
    """A seed is an integer from 0 to 2**63 - 1."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEED:
        raise BadRequest(f"'seed' must be an integer from 0 to {MAX_SEED}.")
    return value


def reset_all(app: web.Application, seed: int | None = None) -> dict:
    """Everything back to a fresh start: no rows, no scenarios, no handler errors, ids from the seed again, and the
    configured demo account re-made. Snapshots are kept; the clock and a loaded recording are left as they are."""
    seed = app[CONFIG].seed if seed is None else seed
    faults = faults_of(app)
    backend = app[BACKEND]
    with backend.sandbox.atomic():
        if faults is not None:
            faults.clear()
        backend.sandbox.wipe()
        app[IDS].reseed(seed)
        backend.bootstrap()
    app[JOURNAL].handler_errors.clear()
    return {"seed": seed, "accounts": [a["id"] for a in backend.identity.accounts()]}


def reseed(app: web.Application, seed: int) -> dict:
    """Start the id sequence of seed again: the same seed on the same state gives the same ids (an id that is
    taken already is drawn again, so a seed used before never collides with the rows it made)."""
    app[IDS].reseed(check_seed(seed))
    return {"seed": seed}


async def reset_handler(request: web.Request) -> web.Response:
    """POST /reset {"seed": N}: the whole simulator back to a fresh start"""
    body = object_body(request, {"seed"})
    seed = check_seed(body["seed"]) if "seed" in body else None
    return ok({"reset": reset_all(simulator_of(request), seed)})


async def set_ids_handler(request: web.Request) -> web.Response:
    """PUT /ids {"seed": N}: restart the id sequence"""
    body = object_body(request, {"seed"})
    return ok({"ids": reseed(simulator_of(request), check_seed(body.get("seed")))})


# fmt: off
OPERATIONS = [
    Operation("POST", "/reset", reset_handler, "sim_reset", "Everything back to a fresh start (snapshots kept)",
              body="sim_reset", body_required=False,
              answer=keyed("reset", {"type": "object", "properties": {"seed": {"type": ["integer", "null"]},
                                                                      "accounts": {"type": "array",
                                                                                   "items": {"type": "string"}}},
                                     "required": ["seed", "accounts"]})),
    Operation("PUT", "/ids", set_ids_handler, "sim_set_ids", "Restart the id sequence from a seed", body="sim_seed",
              answer=keyed("ids", {"type": "object", "properties": {"seed": {"type": "integer"}},
                                   "required": ["seed"]})),
]
# fmt: on
