"""The one request pipeline: host check -> journal -> errors -> faults -> replay -> access (auth, rate limits) -> model,
in one aiohttp middleware (journal_middleware, with the host check and errors) that runs the scripted step (faults,
replay) and the model step (with access) as plain calls: each aiohttp middleware layer costs a request a partial's
call and a coroutine, and aiohttp adds its own layer (_fix_request_current_app) once an app has any."""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware

from simulator.config import SimulatorConfig
from simulator.errors import (
    BadMethod,
    InstanceFault,
    ItemNotFound,
    OverLimit,
    SimulatorError,
    error_for_status,
)
from simulator.faults import fault_middleware
from simulator.http import (
    CONTROL_PREFIX,
    HEALTH_PATH,
    Handler,
    JsonAnswer,
    base_url,
    fault_response,
    route_name,
)
from simulator.keys import BACKEND, CLOCK, CONFIG, CONTEXT, FAULTS, JOURNAL, READS, REPLAY, STORE
from simulator.pipeline.body import NO_BODY, RequestBody
from simulator.pipeline.journal import BODY_KEEP, UNAUTHENTICATED, UNAUTHENTICATED_KEEP, Journal, entry_row
from simulator.reference.regions import api_path_start
from simulator.replay import replay_middleware
from simulator.routes import CACHED_READS

log = logging.getLogger("cdbsim")
#: Control paths whose answers the journal does not keep.
UNKEPT_ANSWERS = (CONTROL_PREFIX + "/journal", CONTROL_PREFIX + "/state")


@dataclass(frozen=True, slots=True)
class Parts:
    """What the pipeline's steps use of the app, read from it once (app[...] is a Python call each, several a
    request); an app's state is all set before it serves (create_app), and aiohttp freezes it then."""

    config: SimulatorConfig
    clock: Any
    store: Any
    backend: Any
    journal: Journal
    reads: Any
    faults: Any
    replay: Any

    @classmethod
    def of(cls, app: web.Application) -> Parts:
        get = app.get
        return cls(
            app[CONFIG], app[CLOCK], app[STORE], app[BACKEND], app[JOURNAL], app[READS], get(FAULTS), get(REPLAY)
        )

    def scripted(self) -> bool:
        """Whether a fault scenario or a replay is loaded (the scripted step has anything to do)."""
        faults, replay = self.faults, self.replay
        return (faults is not None and faults.active) or (replay is not None and replay.player is not None)


def context(request: web.Request) -> dict:
    """The journal context of this request."""
    return request[CONTEXT]


TOO_LARGE = "Request body is too large (the limit is {limit} bytes)."
TOO_SLOW = "The request body did not arrive within {seconds:g} seconds."


async def read_body(request: web.Request) -> RequestBody | SimulatorError | None:
    """The body, read within the body deadline (a Content-Length over the limit is refused before a byte is read);
    an error to answer instead; None when the client went away before sending all of it (logged in one line)."""
    config = request.app[CONFIG]
    if not request.body_exists:
        return NO_BODY
    length = request.content_length
    if length is not None and length > config.max_body_size:
        return OverLimit(TOO_LARGE.format(limit=config.max_body_size))
    try:
        if request.content.is_eof():  # all of it has arrived (a small body does with its headers): no wait, no timer
            return RequestBody(await request.read())
        return RequestBody(await asyncio.wait_for(request.read(), config.body_timeout))
    except web.HTTPRequestEntityTooLarge:
        return OverLimit(TOO_LARGE.format(limit=config.max_body_size))
    except asyncio.TimeoutError:
        return error_for_status(408, TOO_SLOW.format(seconds=config.body_timeout))
    except ConnectionError as exc:
        log.info(
            "client %s went away while sending the body of %s %s (%s)",
            request.remote,
            request.method,
            request.path,
            exc or type(exc).__name__,
        )
        return None


def _answer_bytes(request: web.Request, response: web.StreamResponse | None, api: bool) -> bytes | None:
    """The answer's body as the journal keeps it (None: streamed, or a journal read or state document, whose
    keeping would double what they hold; api: a path of the API, none of those)."""
    answer = getattr(response, "body", None) if response is not None else None
    if type(answer) is bytes:
        if api:
            return answer
    elif isinstance(answer, (bytearray, memoryview)):
        answer = bytes(answer)
    elif answer is not None and not isinstance(answer, bytes):
        answer = None
    return None if request.path.startswith(UNKEPT_ANSWERS) else answer


