"""GET /openapi.json: the OpenAPI 3.1 document of the simulated API, kept in the repo next to the code."""

from __future__ import annotations

import json
from pathlib import Path

from aiohttp import web

from simulator.handlers.common import base_url, ok

DOCUMENT = Path(__file__).resolve().parent.parent / "openapi.json"


def load_document() -> dict:
    """The document as stored in simulator/openapi.json."""
    return json.loads(DOCUMENT.read_text(encoding="utf-8"))


async def show_openapi(request: web.Request) -> web.Response:
    """GET /openapi.json, with `servers` pointing at this server as the client reached it."""
    document = load_document()
    document["servers"] = [{"url": base_url(request)}]
    return ok(document)
