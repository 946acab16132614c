"""Record and replay of HTTP exchanges: HAR 1.2 recordings, playback before auth, recording through the journal."""

from __future__ import annotations

from aiohttp import web

from simulator.errors import SimulatorError
from simulator.http import INERT, JsonAnswer, is_control_path
from simulator.keys import BACKEND, CONFIG, CONTEXT, JOURNAL, REPLAY, STORE
from simulator.replay.cassette import Cassette, Miss, RecordMode
from simulator.replay.engine import ReplayEngine, same_file
from simulator.replay.har import RecordedRequest
from simulator.replay.player import ReplayMiss


def engine_of(app: web.Application) -> ReplayEngine | None:
    """The app's replay engine (None on an app built without setup_replay)."""
    return app.get(REPLAY)


def _origin(request: web.Request) -> str:
    configured = request.app[CONFIG].public_url
    return configured.rstrip("/") if configured else f"{request.scheme}://{request.host}"


def _url(request: web.Request) -> str:
    """str(request.url) without building a second URL object; yarl resolves dot segments, so those take its way."""
    target = str(request.rel_url)
    if "/." in target:
        return str(request.url)
    return f"{request.scheme}://{request.host}{target}"


@web.middleware
async def replay_middleware(request: web.Request, handler) -> web.StreamResponse:
    """Answer from a loaded recording when one is active (before auth: recorded tokens are not the model's)."""
    engine = engine_of(request.app)
    player = engine.player if engine is not None else None
    if player is None or is_control_path(request.path):
        return await handler(request)
    ctx = request[CONTEXT]
    incoming = RecordedRequest(
        method=request.method, url=_url(request), headers=tuple(request.headers.items()), body=ctx["body"].raw
    )
    outcome = player.play(incoming, _origin(request))
    if isinstance(outcome, Miss):
        ctx["note"] = "replay miss: " + outcome.message()
        if player.strict:
            detail = outcome.as_dict()
            raise ReplayMiss(outcome.message(), extra={"closest": detail["closest"], "differed": detail["differed"]})
        return await handler(request)
    index, answer = outcome
    ctx["action"] = "replay"
    ctx["note"] = f"replayed recorded exchange #{index + 1}"
    if player.known_json(index):
        answered = JsonAnswer(
            status=answer.status, reason=answer.reason or None, body=answer.body, headers=list(answer.headers)
        )
        answered.secret_free = player.known_secret_free(index)
        return answered
    replayed = web.Response(
        status=answer.status, reason=answer.reason or None, body=answer.body, headers=list(answer.headers)
    )
    replayed.headers.update(INERT)  # a recording's HTML or script never runs on the sandbox's origin
    return replayed


def setup_replay(app: web.Application) -> None:
    """Build the replay engine for app and switch on what the config asks (serve --record / --replay)."""
    backend = app[BACKEND]

    def generate(kind: str) -> str:
        return backend.ids.uuid() if kind == "token" else backend.ids.password()

    def issue_token(incoming: RecordedRequest) -> str | None:
        """A real token from the model for replayed credentials (fallthrough: later calls reach the model)."""
        try:
            with app[STORE].atomic():
                return backend.identity.authenticate(incoming.json())["token"]
        except SimulatorError:
            return None

    engine = ReplayEngine(
        generate, issue_token, listeners=app[JOURNAL].listeners, recordings_dir=app[CONFIG].recordings_dir
    )
    app[REPLAY] = engine
    config = app[CONFIG]
    if config.replay_path and same_file(config.replay_path, config.record_path):
        engine.configure(
            config.replay_path, mode="fallthrough", match_on=config.replay_match, record_mode=RecordMode.NEW_EPISODES
        )
    else:
        if config.replay_path:
            engine.replay(Cassette.load(config.replay_path, match_on=config.replay_match), config.replay_mode)
        if config.record_path:
            engine.record(config.record_path)

    async def flush(app: web.Application) -> None:
        engine.flush()

    app.on_cleanup.append(flush)
