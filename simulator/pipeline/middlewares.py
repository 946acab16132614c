"""The one request pipeline: journal -> errors -> faults -> replay -> access (auth, rate limits) -> model."""

from __future__ import annotations

import asyncio
import logging
import time
import traceback

from aiohttp import web

from simulator.errors import (
    BadMethod,
    InstanceFault,
    ItemNotFound,
    OverLimit,
    SimulatorError,
    error_for_status,
)
from simulator.http import CONTROL_PREFIX, HEALTH_PATH, JsonAnswer, base_url, fault_response, route_name
from simulator.keys import BACKEND, CALLER, CLOCK, CONFIG, CONTEXT, JOURNAL, READS, STORE
from simulator.pipeline.body import NO_BODY, RequestBody
from simulator.reference.regions import api_path_start
from simulator.routes import CACHED_READS

log = logging.getLogger("cdbsim")
#: Control paths whose answers the journal does not keep.
UNKEPT_ANSWERS = (CONTROL_PREFIX + "/journal", CONTROL_PREFIX + "/state")


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


def _answer_bytes(request: web.Request, response: web.StreamResponse | None) -> bytes | None:
    """The answer's body as the journal keeps it (None: streamed, or a journal read or state document, whose
    keeping would double what they hold)."""
    answer = getattr(response, "body", None) if response is not None else None
    if isinstance(answer, (bytearray, memoryview)):
        answer = bytes(answer)
    elif answer is not None and not isinstance(answer, bytes):
        answer = None
    return None if request.path.startswith(UNKEPT_ANSWERS) else answer


def _exchange(request: web.Request, response, body: RequestBody, ctx: dict, started: float, journal) -> dict:
    """What the journal (and its listeners: the recorder, the dashboard) keeps of one answered request."""
    return {
        "account_id": ctx.get("account_id") or request.match_info.get("account_id"),
        "time": request.app[CLOCK].api_now(),
        "method": request.method,
        "path": request.path,
        "query": request.query_string,
        "route": ctx["route"],
        "status": response.status if response is not None else 0,
        "rule": ctx["rule"],
        "action": ctx["action"],
        "note": ctx["note"],
        "lifecycle": ctx.get("lifecycle"),
        "duration_ms": round((time.perf_counter() - started) * 1000, 3),
        # the bytes for listeners (the recorder), the parsed body for the journal's redaction
        "request": {"headers": request.headers, "body": body.raw, "parsed": body},
        "response": {
            "headers": response.headers if response is not None else {},
            "body": _answer_bytes(request, response),
            "is_json": isinstance(response, JsonAnswer),
            "secret_free": isinstance(response, JsonAnswer) and response.secret_free,
        },
        # only a recorder needs it (a listener with wants_url = False, the dashboard's, does not)
        "url": str(request.url)
        if journal.listeners and any(getattr(listener, "wants_url", True) for listener in journal.listeners)
        else None,
    }


@web.middleware
async def journal_middleware(request: web.Request, handler) -> web.StreamResponse:
    """Outermost: read the body once, let the rest run, write what happened to the journal."""
    started = time.perf_counter()
    app, path = request.app, request.path
    api = api_path_start(path)
    ctx = request[CONTEXT] = {
        "rule": None,
        "action": None,
        "note": None,
        "body_problem": None,
        "route": route_name(request),  # the operation: looked up once, read by every later step
        "api": api,  # a path of the API (in any region), not the control plane's
    }
    journal = app[JOURNAL]
    # A read of the API changes nothing, so its journal entry may wait for the next batch.
    defer = api and request.method in ("GET", "HEAD")
    if path == HEALTH_PATH:  # probes are neither journalled nor recorded
        ctx["body"] = NO_BODY
        try:
            return await handler(request)
        finally:
            app[STORE].rollback()
    if not defer:
        journal.flush()  # a write or a control call sees (and follows) every earlier entry
    read = await read_body(request)
    if read is None:  # nobody is left to answer: nginx's 499 in the access log, nothing journalled
        return web.Response(status=499)
    body = read if isinstance(read, RequestBody) else NO_BODY
    ctx["body"] = body
    ctx["body_problem"] = None if isinstance(read, RequestBody) else read
    response = None
    try:
        response = await handler(request)
        if ctx["body_problem"] is not None:
            response.force_close()  # the rest of the body is never read: the connection cannot carry another
        return response
    finally:
        exchange = _exchange(request, response, body, ctx, started, journal)
        journal.record(exchange, defer=defer)
        app[STORE].rollback()  # never leave a half transaction behind