def _exchange(request: web.Request, response, body: RequestBody, ctx: dict, row: tuple, extra: tuple) -> dict:
    """What the journal's listeners (the request log, the recorder, the dashboard) get of one answered request:
    the entry's fields as the row has them, the query unredacted, the empty fields None, and the raw parts (extra:
    the query string, the answer's bytes, the journal's listeners and the entry's seq, None while it waits)."""
    query, answer, listeners, seq = extra
    url = None
    for listener in listeners:  # only a recorder needs it (the request log and the dashboard say wants_url = False)
        if getattr(listener, "wants_url", True):
            url = str(request.url)
            break
    exchange = {
        "account_id": row[0],
        "time": row[1],
        "method": row[2],
        "path": row[3],
        "query": query,
        "route": row[5],
        "status": row[6],
        "rule": ctx["rule"],
        "action": ctx["action"],
        "note": ctx["note"],
        "lifecycle": ctx.get("lifecycle"),
        "duration_ms": row[11],
        # the bytes for listeners (the recorder), the parsed body for the journal's redaction
        "request": {"headers": request.headers, "body": body.raw, "parsed": body},
        "response": {
            "headers": response.headers if response is not None else {},
            "body": answer,
            "is_json": isinstance(response, JsonAnswer),
            "secret_free": isinstance(response, JsonAnswer) and response.secret_free,
        },
        "url": url,
    }
    if seq is not None:
        exchange["seq"] = seq
    return exchange


def _journal_entry(
    request: web.Request, parts: Parts, response, body: RequestBody, ctx: dict, started: float, defer: bool
) -> None:
    """Write one answered request to the journal, its row (entry_row) built straight from the request where
    Journal.record takes an exchange, and hand it to the journal's listeners, if any (an exchange only to those
    needing it)."""
    journal = parts.journal
    elapsed = time.perf_counter() - started
    status = response.status if response is not None else 0
    keep = UNAUTHENTICATED_KEEP if status in UNAUTHENTICATED else BODY_KEEP
    query, lifecycle = request.query_string, ctx.get("lifecycle")
    answer = _answer_bytes(request, response, ctx["api"])
    is_json = isinstance(response, JsonAnswer)
    account_id = ctx.get("account_id") or request.match_info.get("account_id")
    row = entry_row(
        account_id,
        parts.clock.api_now(),
        request.method,
        request.path,
        query,
        ctx["route"],
        status,
        ctx["rule"],
        ctx["action"],
        ctx["note"],
        lifecycle,
        int(elapsed * 1_000_000 + 0.5) / 1000,  # round(ms, 3) without float formatting
        journal.request_text(request.headers, body if body.raw else None, keep, key=request.raw_headers),
        journal.answer_text(
            response.headers if response is not None else {},
            answer,
            is_json,
            keep,
            is_json and response.secret_free,  # a replayed answer checked once for secret fields
        ),
    )
    seq = journal.append(row, defer)
    if journal.listeners:  # a partial, not a closure: a closure's cells cost every entry, listeners or not
        extra = (query, answer, journal.listeners, seq)
        journal.notify_row(row, partial(_exchange, request, response, body, ctx, row, extra))


def journal_middleware(refuse_host: Callable[[web.Request], web.StreamResponse | None]) -> Middleware:
    """Outermost: the host check (trust.py), then read the body once, let the rest run with its errors rendered
    (error_answer), write what happened to the journal."""

    parts: Parts | None = None  # the app's, read at its first request (when its state is all set)

    @web.middleware
    async def journal(request: web.Request, handler: Handler) -> web.StreamResponse:
        nonlocal parts
        refused = refuse_host(request)
        if refused is not None:
            return refused
        started = time.perf_counter()
        path = request.path
        if parts is None:
            parts = Parts.of(request.app)
        api = api_path_start(path)
        ctx = request[CONTEXT] = {
            "rule": None,
            "action": None,
            "note": None,
            "body": NO_BODY,
            "body_problem": None,
            "route": route_name(request),  # the operation: looked up once, read by every later step
            "api": api,  # a path of the API (in any region), not the control plane's
        }
        journal = parts.journal
        # A read of the API changes nothing, so its journal entry may wait for the next batch.
        defer = api and request.method in ("GET", "HEAD")
        if path == HEALTH_PATH:  # probes are neither journalled nor recorded
            try:
                return await answer(request, handler, parts, ctx)
            finally:
                parts.store.rollback()
        if not defer:
            journal.flush()  # a write or a control call sees (and follows) every earlier entry
        body = NO_BODY
        if request.body_exists:
            read = await read_body(request)
            if read is None:  # nobody is left to answer: nginx's 499 in the access log, nothing journalled
                return web.Response(status=499)
            if isinstance(read, RequestBody):
                body = ctx["body"] = read
            else:
                ctx["body_problem"] = read
        response = None
        try:
            response = await answer(request, handler, parts, ctx)
            if ctx["body_problem"] is not None:
                response.force_close()  # the rest of the body is never read: the connection cannot carry another
            return response
        finally:
            _journal_entry(request, parts, response, body, ctx, started, defer)
            parts.store.rollback()  # never leave a half transaction behind

    return journal


