"""The /_sim/ control plane: reset, clock, ids, accounts, journal (and HAR), errors, snapshots, demo data.

It answers loopback callers only, unless the caller sends X-Admin-Token equal to config.admin_token. Each call is a
plain function of the app (reset_account(app, ...), advance_clock(app, ...), ...) wrapped by a thin handler, so the
pytest plugin runs the same code on the server's thread (SimulatorServer.run) without an HTTP round trip.
"""
from __future__ import annotations

import ipaddress
import json
import os
import shutil
import tempfile
import weakref
from dataclasses import dataclass, field

from aiohttp import web

from simulator.clock import api_time, parse_time
from simulator.errors import BadRequest, Forbidden, ItemNotFound
from simulator.handlers.common import backend, json_body, ok
from simulator.keys import BACKEND, CLOCK, CONFIG, FEATURES, IDS, JOURNAL, STORE
from simulator.repos.state import IDENTITY

#: What an account snapshot leaves out: history (the journal, rate counters) and test set-up (fault scenarios).
NOT_ACCOUNT_STATE = ("journal", "rate_counters", "fault_scenarios")
MAX_SEED = 2 ** 63 - 1


def require_control(request: web.Request) -> None:
    """Control calls come from loopback, or carry X-Admin-Token equal to the configured admin token."""
    admin = request.app[CONFIG].admin_token
    if admin and request.headers.get("X-Admin-Token") == admin:
        return
    peer = request.remote or ""
    try:
        if ipaddress.ip_address(peer).is_loopback:
            return
    except ValueError:
        pass
    raise Forbidden("The /_sim/ control API answers loopback callers only, or callers with the admin token.")


def _body(request: web.Request, allowed: set[str] | None = None) -> dict:
    body = json_body(request)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.")
    if allowed is not None and set(body) - allowed:
        raise BadRequest(f"Unknown field(s): {', '.join(sorted(set(body) - allowed))}.")
    return body


