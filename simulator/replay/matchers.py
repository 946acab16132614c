"""Named request matchers: each gives an index key and, on a miss, says how two requests differ."""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl

from simulator.replay.filters import normalize_secrets
from simulator.replay.har import RecordedRequest, RequestLine

DEFAULT_MATCH_ON = ("method", "path", "query", "body")
#: What a match key is computed from: a request, or the line of one the on-disk index reads.
Keyed = RecordedRequest | RequestLine


def method_key(request: Keyed) -> str:
    return request.method.upper()


def path_key(request: Keyed) -> str:
    return request.path


def query_key(request: Keyed) -> tuple:
    """Query parameters in any order (repeated names keep their values)."""
    query = request.query
    return tuple(sorted(parse_qsl(query, keep_blank_values=True))) if query else ()


#: body_key of a request without a body.
NO_BODY = ("raw", b"")


def body_key(request: Keyed) -> tuple:
    """A JSON body by value with secrets ignored (key order and spacing do not matter); other bodies by bytes."""
    if not request.body:
        return NO_BODY
    parsed = request.json()
    if parsed is not None:
        return ("json", json.dumps(normalize_secrets(parsed), sort_keys=True, separators=(",", ":")))
    return ("raw", request.body)


def _first_difference(recorded, incoming, where: str = "$") -> str | None:
    """Where two JSON values first differ, as `$.a.b[2]: incoming != recorded`."""
    if isinstance(recorded, dict) and isinstance(incoming, dict):
        for key in sorted(set(recorded) | set(incoming), key=str):
            if key not in incoming:
                return f"{where}.{key}: missing (recorded {recorded[key]!r})"
            if key not in recorded:
                return f"{where}.{key}: {incoming[key]!r} not in the recording"
            found = _first_difference(recorded[key], incoming[key], f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(recorded, list) and isinstance(incoming, list):
        for i, (a, b) in enumerate(zip(recorded, incoming, strict=False)):
            found = _first_difference(a, b, f"{where}[{i}]")
            if found:
                return found
        if len(recorded) != len(incoming):
            return f"{where}: {len(incoming)} items != {len(recorded)} recorded"
        return None
    if recorded != incoming or type(recorded) is not type(incoming):
        return f"{where}: {incoming!r} != recorded {recorded!r}"
    return None


def _short(raw: bytes, limit: int = 60) -> str:
    text = raw.decode("utf-8", "replace")
    return repr(text if len(text) <= limit else text[:limit] + "...")


def describe_method(recorded: RecordedRequest, incoming: RecordedRequest) -> str:
    return f"{incoming.method} != recorded {recorded.method}"


def describe_path(recorded: RecordedRequest, incoming: RecordedRequest) -> str:
    return f"{incoming.path} != recorded {recorded.path}"


def describe_query(recorded: RecordedRequest, incoming: RecordedRequest) -> str:
    return f"{incoming.query or '(none)'!s} != recorded {recorded.query or '(none)'!s}"


def describe_body(recorded: RecordedRequest, incoming: RecordedRequest) -> str:
    a, b = recorded.json(), incoming.json()
    if a is not None and b is not None:
        return _first_difference(normalize_secrets(a), normalize_secrets(b)) or "bodies differ"
    return f"{_short(incoming.body)} != recorded {_short(recorded.body)}"


@dataclass(frozen=True)
class Matcher:
    """A named way of comparing requests: key() for the index, describe() for the miss report."""

    name: str
    key: Callable[[Keyed], Hashable]
    describe: Callable[[RecordedRequest, RecordedRequest], str]

    def __call__(self, recorded: RecordedRequest, incoming: RecordedRequest) -> None:
        """vcrpy's matcher protocol: return when the requests agree, raise AssertionError saying how not."""
        if self.key(recorded) != self.key(incoming):
            raise AssertionError(self.describe(recorded, incoming))


MATCHERS: dict[str, Matcher] = {
    "method": Matcher("method", method_key, describe_method),
    "path": Matcher("path", path_key, describe_path),
    "query": Matcher("query", query_key, describe_query),
    "body": Matcher("body", body_key, describe_body),
}


def validate_match_on(names) -> tuple[str, ...]:
    """The matcher names as a tuple; a misspelt name fails loudly with the list of valid ones."""
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    if not isinstance(names, (list, tuple)):
        raise ValueError(f"matchers must be a list of names or a comma-separated string, not {names!r}")
    names = tuple(names)
    unknown = [str(n) for n in names if not isinstance(n, str) or n not in MATCHERS]
    if unknown or not names:
        raise ValueError(
            f"unknown matcher(s) {', '.join(unknown) or '(none given)'}: choose from {', '.join(MATCHERS)}"
        )
    return names


def request_key(request: Keyed, match_on: tuple[str, ...]) -> tuple:
    """The index key of a request under the chosen matchers."""
    return key_function(match_on)(request)


@lru_cache(maxsize=64)
def key_function(match_on: tuple[str, ...]) -> Callable[[Keyed], tuple]:
    """request_key for one choice of matchers, as one function (a recording's index calls it once per entry)."""
    keys = tuple(MATCHERS[name].key for name in match_on)
    if keys == (method_key, path_key, query_key, body_key):
        # the same four keys, without a call for the parts a request usually lacks (what each gives for none)
        return lambda request: (
            request.method.upper(),
            request.path,
            query_key(request) if request.query else (),
            body_key(request) if request.body else NO_BODY,
        )
    return lambda request: tuple([key(request) for key in keys])


def differences(
    recorded: RecordedRequest, incoming: RecordedRequest, match_on: tuple[str, ...]
) -> list[tuple[str, str]]:
    """(matcher, how it differs) for every chosen matcher that fails."""
    found = []
    for name in match_on:
        try:
            MATCHERS[name](recorded, incoming)
        except AssertionError as exc:
            found.append((name, str(exc)))
    return found