async def answer(request: web.Request, handler: Handler, parts: Parts, ctx: dict) -> web.StreamResponse:
    """The rest of the pipeline's answer, an error rendered as its fault (the errors step: in the journal's layer,
    not a layer of its own, as every request passes through it). The steps are handed the app's parts and the
    request's context (request[CONTEXT]): request.app, app[...] and request[...] are Python calls each."""
    try:
        problem = ctx["body_problem"]
        if problem is not None:
            raise problem
        if parts.scripted():
            return await scripted_step(request, handler, parts, ctx)
        return await model_step(request, handler, parts, ctx)  # one coroutine fewer while nothing is scripted
    except Exception as exc:
        return error_answer(request, exc)


def error_answer(request: web.Request, exc: Exception) -> web.StreamResponse:
    """The one place errors become fault bodies; an unexpected exception is a 500 and is kept for tests (a lost
    connection, a fault action's reset, and an HTTP exception below 400 go on up)."""
    if isinstance(exc, SimulatorError):
        return fault_response(exc)
    if isinstance(exc, web.HTTPException):
        err: SimulatorError
        if exc.status == 404:
            err = ItemNotFound("The resource could not be found.")
        elif exc.status == 405:  # RFC 9110: a 405 says which methods are allowed
            allow = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
            err = BadMethod(f"The method {request.method} is not allowed for this resource.", headers=allow)
        elif exc.status == 413:
            err = OverLimit(TOO_LARGE.format(limit=request.app[CONFIG].max_body_size))
        elif exc.status < 400:
            raise exc
        else:
            err = error_for_status(exc.status, exc.reason or "Error")
        return fault_response(err)
    if isinstance(exc, ConnectionError):  # the transport is gone (a fault action reset it): nothing to render
        raise exc
    error_id = f"{int(time.time() * 1000):x}-{len(request.app[JOURNAL].handler_errors)}"
    text = "".join(traceback.format_exception(exc))
    log.error("unexpected error %s serving %s %s\n%s", error_id, request.method, request.path, text)
    request.app[JOURNAL].handler_errors.append(text)
    return fault_response(
        InstanceFault(
            f"Internal Server Error. Please keep this ID to help us figure out what went wrong: ({error_id})."
        )
    )


async def scripted_step(request: web.Request, handler: Handler, parts: Parts, ctx: dict) -> web.StreamResponse:
    """Faults, then replay (faults/, replay/), then the model step (answer() goes straight on to the model while
    neither has anything loaded: Parts.scripted)."""
    model = partial(model_step, handler=handler, parts=parts, ctx=ctx)
    faults = parts.faults
    if faults is not None and faults.active:
        return await fault_middleware(request, partial(replay_middleware, handler=model))
    return await replay_middleware(request, model)


def check_access(request: web.Request, parts: Parts, ctx: dict) -> None:
    """Every /v1.0/{account_id}/... call needs a token of that account whose role allows the call; then it counts
    against the account's rate limits on the simulator's clock (when the limits module is loaded)."""
    match_info = request.match_info
    if match_info.http_exception is not None:
        raise match_info.http_exception
    account_id = match_info.get("account_id")
    if account_id is not None and ctx["api"]:
        route = ctx["route"]
        token = request.headers.get("X-Auth-Token")
        parts.backend.identity.check_access(token, account_id, request.method, route or request.path, route)


async def model_step(request: web.Request, handler: Handler, parts: Parts, ctx: dict) -> web.StreamResponse:
    """Innermost: access (check_access), then bring the model up to the clock, then run a write in one transaction
    (all or nothing). A read of CACHED_READS is answered from READS when the model has not changed since it was
    rendered (200s only; inline here: a coroutine of its own cost a request ~1 k instructions)."""
    check_access(request, parts, ctx)
    backend = parts.backend
    try:
        backend.settle()
        if request.method in ("GET", "HEAD"):
            if ctx["route"] not in CACHED_READS:
                return await handler(request)
            reads = parts.reads
            # the target as sent (raw_path; path_qs builds a URL's text): one decoded path and query may have
            # several raw spellings, each kept apart, and each names one answer
            key = (base_url(request, parts.config), request.raw_path)
            version = reads.version()
            body = reads.get_at(key, version)
            if body is not None:
                return JsonAnswer(body=body, headers={"Content-Type": "application/json; charset=utf-8"})
            response = await handler(request)
            rendered = getattr(response, "body", None)
            if response.status == 200 and isinstance(rendered, bytes):
                reads.put(key, rendered, version)
            return response
        with parts.store.atomic():
            return await handler(request)
    finally:
        ctx["lifecycle"] = backend.transitions() or None  # what it carried out, for its journal entry
