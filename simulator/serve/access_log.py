"""The access log (serve --verbose) without secrets: aiohttp's log line with the secret query parameters masked."""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp.web_log import AccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

from simulator.pipeline.redact import redact_target


class RedactingAccessLogger(AccessLogger):
    """AccessLogger whose request line and Referer show `?token=***` instead of the token (redact.py's list)."""

    def _format_line(
        self, request: BaseRequest, response: StreamResponse, time: float
    ) -> Iterable[tuple[str | tuple[str, str], str]]:
        return [(key, _redacted(key, value)) for key, value in super()._format_line(request, response, time)]


def _redacted(key: str | tuple[str, str], value: str) -> str:
    """One part of the line with the secrets of a URL in it masked."""
    if not isinstance(value, str) or "?" not in value:
        return value
    if key == "first_request_line":  # "GET /path?query HTTP/1.1"
        method, _, rest = value.partition(" ")
        target, space, version = rest.rpartition(" ") if rest.count(" ") else (rest, "", "")
        return f"{method} {redact_target(target)}{space}{version}"
    if isinstance(key, tuple) and key[1].lower() == "referer":
        return redact_target(value)
    return value
