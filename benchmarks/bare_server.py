"""Target (a), the physical limit: a bare aiohttp server answering every GET with the seed's instance JSON from memory.

python bare_server.py --port 0     (prints "READY <port>" once it listens)
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from aiohttp import web

from fixtures import seed_instance_json


def make_app(body: bytes) -> web.Application:
    """One catch-all route; the body is built once and sent as it is."""

    async def answer(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    return app


async def serve(port: int) -> None:
    body, _ = seed_instance_json()
    runner = web.AppRunner(make_app(body), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    print(f"READY {runner.addresses[0][1]}", flush=True)
    await asyncio.Event().wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    try:
        try:  # the same event loop cdbsim serves on, so the ratio compares the code, not the loop
            import uvloop
        except ImportError:
            asyncio.run(serve(args.port))
        else:
            uvloop.run(serve(args.port))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
