"""The control plane's replay calls (/replay and /recording on the control sub-app): load a recording (a file or
inline HAR), change the mode, read status and misses; fetch the recording being made."""

from __future__ import annotations

from aiohttp import web

from simulator.control.schemas import OBJECT, keyed
from simulator.errors import BadRequest, ItemNotFound
from simulator.handlers.common import json_body, ok
from simulator.http import Operation
from simulator.keys import REPLAY
from simulator.replay.engine import ReplayEngine
from simulator.replay.har import HarError
from simulator.replay.matchers import DEFAULT_MATCH_ON
from simulator.replay.player import validate_mode


def _body(request: web.Request) -> dict:
    body = json_body(request)
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.")
    return body


def _engine(request: web.Request) -> ReplayEngine:
    """The simulator's replay engine (request.app is the control sub-app: the engine hangs on the main app)."""
    return request.config_dict[REPLAY]


async def show_replay(request: web.Request) -> web.Response:
    """GET /replay: what is being replayed and recorded, hits, misses (with the closest request)."""
    return ok({"replay": _engine(request).status()})


async def load_replay(request: web.Request) -> web.Response:
    """PUT /replay {"path" | "har", "mode", "match", "record_mode", "allow_playback_repeats", "overwrite"}"""
    body = _body(request)
    unknown = set(body) - {"path", "har", "mode", "match", "record_mode", "allow_playback_repeats", "overwrite"}
    if unknown:
        raise BadRequest(f"Unknown field(s) for a replay: {', '.join(sorted(unknown))}.")
    path, document = body.get("path"), body.get("har")
    if (path is None) == (document is None) and body.get("record_mode") not in ("all", "once"):
        raise BadRequest("Give exactly one of 'path' (a HAR file on the server) or 'har' (a HAR document).")
    if path is not None and not isinstance(path, str):
        raise BadRequest("'path' must be a string.")
    if document is not None and not isinstance(document, dict):
        raise BadRequest("'har' must be a HAR document (an object with a 'log').")
    match = body.get("match", list(DEFAULT_MATCH_ON))
    if isinstance(match, str):
        match = match.split(",")
    try:
        _engine(request).configure(
            path,
            document=document,
            mode=body.get("mode", "strict"),
            match_on=match,
            record_mode=body.get("record_mode", "none"),
            allow_playback_repeats=bool(body.get("allow_playback_repeats", False)),
            confine=True,
            overwrite=body.get("overwrite", False),
        )
    except FileNotFoundError as exc:
        raise ItemNotFound(f"Cannot load the recording: {exc}.") from None
    except (ValueError, HarError, OSError) as exc:
        raise BadRequest(f"Cannot load the recording: {exc}.") from None
    return ok({"replay": _engine(request).status()})


async def change_replay(request: web.Request) -> web.Response:
    """PATCH /replay {"mode": "strict" | "fallthrough"}"""
    body = _body(request)
    engine = _engine(request)
    if engine.player is None:
        raise BadRequest("No recording is being replayed.")
    if set(body) != {"mode"}:
        raise BadRequest("Only 'mode' can be changed.")
    try:
        engine.player.mode = validate_mode(body["mode"])
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    engine.player.issue_token = engine.issue_token if body["mode"] == "fallthrough" else None
    return ok({"replay": engine.status()})


async def stop_replay(request: web.Request) -> web.Response:
    """DELETE /replay: stop replaying and recording (a recording is saved first)."""
    _engine(request).stop()
    return web.Response(status=204)


async def show_recording(request: web.Request) -> web.Response:
    """GET /recording: the recording being made, as HAR (secrets already replaced)."""
    recorder = _engine(request).recorder
    if recorder is None:
        raise ItemNotFound("Nothing is being recorded.")
    return web.Response(text=recorder.cassette.to_har(), content_type="application/json")


# fmt: off
OPERATIONS = [
    Operation("GET", "/replay", show_replay, "sim_show_replay", "What is replayed and recorded; hits and misses",
              answer=keyed("replay", OBJECT)),
    Operation("PUT", "/replay", load_replay, "sim_load_replay",
              "Load a recording (a HAR file on the server or inline) and/or record", body="sim_replay",
              answer=keyed("replay", OBJECT)),
    Operation("PATCH", "/replay", change_replay, "sim_change_replay", "Change the replay mode",
              body="sim_replay_mode", answer=keyed("replay", OBJECT)),
    Operation("DELETE", "/replay", stop_replay, "sim_stop_replay", "Stop replaying and recording", status=204),
    Operation("GET", "/recording", show_recording, "sim_show_recording",
              "The recording being made, as HAR (secrets replaced)", answer=keyed("log", OBJECT)),
]
# fmt: on
