"""The request body, read once and parsed at most once: its JSON for the handlers, the journal and the fault rules,
and where a body becomes a 400 badRequest (not JSON, or a lone surrogate) or a 415 badMediaType."""

from __future__ import annotations

import json
import re
from typing import Any

from simulator.errors import BadMediaType, BadRequest

NOT_JSON = "Malformed request body: the body is not valid JSON."
LONE_SURROGATE = (
    "Malformed request body: the body holds a lone UTF-16 surrogate ({escape}), which is not valid Unicode."
)
#: Content types a JSON body may come with (and any `+json` type).
JSON_TYPES = ("application/json", "application/octet-stream")
#: What a body must hold to hold a lone surrogate once parsed: a JSON escape of a surrogate, a surrogate encoded as
#: UTF-8 would encode it (json.loads decodes bytes with "surrogatepass"), or a NUL in the first bytes (UTF-16 or
#: UTF-32 JSON, which json.loads also accepts, and where neither is spelled so).
_MAY_HOLD_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}|\xed[\xa0-\xbf]|^[^\x00]{0,3}\x00")
_SURROGATE = re.compile("[\ud800-\udfff]")
#: The parse has not run yet / the bytes are not JSON.
_UNPARSED: Any = type("Unparsed", (), {"__repr__": lambda self: "UNPARSED"})()
_NOT_JSON: Any = type("NotJson", (), {"__repr__": lambda self: "NOT_JSON"})()


def _may_hold_surrogate(raw: bytes) -> bool:
    """_MAY_HOLD_SURROGATE.search(raw), run only when raw holds what one of its three branches starts with: the
    pattern tries every branch at every position (~30 k instructions on the seed's 130-byte restore body), the three
    substring tests ~1 k."""
    return (b"\\u" in raw or b"\xed" in raw or b"\x00" in raw[:4]) and _MAY_HOLD_SURROGATE.search(raw) is not None


class RequestBody:
    """The bytes of one request body and their JSON, parsed on first use and kept (journal_middleware puts it in
    the request context; an empty body parses to nothing, so NO_BODY can be shared)."""

    __slots__ = ("_parsed", "_problem", "raw")

    def __init__(self, raw: bytes = b"") -> None:
        self.raw = raw
        self._parsed: Any = _UNPARSED
        self._problem: str | None = None

    def json(self, content_type: str) -> Any:
        """The parsed JSON body (None when empty); 415 for another content type, 400 when it is not JSON or holds
        a lone surrogate (text no UTF-8 store can keep)."""
        if not self.raw:
            return None
        if content_type not in JSON_TYPES and not content_type.endswith("+json"):
            raise BadMediaType(f"Unsupported Content-Type '{content_type}': send application/json.")
        parsed = self._parse()
        if self._problem is not None:
            raise BadRequest(self._problem)
        return parsed

    def value_or(self, default: Any) -> Any:
        """The JSON of the body as it came (lone surrogates kept), or default when it is empty or not JSON."""
        if not self.raw:
            return default
        parsed = self._parse()
        return default if parsed is _NOT_JSON else parsed

    def _parse(self) -> Any:
        """Parse once; later calls give what the first one found."""
        if self._parsed is _UNPARSED:
            try:
                self._parsed = json.loads(self.raw)
            except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
                self._parsed, self._problem = _NOT_JSON, NOT_JSON
            else:
                if _may_hold_surrogate(self.raw):
                    lone = lone_surrogate(self._parsed)
                    if lone is not None:
                        self._problem = LONE_SURROGATE.format(escape=f"\\u{ord(lone):04x}")
        return self._parsed


#: The body of every request that has none (it never parses, so it never changes).
NO_BODY = RequestBody(b"")


def lone_surrogate(value: Any) -> str | None:
    """A lone surrogate found in the strings (keys included) of a parsed JSON value, else None."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            found = _SURROGATE.search(item)
            if found:
                return found.group()
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None