@web.middleware
async def error_middleware(request: web.Request, handler) -> web.StreamResponse:
    """The one place errors become fault bodies; an unexpected exception is a 500 and is kept for tests."""
    try:
        problem = request[CONTEXT]["body_problem"]
        if problem is not None:
            raise problem
        return await handler(request)
    except SimulatorError as exc:
        return fault_response(exc)
    except web.HTTPException as exc:
        err: SimulatorError
        if exc.status == 404:
            err = ItemNotFound("The resource could not be found.")
        elif exc.status == 405:  # RFC 9110: a 405 says which methods are allowed
            allow = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
            err = BadMethod(f"The method {request.method} is not allowed for this resource.", headers=allow)
        elif exc.status == 413:
            err = OverLimit(TOO_LARGE.format(limit=request.app[CONFIG].max_body_size))
        elif exc.status < 400:
            raise
        else:
            err = error_for_status(exc.status, exc.reason or "Error")
        return fault_response(err)
    except ConnectionError:  # the transport is gone (a fault action reset it): nothing to render
        raise
    except Exception:
        error_id = f"{int(time.time() * 1000):x}-{len(request.app[JOURNAL].handler_errors)}"
        text = traceback.format_exc()
        log.error("unexpected error %s serving %s %s\n%s", error_id, request.method, request.path, text)
        request.app[JOURNAL].handler_errors.append(text)
        return fault_response(
            InstanceFault(
                f"Internal Server Error. Please keep this ID to help us figure out what went wrong: ({error_id})."
            )
        )


@web.middleware
async def access_middleware(request: web.Request, handler) -> web.StreamResponse:
    """Every /v1.0/{account_id}/... call needs a token of that account whose role allows the call; then it counts
    against the account's rate limits on the simulator's clock (when the limits module is loaded)."""
    if request.match_info.http_exception is not None:
        raise request.match_info.http_exception
    account_id = request.match_info.get("account_id")
    ctx = request[CONTEXT]
    if account_id is not None and ctx["api"]:
        backend = request.app[BACKEND]
        route = ctx["route"]
        caller = backend.identity.check_token(request.headers.get("X-Auth-Token"), account_id)
        backend.identity.check_role(caller, request.method, route or request.path)
        request[CALLER] = caller
        limits = getattr(backend, "limits", None)
        if limits is not None:
            limits.check(account_id, request.method, request.path, route)
    return await handler(request)


async def cached_read(request: web.Request, handler) -> web.StreamResponse:
    """A model read answered from READS when the model has not changed since it was rendered (200s only)."""
    reads = request.app[READS]
    key = (base_url(request), request.path_qs)
    version = reads.version()
    body = reads.get_at(key, version)
    if body is not None:
        return JsonAnswer(body=body, headers={"Content-Type": "application/json; charset=utf-8"})
    response = await handler(request)
    if response.status == 200 and isinstance(response.body, bytes):
        reads.put(key, response.body, version)
    return response


@web.middleware
async def model_middleware(request: web.Request, handler) -> web.StreamResponse:
    """Innermost: bring the model up to the clock, then run a write in one transaction (all or nothing)."""
    app = request.app
    backend = app[BACKEND]
    try:
        backend.settle()
        if request.method in ("GET", "HEAD"):
            if request[CONTEXT]["route"] in CACHED_READS:
                return await cached_read(request, handler)
            return await handler(request)
        with app[STORE].atomic():
            return await handler(request)
    finally:
        request[CONTEXT]["lifecycle"] = backend.transitions() or None  # what it carried out, for its journal entry
