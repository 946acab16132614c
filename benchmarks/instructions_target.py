"""One target of instructions.py, in one process: a server and an in-process client sending N GETs.

    python instructions_target.py {client|bare|cdbsim|cdbsim-log|cdbsim-full|cdbsim-restore} N

cdbsim-restore sends the seed's restore POST (fixtures.RESTORE_BODY) N times instead of the GET, with the account's
quotas lifted as the benchmark's server does (--raise-quotas). cdbsim-full is cdbsim-log with the journal already at
its row limit (10,000 entries), as it is after the first 10,000 requests of any longer run (the load benchmark's
included): each entry written is then also pruned.

The journal and the request log write what waits in batches of 256 or after a short time (0.1 s, 0.05 s), whichever
comes first. Under callgrind a request takes ~50 times its usual time, so the timers would cut the batches short by
an amount that moves with the machine's load; the timers are set far off here, so the count is of full batches, as
at the load benchmark's rates (thousands of requests a second fill a batch well before either timer).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from fixtures import RESTORE_BODY, TOKEN, seed_instance_json

CONNECTIONS = 8


async def client(port: int, raw: bytes, n: int) -> None:
    """One keep-alive connection: send raw, read one answer (Content-Length framed), n times."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for _ in range(n):
        writer.write(raw)
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
        )
        await reader.readexactly(length)
    writer.close()


async def raw_server(body: bytes) -> tuple[asyncio.AbstractServer, int]:
    """The same answer without aiohttp: what is left is the client's own cost."""
    answer = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await reader.readuntil(b"\r\n\r\n"):
            writer.write(answer)

    async def guarded(reader, writer) -> None:
        try:
            await serve(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(guarded, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def create_instance(port: int) -> str:
    body = json.dumps({"instance": {"name": "count", "flavorRef": 1, "volume": {"size": 2}}}).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"POST /v1.0/1234/instances HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Auth-Token: {TOKEN}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body
    )
    data = await reader.read()
    writer.close()
    return json.loads(data.split(b"\r\n\r\n", 1)[1])["instance"]["id"]


async def main(target: str, n: int) -> None:
    from aiohttp import web

    body, _ = seed_instance_json()
    runner = None
    if target == "client":
        server, port = await raw_server(body)
    else:
        if target == "bare":
            from bare_server import make_app

            app = make_app(body)
        else:
            from simulator.app import create_app
            from simulator.serve.options import add_serve_options, config_from_args

            parser = argparse.ArgumentParser()
            add_serve_options(parser)
            from simulator.pipeline import journal, request_log

            journal.FLUSH_AFTER = request_log.FLUSH_AFTER = 3600.0  # full batches only (the docstring says why)
            quiet = ["--quiet"] if target == "cdbsim" else []
            options = ["--db", ":memory:", "--time-scale", "0", "--no-rate-limits", *quiet]
            app = create_app(config_from_args(parser.parse_args(options)))
            if target == "cdbsim-full":
                from scaling_server import fill_journal

                from simulator.keys import JOURNAL

                fill_journal(app, app[JOURNAL].limit)
            if target == "cdbsim-restore":
                from sim_server import raise_quotas

                from simulator.keys import BACKEND

                raise_quotas(app[BACKEND], "1234")
        if target == "bare":
            runner = web.AppRunner(app, access_log=None)
        else:  # as `cdbsim serve` serves (its connection handler: parser errors as faults, the head deadline, the cap)
            from simulator.serve.connections import SandboxRunner

            runner = SandboxRunner(app, max_connections=1024, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
    if target == "cdbsim-restore":
        body = json.dumps(RESTORE_BODY).encode()
        raw = (
            f"POST /v1.0/1234/instances HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: cdbsim-bench\r\n"
            f"Accept: application/json\r\nX-Auth-Token: {TOKEN}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        await asyncio.gather(*(client(port, raw, n // CONNECTIONS) for _ in range(CONNECTIONS)))
        await runner.cleanup()
        return
    path = f"/v1.0/1234/instances/{await create_instance(port)}" if target.startswith("cdbsim") else "/v1.0/1234/i"
    raw = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUser-Agent: cdbsim-bench\r\nAccept: application/json\r\n"
        f"X-Auth-Token: {TOKEN}\r\n\r\n"
    ).encode()
    await asyncio.gather(*(client(port, raw, n // CONNECTIONS) for _ in range(CONNECTIONS)))
    if runner is not None:
        await runner.cleanup()
    else:
        server.close()


if __name__ == "__main__":
    try:
        import uvloop
    except ImportError:
        asyncio.run(main(sys.argv[1], int(sys.argv[2])))
    else:
        uvloop.run(main(sys.argv[1], int(sys.argv[2])))
