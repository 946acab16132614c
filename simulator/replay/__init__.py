"""Record and replay of HTTP exchanges (filled in by the replay issue)."""
from __future__ import annotations

from aiohttp import web


@web.middleware
async def replay_middleware(request: web.Request, handler) -> web.StreamResponse:
    """Answer from a loaded recording when one is active."""
    return await handler(request)


def setup_replay(app: web.Application) -> None:
    """Build the recorder and the player for app (from the config)."""
