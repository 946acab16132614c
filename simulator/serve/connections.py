"""The sandbox's HTTP connections: errors aiohttp's parser finds before the app runs answered as fault JSON (never
an echo of the request), a deadline for reading a request's head, and a cap on open connections."""

from __future__ import annotations

import asyncio
import json
import logging
import resource
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMethod, ContentLengthError, LineTooLong, TransferEncodingError
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest
from aiohttp.web_server import Server

from simulator.errors import FAULT_NAMES

log = logging.getLogger("cdbsim.connections")

#: Seconds a client has to send a whole request head (request line and headers) once it connected or started one.
HEAD_TIMEOUT = 10.0
#: Seconds an idle keep-alive connection stays open between requests.
KEEPALIVE_TIMEOUT = 75.0
#: Seconds a request still in progress when the server stops (Ctrl-C, SIGTERM, a test session's end) has to finish,
#: an injected delay included; then aiohttp cancels it and closes its connection unanswered (its default is 60 s,
#: longer than `docker stop` waits before it kills).
SHUTDOWN_GRACE = 1.0
#: Descriptors kept free for the state file, logs and the server's own needs when the connection cap is set.
SPARE_DESCRIPTORS = 64

#: What a parser error says, by its kind (the request itself is never echoed back).
PARSER_MESSAGES: list[tuple[type[BaseException], str]] = [
    (LineTooLong, "The request line or a header is too long (the limit is 8190 bytes)."),
    (BadHttpMethod, "The request method is not a valid HTTP method."),
    (ContentLengthError, "The request body does not match its Content-Length."),
    (TransferEncodingError, "The request's chunked encoding is malformed."),
]
GENERIC_MESSAGES = {
    400: "Malformed HTTP request: the request line, a header or the framing of the body cannot be parsed.",
    500: "The server has either erred or is incapable of performing the requested operation.",
    504: "The request took too long to process.",
}


def fault_bytes(status: int, message: str) -> bytes:
    """The fault body the API answers with: {"<fault>": {"code", "message"}}."""
    return json.dumps({FAULT_NAMES.get(status, "fault"): {"code": status, "message": message}}).encode()


def parser_message(status: int, exc: BaseException | None) -> str:
    """A message for an error found before the app ran, naming the kind of error and nothing of the request."""
    if status == 400 and exc is not None:
        if "Content-Length" in str(getattr(exc, "message", "")):
            return "The Content-Length header is malformed."
        for kind, message in PARSER_MESSAGES:
            if isinstance(exc, kind):
                return message
    return GENERIC_MESSAGES.get(status, "The request cannot be processed.")


class SandboxRequestHandler(RequestHandler):
    """aiohttp's connection handler with fault JSON for its own errors, a head deadline and a connection cap."""

    head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        manager = self._manager
        cap = getattr(manager, "max_connections", None)
        if cap is not None and manager is not None and len(manager.connections) > cap:
            log.warning("refusing a connection: %d are open (the cap is %d)", len(manager.connections), cap)
            self._refuse(503, "Too many open connections: the sandbox refuses new ones until some close.")
            return
        self._arm_head_timer()

    def data_received(self, data: bytes) -> None:
        # once a request: the parent named (super() builds an object a call) and the timer's state read here, as
        # it is nearly always disarmed already (a keep-alive client's next request comes whole)
        RequestHandler.data_received(self, data)
        if self._messages or self._current_request is not None:
            if self.head_timer is not None:
                self._disarm_head_timer()
        elif self.head_timer is None:
            self._arm_head_timer()

    def connection_lost(self, exc: BaseException | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def _arm_head_timer(self) -> None:
        if self.head_timer is None and self.transport is not None:
            timeout = getattr(self._manager, "head_timeout", HEAD_TIMEOUT)
            self.head_timer = asyncio.get_running_loop().call_later(timeout, self._head_timed_out)

    def _disarm_head_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_timed_out(self) -> None:
        self.head_timer = None
        if self._messages or self._current_request is not None:
            return
        self._refuse(408, "The request head (request line and headers) did not arrive in time.")

    def _refuse(self, status: int, message: str) -> None:
        """Answer a fault on the raw connection and close it (no request was parsed to answer through the app)."""
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        body = fault_bytes(status, message)
        reason = {408: "Request Timeout", 503: "Service Unavailable"}.get(status, "Error")
        transport.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        self.force_close()
        transport.close()

    def handle_error(
        self, request: BaseRequest, status: int = 500, exc: BaseException | None = None, message: str | None = None
    ) -> web.StreamResponse:
        """aiohttp's own errors (a bad request head, a handler that escaped the app) as the API's fault JSON."""
        if status >= 500:
            self.log_exception("Error handling request from %s", request.remote, exc_info=exc)
        else:
            self.log_debug("Bad request from %s: %r", request.remote, exc)
        if request.writer.output_size > 0:
            raise ConnectionError("Response is sent already, cannot send another response with the error message")
        response = web.Response(
            status=status,
            body=fault_bytes(status, parser_message(status, exc)),
            content_type="application/json",
            charset="utf-8",
        )
        response.force_close()
        return response


class SandboxServer(Server):
    """aiohttp's Server that makes SandboxRequestHandler connections."""

    def __init__(
        self, *args: Any, max_connections: int | None = None, head_timeout: float = HEAD_TIMEOUT, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.max_connections = max_connections
        self.head_timeout = head_timeout

    def __call__(self) -> RequestHandler:
        return SandboxRequestHandler(self, loop=self._loop, **self._kwargs)


class SandboxRunner(web.AppRunner):
    """An AppRunner whose connections are SandboxRequestHandler's (fault JSON, head deadline, connection cap)."""

    def __init__(
        self,
        app: web.Application,
        *,
        max_connections: int | None = None,
        head_timeout: float = HEAD_TIMEOUT,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("keepalive_timeout", KEEPALIVE_TIMEOUT)
        # A body the app did not read (over the limit, past its deadline) is not drained for seconds: the answer is
        # sent and the connection closed at once.
        kwargs.setdefault("lingering_time", 0)
        kwargs.setdefault("shutdown_timeout", SHUTDOWN_GRACE)
        super().__init__(app, **kwargs)
        self._cap = max_connections
        self._head_timeout = head_timeout

    async def _make_server(self) -> Server:
        plain = await super()._make_server()
        return SandboxServer(
            plain.request_handler,
            request_factory=plain.request_factory,
            handler_cancellation=plain.handler_cancellation,
            loop=plain._loop,
            max_connections=self._cap,
            head_timeout=self._head_timeout,
            **plain._kwargs,
        )


def raise_descriptor_limit() -> int:
    """Raise the soft limit on open files to the hard one; returns the connection cap that leaves spares."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = max(soft, 1 << 20)
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return max(soft - SPARE_DESCRIPTORS, 16)
