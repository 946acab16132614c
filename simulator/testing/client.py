"""What a test hears back from a simulator: plain HTTP answers (standard library only) and the two errors.

urllib.request is imported by the first HTTP call: the in-process session reaches its server without it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import urllib.request


class CdbsimError(Exception):
    """A control call was refused: `status`, `fault` and `message` as the simulator answered."""

    def __init__(self, message: str, status: int = 0, fault: str = "") -> None:
        super().__init__(message)
        self.message, self.status, self.fault = message, status, fault


class CdbsimServerError(Exception):
    """The simulator raised while serving a test (a bug in the fake, not in the code under test)."""


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, parsed JSON body (or text, or None) and headers."""

    status: int
    body: Any
    headers: dict


def parse_body(text: str) -> Any:
    """A body as the test wants it: JSON parsed, other text as it is, nothing as None."""
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text


def _opener() -> urllib.request.OpenerDirector:
    """Never through a proxy: the simulator is on this machine (or named exactly by --cdbsim-url)."""
    import urllib.request

    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_call(method: str, url: str, body=None, headers: dict | None = None, timeout: float = 30) -> Answer:
    """One HTTP request with the standard library, so a test needs no HTTP client of its own; JSON in and out."""
    import urllib.error
    import urllib.request

    data = None
    headers = dict(headers or {})
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
        headers.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with _opener().open(req, timeout=timeout) as resp:
            status, raw, got = resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        status, raw, got = exc.code, exc.read(), dict(exc.headers)
    return Answer(status, parse_body(raw.decode("utf-8", "replace")), got)
