"""Control: named snapshots of the whole state (a database file) or of one account's rows, and bringing them back."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import weakref
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from simulator.clock import api_time
from simulator.control.common import faults_of, must_have_account, object_body, simulator_of
from simulator.control.schemas import SNAPSHOT, keyed
from simulator.errors import BadRequest, ItemNotFound, OverLimit
from simulator.handlers.common import ok
from simulator.http import Operation
from simulator.keys import BACKEND, CLOCK, CONFIG, SNAPSHOTS

TOO_MANY = "At most {cap} snapshots are kept: delete one (DELETE /_sim/snapshots/{{name}}) before taking another."
TOO_BIG = (
    "Snapshots may take {budget} bytes in all; this one ({size} bytes) would make {total}: delete one "
    "(DELETE /_sim/snapshots/{{name}}) before taking another."
)


@dataclass
class Snapshots:
    """Named snapshots: the whole database in a file (SQLite's backup API) or one account's rows in memory."""

    taken: dict[str, dict] = field(default_factory=dict)
    folder: str | None = None
    files: int = 0

    def size(self) -> int:
        """The bytes the kept snapshots take (files on disk, rows in memory as JSON)."""
        return sum(snap["bytes"] for snap in self.taken.values())

    def remove_folder(self) -> None:
        """Delete the temporary folder and every snapshot file in it (the server stops)."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
            self.taken.clear()

    def new_file(self) -> str:
        """A fresh file in a private temporary folder (removed with this object or at exit)."""
        if self.folder is None:
            self.folder = tempfile.mkdtemp(prefix="cdbsim-snapshots-")
            weakref.finalize(self, shutil.rmtree, self.folder, True)
        self.files += 1
        return os.path.join(self.folder, f"{self.files}.db")


def snapshots_of(app: web.Application) -> Snapshots:
    return app[SNAPSHOTS]


def snapshot_view(snap: dict) -> dict:
    return {k: snap[k] for k in ("name", "account_id", "taken_at", "rows")}


def take_snapshot(app: web.Application, name: str | None = None, account_id: str | None = None) -> dict:
    """Keep the current state under name: the whole store, or one account's rows (not its journal)."""
    snaps = snapshots_of(app)
    name = name if name is not None else f"snapshot-{len(snaps.taken) + 1}"
    if not isinstance(name, str) or not 0 < len(name) <= 128:
        raise BadRequest("'name' must be a string of 1 to 128 characters.")
    if account_id is not None and not isinstance(account_id, str):
        raise BadRequest("'account_id' must be a string.")
    config = app[CONFIG]
    if name not in snaps.taken and len(snaps.taken) >= config.max_snapshots:
        raise OverLimit(TOO_MANY.format(cap=config.max_snapshots))
    sandbox, clock = app[BACKEND].sandbox, app[CLOCK]
    snap: dict[str, Any] = {"name": name, "account_id": account_id, "taken_at": api_time(clock.now()) + "Z"}
    if account_id is None:
        path = snaps.new_file()
        sandbox.save_to(path)
        snap.update(file=path, rows=None, clock=clock.now() if clock.mode == "manual" else None)
        snap["bytes"] = os.path.getsize(path)
    else:
        must_have_account(app, account_id)
        rows = sandbox.account_rows(account_id)
        snap.update(data=rows, rows=sum(len(v) for v in rows.values()))
        snap["bytes"] = len(json.dumps(rows, default=str))
    replaced = snaps.taken.get(name)
    total = snaps.size() - (replaced["bytes"] if replaced else 0) + snap["bytes"]
    if total > config.snapshot_bytes:
        if snap.get("file"):
            _remove(snap["file"])
        raise OverLimit(TOO_BIG.format(budget=config.snapshot_bytes, size=snap["bytes"], total=total))
    old = snaps.taken.pop(name, None)
    snaps.taken[name] = snap
    if old and old.get("file"):
        _remove(old["file"])
    return snapshot_view(snap)


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
    sandbox = app[BACKEND].sandbox
    if snap["account_id"] is None:
        faults = faults_of(app)
        if faults is not None:
            faults.clear()
        sandbox.load_from(snap["file"])
        if faults is not None:
            faults.restore()
        clock = app[CLOCK]
        if snap["clock"] is not None and clock.mode == "manual":
            clock.set(snap["clock"])
    else:
        sandbox.replace_account_rows(snap["account_id"], snap["data"])
    return snapshot_view(snap)


def delete_snapshot(app: web.Application, name: str) -> None:
    snap = snapshots_of(app).taken.pop(name, None)
    if snap is None:
        raise ItemNotFound(f"Snapshot {name} cannot be found.")
    if snap.get("file"):
        _remove(snap["file"])


async def list_snapshots(request: web.Request) -> web.Response:
    """GET /snapshots"""
    return ok({"snapshots": [snapshot_view(s) for s in snapshots_of(simulator_of(request)).taken.values()]})


async def take_snapshot_handler(request: web.Request) -> web.Response:
    """POST /snapshots {"name", "account_id"}: the whole state, or one account's"""
    body = object_body(request, {"name", "account_id"})
    return ok({"snapshot": take_snapshot(simulator_of(request), body.get("name"), body.get("account_id"))}, status=201)


async def restore_snapshot_handler(request: web.Request) -> web.Response:
    """POST /snapshots/{name}/restore"""
    return ok({"snapshot": restore_snapshot(simulator_of(request), request.match_info["name"])})


async def delete_snapshot_handler(request: web.Request) -> web.Response:
    """DELETE /snapshots/{name}"""
    delete_snapshot(simulator_of(request), request.match_info["name"])
    return web.Response(status=204)


# fmt: off
OPERATIONS = [
    Operation("GET", "/snapshots", list_snapshots, "sim_list_snapshots", "Snapshots taken",
              answer=keyed("snapshots", {"type": "array", "items": SNAPSHOT})),
    Operation("POST", "/snapshots", take_snapshot_handler, "sim_take_snapshot",
              "Keep the whole state, or one account's rows, under a name", body="sim_snapshot", body_required=False,
              status=201, answer=keyed("snapshot", SNAPSHOT)),
    Operation("POST", "/snapshots/{name}/restore", restore_snapshot_handler, "sim_restore_snapshot",
              "Bring a snapshot back", answer=keyed("snapshot", SNAPSHOT)),
    Operation("DELETE", "/snapshots/{name}", delete_snapshot_handler, "sim_delete_snapshot", "Forget a snapshot",
              status=204),
]
# fmt: on