def _seed(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEED:
        raise BadRequest(f"'seed' must be an integer from 0 to {MAX_SEED}.")
    return value


def _must_have_account(app: web.Application, account_id: str) -> None:
    if app[BACKEND].identity.account(account_id) is None:
        raise ItemNotFound(f"Account {account_id} cannot be found.")


def _faults(app: web.Application):
    return app[FEATURES].get("faults")


# reset -------------------------------------------------------------------------------------------------------------
def reset_all(app: web.Application, seed: int | None = None) -> dict:
    """Everything back to a fresh start: no rows, no scenarios, no handler errors, ids from the seed again, and the
    configured demo account re-made. Snapshots are kept; the clock and a loaded recording are left as they are."""
    config = app[CONFIG]
    seed = config.seed if seed is None else seed
    faults = _faults(app)
    store = app[STORE]
    with store.atomic():
        if faults is not None:
            faults.clear()
        store.state.wipe()
        app[IDS].reseed(seed)
        app[BACKEND].bootstrap()
    app[JOURNAL].handler_errors.clear()
    return {"seed": seed, "accounts": [a["id"] for a in app[BACKEND].identity.accounts()]}


def reset_account(app: web.Application, account_id: str) -> dict:
    """One account back to empty (instances, backups, schedules, journal, counters, its fault scenarios), keeping
    the account, its users and tokens. Other accounts are not touched."""
    return {"account_id": account_id, "rows_removed": _remove_account(app, account_id, keep=IDENTITY)}


def delete_account(app: web.Application, account_id: str) -> int:
    """The account and everything of it gone (its users' tokens stop working); returns the rows removed."""
    return _remove_account(app, account_id, keep=())


def _remove_account(app: web.Application, account_id: str, keep: tuple[str, ...]) -> int:
    _must_have_account(app, account_id)
    faults = _faults(app)
    with app[STORE].atomic():
        if faults is not None:
            faults.clear(account_id=account_id)
        return app[STORE].state.delete_account_rows(account_id, exclude=keep)


def reseed(app: web.Application, seed: int) -> dict:
    """Start the id sequence of seed again: the same seed on the same state gives the same ids (an id that is
    taken already is drawn again, so a seed used before never collides with the rows it made)."""
    app[IDS].reseed(_seed(seed))
    return {"seed": seed}


# clock -------------------------------------------------------------------------------------------------------------
def clock_view(app: web.Application) -> dict:
    clock = app[CLOCK]
    return {"mode": clock.mode, "now": api_time(clock.now()) + "Z", "epoch": clock.time()}


def advance_clock(app: web.Application, seconds) -> dict:
    """Move a manual clock forward and carry out every lifecycle step that fell due."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        raise BadRequest("'seconds' must be a number >= 0.")
    try:
        app[CLOCK].advance(seconds)
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    app[BACKEND].settle()
    return clock_view(app)


def set_clock(app: web.Application, now: str | None = None, mode: str | None = None) -> dict:
    """Switch the clock's mode ("manual" stops it at the current moment; "real" follows datetime.now, and so
    freezegun) and/or jump a manual clock to an ISO-8601 time; then settle what fell due."""
    clock = app[CLOCK]
    if mode is not None and mode not in ("manual", "real"):
        raise BadRequest("'mode' must be 'manual' or 'real'.")
    if now is not None and not isinstance(now, str):
        raise BadRequest("'now' must be an ISO-8601 time.")
    if now is None and mode is None:
        raise BadRequest("Give 'now' (an ISO-8601 time), 'mode' ('manual' or 'real'), or both.")
    try:
        moment = parse_time(now) if now is not None else None
        if moment is not None:
            moment.timestamp()
    except (ValueError, OverflowError) as exc:
        raise BadRequest(f"Cannot set the clock: {exc}") from None
    if (mode or clock.mode) == "real" and moment is not None:
        raise BadRequest("Cannot set the clock: only a manual clock can be set.")
    if mode == "manual" and clock.mode != "manual":
        current = clock.now()
        clock.mode = "manual"
        clock.set(current)
    elif mode == "real":
        clock.mode = "real"
    if moment is not None:
        clock.set(moment)
    app[BACKEND].settle()
    return clock_view(app)


# accounts ----------------------------------------------------------------------------------------------------------
ACCOUNT_FIELDS = {"account_id", "username", "api_key", "password", "role", "token", "rate_limits"}


def create_account(app: web.Application, body: dict) -> dict:
    """A new account with one user; every part not given is generated (seeded)."""
    unknown = set(body) - ACCOUNT_FIELDS
    if unknown:
        raise BadRequest(f"Unknown field(s) for an account: {', '.join(sorted(unknown))}.")
    identity = app[BACKEND].identity
    account_id = body.get("account_id")
    if account_id is None:
        account_id = f"acct-{app[BACKEND].ids.hex(8)}"
    elif not isinstance(account_id, str):
        raise BadRequest("'account_id' must be a string.")
    with app[STORE].atomic():
        return identity.create_account(account_id,
                                       **{k: body[k] for k in ACCOUNT_FIELDS - {"account_id"} if k in body})


# journal -----------------------------------------------------------------------------------------------------------
def _journal_filters(query) -> dict:
    try:
        since, status, limit = (int(query[k]) if query.get(k) else None for k in ("since", "status", "limit"))
    except ValueError:
        raise BadRequest("since, status and limit must be integers.") from None
    if any(v is not None and abs(v) >= 2 ** 63 for v in (since, status, limit)):
        raise BadRequest("since, status and limit must be integers below 2**63.")
    return {"account_id": query.get("account_id"), "since": since or 0, "route": query.get("route"),
            "status": status, "limit": limit}


def journal_entries(app: web.Application, **filters) -> list[dict]:
    return app[JOURNAL].entries(**filters)


def journal_har(entries: list[dict]) -> dict:
    """Journal entries as a HAR 1.2 document (secrets are already masked in the journal)."""
    from simulator.replay.har import (Interaction, RecordedRequest, RecordedResponse, har_document,
                                      interaction_to_entry, reason_phrase)

    def raw(body) -> bytes:
        if body is None:
            return b""
        return body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode("utf-8")

    har_entries = []
    for e in entries:
        req, resp = e.get("request") or {}, e.get("response") or {}
        headers = req.get("headers") or {}
        host = next((v for k, v in headers.items() if k.lower() == "host"), "localhost")
        url = f"http://{host}{e['path']}" + (f"?{e['query']}" if e.get("query") else "")
        meta = {k: e[k] for k in ("seq", "account_id", "route", "rule", "action", "note") if e.get(k) is not None}
        har_entries.append(interaction_to_entry(Interaction(
            request=RecordedRequest(e["method"], url, tuple(headers.items()), raw(req.get("body"))),
            response=RecordedResponse(e["status"], reason_phrase(e["status"]),
                                      tuple((resp.get("headers") or {}).items()), raw(resp.get("body"))),
            started=f"{e['time']}.000Z", time_ms=float(e.get("duration_ms") or 0.0), meta=meta)))
    return har_document(har_entries, {"source": "journal"})


def handler_errors(app: web.Application, since: int = 0) -> dict:
    """The tracebacks of exceptions the simulator raised while serving (bugs in the fake), from index since."""
    errors = app[JOURNAL].handler_errors
    return {"errors": errors[since:], "count": len(errors)}


def status(app: web.Application) -> dict:
    """Marks a caller reads later changes from: the clock, the newest journal seq, the handler error count."""
    return {"clock": clock_view(app), "journal_seq": app[STORE].journal.last_seq(),
            "handler_errors": len(app[JOURNAL].handler_errors),
            "accounts": len(app[STORE].accounts.list())}


# snapshots ---------------------------------------------------------------------------------------------------------
@dataclass
class Snapshots:
    """Named snapshots: the whole database in a file (SQLite's backup API) or one account's rows in memory."""

    taken: dict[str, dict] = field(default_factory=dict)
    folder: str | None = None
    files: int = 0

    def new_file(self) -> str:
        """A fresh file in a private temporary folder (removed with this object or at exit)."""
        if self.folder is None:
            self.folder = tempfile.mkdtemp(prefix="cdbsim-snapshots-")
            weakref.finalize(self, shutil.rmtree, self.folder, True)
        self.files += 1
        return os.path.join(self.folder, f"{self.files}.db")


def snapshots_of(app: web.Application) -> Snapshots:
    return app[FEATURES].setdefault("snapshots", Snapshots())


def _snapshot_view(snap: dict) -> dict:
    return {k: snap[k] for k in ("name", "account_id", "taken_at", "rows")}


def take_snapshot(app: web.Application, name: str | None = None, account_id: str | None = None) -> dict:
    """Keep the current state under name: the whole store, or one account's rows (not its journal)."""
    snaps = snapshots_of(app)
    name = name if name is not None else f"snapshot-{len(snaps.taken) + 1}"
    if not isinstance(name, str) or not 0 < len(name) <= 128:
        raise BadRequest("'name' must be a string of 1 to 128 characters.")
    if account_id is not None and not isinstance(account_id, str):
        raise BadRequest("'account_id' must be a string.")
    store = app[STORE]
    snap = {"name": name, "account_id": account_id, "taken_at": api_time(app[CLOCK].now()) + "Z"}
    if account_id is None:
        path = snaps.new_file()
        with store.outside_transaction():
            store.backup_to(path)
        clock = app[CLOCK]
        snap.update(file=path, rows=None, clock=clock.now() if clock.mode == "manual" else None)
    else:
        _must_have_account(app, account_id)
        rows = store.state.account_rows(account_id, exclude=NOT_ACCOUNT_STATE)
        snap.update(data=rows, rows=sum(len(v) for v in rows.values()))
    old = snaps.taken.pop(name, None)
    snaps.taken[name] = snap
    if old and old.get("file"):
        _remove(old["file"])
    return _snapshot_view(snap)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def restore_snapshot(app: web.Application, name: str) -> dict:
    """Bring a snapshot back: the whole store (and a manual clock's time, and the scenarios it held), or the
    account's rows as they were (its journal and scenarios stay as they are now)."""
    snap = snapshots_of(app).taken.get(name)
    if snap is None:
        raise ItemNotFound(f"Snapshot {name} cannot be found.")
    store = app[STORE]
    if snap["account_id"] is None:
        faults = _faults(app)
        if faults is not None:
            faults.clear()
        with store.outside_transaction():
            store.restore_from(snap["file"])
        if faults is not None:
            faults.restore()
        clock = app[CLOCK]
        if snap["clock"] is not None and clock.mode == "manual":
            clock.set(snap["clock"])
    else:
        with store.atomic():
            store.state.replace_account_rows(snap["account_id"], snap["data"])
    return _snapshot_view(snap)


def delete_snapshot(app: web.Application, name: str) -> None:
    snap = snapshots_of(app).taken.pop(name, None)
    if snap is None:
        raise ItemNotFound(f"Snapshot {name} cannot be found.")
    if snap.get("file"):
        _remove(snap["file"])


# demo data ---------------------------------------------------------------------------------------------------------
def seed_demo(app: web.Application, body: dict) -> dict:
    """Faker-made accounts, instances, databases, users and backup chains with weeks of history (same seed, same
    data)."""
    from simulator.demo import DemoSpec, seed_demo as make

    allowed = {"seed", "accounts", "instances", "chains", "weeks"}
    if set(body) - allowed:
        raise BadRequest(f"Unknown field(s) for demo data: {', '.join(sorted(set(body) - allowed))}.")
    return make(app[BACKEND], DemoSpec(**body))


# handlers ----------------------------------------------------------------------------------------------------------
async def show_clock(request: web.Request) -> web.Response:
    """GET /_sim/clock"""
    require_control(request)
    return ok({"clock": clock_view(request.app)})


async def advance_clock_handler(request: web.Request) -> web.Response:
    """POST /_sim/clock/advance {"seconds": N}"""
    require_control(request)
    return ok({"clock": advance_clock(request.app, _body(request).get("seconds"))})


async def set_clock_handler(request: web.Request) -> web.Response:
    """PUT /_sim/clock {"now": ISO time, "mode": "manual" | "real"} (either or both)"""
    require_control(request)
    body = _body(request, {"now", "mode"})
    return ok({"clock": set_clock(request.app, body.get("now"), body.get("mode"))})


async def reset_handler(request: web.Request) -> web.Response:
    """POST /_sim/reset {"seed": N}: the whole simulator back to a fresh start"""
    require_control(request)
    body = _body(request, {"seed"})
    seed = _seed(body["seed"]) if "seed" in body else None
    return ok({"reset": reset_all(request.app, seed)})


async def reset_account_handler(request: web.Request) -> web.Response:
    """POST /_sim/accounts/{account_id}/reset: one account back to empty, credentials kept"""
    require_control(request)
    return ok({"reset": reset_account(request.app, request.match_info["account_id"])})


async def set_ids_handler(request: web.Request) -> web.Response:
    """PUT /_sim/ids {"seed": N}: restart the id sequence"""
    require_control(request)
    body = _body(request, {"seed"})
    return ok({"ids": reseed(request.app, body.get("seed"))})


async def list_accounts(request: web.Request) -> web.Response:
    """GET /_sim/accounts"""
    require_control(request)
    return ok({"accounts": backend(request).identity.accounts()})


async def create_account_handler(request: web.Request) -> web.Response:
    """POST /_sim/accounts {"account_id", "username", "api_key", "password", "role", "token", "rate_limits"}"""
    require_control(request)
    return ok({"account": create_account(request.app, _body(request))}, status=201)


async def delete_account_handler(request: web.Request) -> web.Response:
    """DELETE /_sim/accounts/{account_id}: the account and everything of it"""
    require_control(request)
    delete_account(request.app, request.match_info["account_id"])
    return web.Response(status=204)


async def list_journal(request: web.Request) -> web.Response:
    """GET /_sim/journal[?account_id=&since=&route=&status=&limit=]"""
    require_control(request)
    return ok({"journal": journal_entries(request.app, **_journal_filters(request.query))})


async def export_journal(request: web.Request) -> web.Response:
    """GET /_sim/journal/har[?account_id=&since=&route=&status=&limit=]: the journal as a HAR 1.2 document"""
    require_control(request)
    return ok(journal_har(journal_entries(request.app, **_journal_filters(request.query))))


async def clear_journal(request: web.Request) -> web.Response:
    """DELETE /_sim/journal[?account_id=]"""
    require_control(request)
    request.app[JOURNAL].clear(request.query.get("account_id"))
    return web.Response(status=204)


async def list_errors(request: web.Request) -> web.Response:
    """GET /_sim/errors[?since=N]: exceptions the simulator raised while serving (each one is a bug in the fake)"""
    require_control(request)
    try:
        since = int(request.query.get("since") or 0)
    except ValueError:
        raise BadRequest("since must be an integer.") from None
    return ok(handler_errors(request.app, max(since, 0)))


async def show_status(request: web.Request) -> web.Response:
    """GET /_sim/status: clock, newest journal seq, handler error count, number of accounts"""
    require_control(request)
    return ok({"status": status(request.app)})


async def list_snapshots(request: web.Request) -> web.Response:
    """GET /_sim/snapshots"""
    require_control(request)
    return ok({"snapshots": [_snapshot_view(s) for s in snapshots_of(request.app).taken.values()]})


async def take_snapshot_handler(request: web.Request) -> web.Response:
    """POST /_sim/snapshots {"name", "account_id"}: the whole state, or one account's"""
    require_control(request)
    body = _body(request, {"name", "account_id"})
    return ok({"snapshot": take_snapshot(request.app, body.get("name"), body.get("account_id"))}, status=201)


async def restore_snapshot_handler(request: web.Request) -> web.Response:
    """POST /_sim/snapshots/{name}/restore"""
    require_control(request)
    return ok({"snapshot": restore_snapshot(request.app, request.match_info["name"])})


async def delete_snapshot_handler(request: web.Request) -> web.Response:
    """DELETE /_sim/snapshots/{name}"""
    require_control(request)
    delete_snapshot(request.app, request.match_info["name"])
    return web.Response(status=204)


async def seed_demo_handler(request: web.Request) -> web.Response:
    """POST /_sim/demo {"seed", "accounts", "instances", "chains", "weeks"}: add demo data"""
    require_control(request)
    return ok({"demo": seed_demo(request.app, _body(request))}, status=201)


async def check_login(request: web.Request) -> web.Response:
    """POST /_sim/accounts/{account_id}/instances/{instance_id}/login {"user", "password"}: would it log in?"""
    require_control(request)
    body = _body(request)
    if not isinstance(body.get("user"), str) or not isinstance(body.get("password"), str):
        raise BadRequest("'user' (name or name@host) and 'password' must be strings.")
    m = request.match_info
    _must_have_account(request.app, m["account_id"])
    accepted = backend(request).users.check_login(m["account_id"], m["instance_id"], body["user"], body["password"])
    return ok({"login": accepted})


ROUTES = [
    web.post("/_sim/reset", reset_handler, name="sim_reset"),
    web.get("/_sim/clock", show_clock, name="sim_show_clock", allow_head=False),
    web.post("/_sim/clock/advance", advance_clock_handler, name="sim_advance_clock"),
    web.put("/_sim/clock", set_clock_handler, name="sim_set_clock"),
    web.put("/_sim/ids", set_ids_handler, name="sim_set_ids"),
    web.get("/_sim/accounts", list_accounts, name="sim_list_accounts", allow_head=False),
    web.post("/_sim/accounts", create_account_handler, name="sim_create_account"),
    web.delete("/_sim/accounts/{account_id}", delete_account_handler, name="sim_delete_account"),
    web.post("/_sim/accounts/{account_id}/reset", reset_account_handler, name="sim_reset_account"),
    web.get("/_sim/journal", list_journal, name="sim_list_journal", allow_head=False),
    web.get("/_sim/journal/har", export_journal, name="sim_export_journal", allow_head=False),
    web.delete("/_sim/journal", clear_journal, name="sim_clear_journal"),
    web.get("/_sim/errors", list_errors, name="sim_list_errors", allow_head=False),
    web.get("/_sim/status", show_status, name="sim_show_status", allow_head=False),
    web.get("/_sim/snapshots", list_snapshots, name="sim_list_snapshots", allow_head=False),
    web.post("/_sim/snapshots", take_snapshot_handler, name="sim_take_snapshot"),
    web.post("/_sim/snapshots/{name}/restore", restore_snapshot_handler, name="sim_restore_snapshot"),
    web.delete("/_sim/snapshots/{name}", delete_snapshot_handler, name="sim_delete_snapshot"),
    web.post("/_sim/demo", seed_demo_handler, name="sim_seed_demo"),
    web.post("/_sim/accounts/{account_id}/instances/{instance_id}/login", check_login, name="sim_check_login"),
]
