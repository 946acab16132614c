"""/_sim/replay: load a recording (file or inline HAR), change the mode, read status and misses; fetch a recording."""
from __future__ import annotations

from aiohttp import web

from simulator.errors import BadRequest, ItemNotFound
from simulator.handlers.common import json_body, ok
from simulator.handlers.control import require_control
from simulator.replay import engine_of
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


async def show_replay(request: web.Request) -> web.Response:
    """GET /_sim/replay: what is being replayed and recorded, hits, misses (with the closest request)."""
    require_control(request)
    return ok({"replay": engine_of(request.app).status()})


async def load_replay(request: web.Request) -> web.Response:
    """PUT /_sim/replay {"path" | "har", "mode", "match", "record_mode", "allow_playback_repeats"}"""
    require_control(request)
    body = _body(request)
    unknown = set(body) - {"path", "har", "mode", "match", "record_mode", "allow_playback_repeats"}
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
        engine_of(request.app).configure(
            path, document=document, mode=body.get("mode", "strict"), match_on=match,
            record_mode=body.get("record_mode", "none"),
            allow_playback_repeats=bool(body.get("allow_playback_repeats", False)))
    except FileNotFoundError as exc:
        raise ItemNotFound(f"Cannot load the recording: {exc}.") from None
    except (ValueError, HarError, OSError) as exc:
        raise BadRequest(f"Cannot load the recording: {exc}.") from None
    return ok({"replay": engine_of(request.app).status()})


async def change_replay(request: web.Request) -> web.Response:
    """PATCH /_sim/replay {"mode": "strict" | "fallthrough"}"""
    require_control(request)
    body = _body(request)
    engine = engine_of(request.app)
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
    """DELETE /_sim/replay: stop replaying and recording (a recording is saved first)."""
    require_control(request)
    engine_of(request.app).stop()
    return web.Response(status=204)


async def show_recording(request: web.Request) -> web.Response:
    """GET /_sim/recording: the recording being made, as HAR (secrets already replaced)."""
    require_control(request)
    recorder = engine_of(request.app).recorder
    if recorder is None:
        raise ItemNotFound("Nothing is being recorded.")
    return web.Response(text=recorder.cassette.to_har(), content_type="application/json")


ROUTES = [
    web.get("/_sim/replay", show_replay, name="sim_show_replay", allow_head=False),
    web.put("/_sim/replay", load_replay, name="sim_load_replay"),
    web.patch("/_sim/replay", change_replay, name="sim_change_replay"),
    web.delete("/_sim/replay", stop_replay, name="sim_stop_replay"),
    web.get("/_sim/recording", show_recording, name="sim_show_recording", allow_head=False),
]
