"""Control: make, list, empty and delete accounts, and check whether a database user could log in."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from simulator.control.common import faults_of, must_have_account, object_body, simulator_of
from simulator.control.schemas import OBJECT, keyed
from simulator.errors import BadRequest
from simulator.handlers.common import ok
from simulator.http import Operation
from simulator.keys import BACKEND
from simulator.views.common import ref

#: What POST /accounts may give; every part not given is generated.
ACCOUNT_FIELDS = {"account_id", "username", "api_key", "password", "role", "token", "rate_limits"}


def create_account(app: web.Application, body: dict) -> dict:
    """A new account with one user; every part not given is generated (seeded)."""
    unknown = set(body) - ACCOUNT_FIELDS
    if unknown:
        raise BadRequest(f"Unknown field(s) for an account: {', '.join(sorted(unknown))}.")
    backend = app[BACKEND]
    account_id = body.get("account_id")
    if account_id is None:
        account_id = f"acct-{backend.ids.hex(8)}"
    elif not isinstance(account_id, str):
        raise BadRequest("'account_id' must be a string.")
    with backend.sandbox.atomic():
        return backend.identity.create_account(
            account_id, **{k: body[k] for k in ACCOUNT_FIELDS - {"account_id"} if k in body}
        )


def reset_account(app: web.Application, account_id: str) -> dict:
    """One account back to empty (instances, backups, schedules, journal, counters, its fault scenarios), keeping
    the account, its users and tokens. Other accounts are not touched."""
    removed = _remove_account(app, account_id, app[BACKEND].sandbox.empty_account)
    return {"account_id": account_id, "rows_removed": removed}


def delete_account(app: web.Application, account_id: str) -> int:
    """The account and everything of it gone (its users' tokens stop working); returns the rows removed."""
    return _remove_account(app, account_id, app[BACKEND].sandbox.delete_account)


def _remove_account(app: web.Application, account_id: str, remove: Callable[[str], int]) -> int:
    must_have_account(app, account_id)
    faults = faults_of(app)
    with app[BACKEND].sandbox.atomic():
        if faults is not None:
            faults.clear(account_id=account_id)
        return remove(account_id)


def check_login(app: web.Application, account_id: str, instance_id: str, user: str, password: str) -> bool:
    """Whether user (name or name@host) would log in to the instance's database with password."""
    must_have_account(app, account_id)
    return app[BACKEND].users.check_login(account_id, instance_id, user, password)


async def list_accounts(request: web.Request) -> web.Response:
    """GET /accounts"""
    return ok({"accounts": simulator_of(request)[BACKEND].identity.accounts()})


async def create_account_handler(request: web.Request) -> web.Response:
    """POST /accounts {"account_id", "username", "api_key", "password", "role", "token", "rate_limits"}"""
    return ok({"account": create_account(simulator_of(request), object_body(request))}, status=201)


async def delete_account_handler(request: web.Request) -> web.Response:
    """DELETE /accounts/{account_id}: the account and everything of it"""
    delete_account(simulator_of(request), request.match_info["account_id"])
    return web.Response(status=204)


async def reset_account_handler(request: web.Request) -> web.Response:
    """POST /accounts/{account_id}/reset: one account back to empty, credentials kept"""
    return ok({"reset": reset_account(simulator_of(request), request.match_info["account_id"])})


async def check_login_handler(request: web.Request) -> web.Response:
    """POST /accounts/{account_id}/instances/{instance_id}/login {"user", "password"}: would it log in?"""
    body = object_body(request)
    if not isinstance(body.get("user"), str) or not isinstance(body.get("password"), str):
        raise BadRequest("'user' (name or name@host) and 'password' must be strings.")
    m = request.match_info
    accepted = check_login(simulator_of(request), m["account_id"], m["instance_id"], body["user"], body["password"])
    return ok({"login": accepted})


# fmt: off
OPERATIONS = [
    Operation("GET", "/accounts", list_accounts, "sim_list_accounts", "List accounts",
              answer=keyed("accounts", {"type": "array", "items": OBJECT})),
    Operation("POST", "/accounts", create_account_handler, "sim_create_account", "Create an account with one user",
              body="sim_account", body_required=False, status=201, answer=keyed("account", ref("Credentials"))),
    Operation("DELETE", "/accounts/{account_id}", delete_account_handler, "sim_delete_account",
              "An account and everything of it", status=204),
    Operation("POST", "/accounts/{account_id}/reset", reset_account_handler, "sim_reset_account",
              "One account back to empty, credentials kept",
              answer=keyed("reset", {"type": "object",
                                     "properties": {"account_id": {"type": "string"},
                                                    "rows_removed": {"type": ["integer", "object"]}},
                                     "required": ["account_id", "rows_removed"]})),
    Operation("POST", "/accounts/{account_id}/instances/{instance_id}/login", check_login_handler, "sim_check_login",
              "Would this database user log in with this password?", body="sim_login",
              answer=keyed("login", {"type": "boolean"})),
]
# fmt: on
