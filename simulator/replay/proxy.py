"""Recording a real service: a proxy that forwards to the upstream and writes each exchange to a HAR file.

Identity answers are rewritten so their service catalog points at the proxy; the proxy remembers where each
catalog entry really lives, so an unmodified client that authenticates through it keeps talking through it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from simulator.clock import Clock
from simulator.keys import PROXY
from simulator.replay.cassette import Cassette
from simulator.replay.filters import SecretMap, is_identity_answer, point_catalog_at
from simulator.replay.har import HOP_BY_HOP, Interaction, RecordedRequest, RecordedResponse, parse_json
from simulator.replay.recorder import Recorder

log = logging.getLogger("cdbsim.proxy")


class RecordingProxy:
    """Where requests go (the upstream, or a service the catalog named) and the recorder they go into."""

    def __init__(
        self, upstream: str, out: str | None, *, public_url: str | None = None, clock: Clock | None = None
    ) -> None:
        parts = urlsplit(upstream)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"--upstream must be an http(s) URL, not {upstream!r}")
        self.upstream = f"{parts.scheme}://{parts.netloc}"
        self.public_url = public_url.rstrip("/") if public_url else None
        self.clock = clock or Clock("real")
        self.recorder = Recorder(
            Cassette(path=out, meta={"recorded_by": "cdbsim record", "upstream": self.upstream}), SecretMap()
        )
        #: catalog path prefix -> the origin that really serves it (learned from identity answers)
        self.routes: dict[str, str] = {}
        self.session: aiohttp.ClientSession | None = None

    def origin_for(self, path: str) -> str:
        """The upstream origin for a path: the longest catalog prefix it falls under, else --upstream."""
        best = ""
        for prefix in self.routes:
            if (path == prefix or path.startswith(prefix + "/")) and len(prefix) > len(best):
                best = prefix
        return self.routes[best] if best else self.upstream

    async def forward(self, request: web.Request) -> web.Response:
        """Any method, any path: send it on, record the exchange, answer the client."""
        body = await request.read()
        target = self.origin_for(request.path) + request.raw_path
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP | {"host"}]
        started = self.clock.now()
        t0 = time.perf_counter()
        try:
            if self.session is None:
                raise RuntimeError("the recording proxy is not started")
            async with self.session.request(
                request.method, target, headers=headers, data=body or None, allow_redirects=False
            ) as upstream:
                answer = await upstream.read()
                status, reason = upstream.status, upstream.reason or ""
                answer_headers = [(k, v) for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP]
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            message = f"The upstream {target} could not be reached: {exc or type(exc).__name__}."
            return web.json_response({"badGateway": {"code": 502, "message": message}}, status=502)
        elapsed = round((time.perf_counter() - t0) * 1000, 3)
        sent_headers = (("Host", urlsplit(target).netloc), *headers)
        self.recorder.record(
            Interaction(
                request=RecordedRequest(method=request.method, url=target, headers=tuple(sent_headers), body=body),
                response=RecordedResponse(status=status, reason=reason, headers=tuple(answer_headers), body=answer),
                started=started.strftime("%Y-%m-%dT%H:%M:%S.") + f"{started.microsecond // 1000:03d}Z",
                time_ms=elapsed,
                meta={"recorded_by": "proxy"},
            )
        )
        parsed = parse_json(answer)
        if is_identity_answer(parsed):
            rewritten, routes = point_catalog_at(parsed, self.public_url or f"{request.scheme}://{request.host}")
            self.routes.update(routes)
            answer = json.dumps(rewritten).encode("utf-8")
        return web.Response(status=status, reason=reason or None, headers=answer_headers, body=answer)


async def _forward(request: web.Request) -> web.Response:
    return await request.app[PROXY].forward(request)


async def _session(app: web.Application):
    proxy = app[PROXY]
    proxy.session = aiohttp.ClientSession(auto_decompress=True, timeout=aiohttp.ClientTimeout(total=300))
    yield
    await proxy.session.close()
    proxy.recorder.flush()


def create_proxy_app(
    upstream: str, out: str | None, *, public_url: str | None = None, max_body_size: int = 16 * 1024 * 1024
) -> web.Application:
    """The recording proxy as an aiohttp app (serve it like any other)."""
    app = web.Application(client_max_size=max_body_size)
    app[PROXY] = RecordingProxy(upstream, out, public_url=public_url)
    app.router.add_route("*", "/{tail:.*}", _forward, name="proxy")
    app.cleanup_ctx.append(_session)
    return app


async def run_proxy(
    upstream: str, out: str, host: str, port: int, public_url: str | None = None, announce=print
) -> None:
    """Serve the recording proxy until cancelled; the file is complete after every exchange."""
    app = create_proxy_app(upstream, out, public_url=public_url)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1] if runner.addresses else port
    base = public_url or f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{bound}"
    announce(
        f"cdbsim is recording {app[PROXY].upstream} through {base}\n"
        f"  writing: {out}\n"
        f"  point your client's identity URL at {base}/v2.0 (or its endpoint at {base}/v1.0/<account>)"
    )
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
