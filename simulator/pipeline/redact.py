"""The one list of secrets (body fields, headers, query parameters) and the masking of them in parsed data, header
sets and query strings, so nothing stores a secret whatever its spelling."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

from simulator.reference.secrets import MASK, header_kind, secret_kind

#: Where an identity answer holds the token it issued: the "id" under these paths.
TOKEN_PATHS = frozenset({"access.token", "auth.token"})

#: A part of a secret key's name in JSON text, lower-cased (a fast pre-check: it may find more; it is searched in the
#: text lower-cased, as a `(?i)` pattern scans each position several ways: 14x slower on a 100-name page); and an
#: escape of a character such a key is made of (ASCII letters, digits, "_", "-", ":"), which may spell one
#: (`"pass\\u0077ord"`). json.dumps escapes none of those.
_SECRET_KEY = re.compile(rb"pass|pwd|secret|api.?key|token|credential|authoriz")
#: _SECRET_KEY's literal branches, and what its one other branch (api.?key) starts with: the pattern tries each
#: branch at every position (~70 k instructions on a 700-byte instance answer), a substring test is a fast search.
_SECRET_WORDS = (b"pass", b"pwd", b"secret", b"token", b"credential", b"authoriz")
_API_KEY = re.compile(rb"api.?key")
_KEY_CHAR_ESCAPE = re.compile(rb"\\u00[2-7][0-9a-fA-F]")


def may_hold_secret(raw: bytes) -> bool:
    """False only when the UTF-8 JSON text raw holds no secret field however it is parsed: a fast pre-check, so a
    rendered answer without a secret is never parsed to find out. (bytes.lower() folds ASCII letters only, as a
    `(?i)` bytes pattern does.) The same verdict as _SECRET_KEY.search on the lower-cased text, found with
    substring tests (tests/unit/test_redact.py compares them)."""
    low = raw.lower()
    for word in _SECRET_WORDS:
        if word in low:
            return True
    if b"api" in low and _API_KEY.search(low) is not None:
        return True
    return b"\\u00" in raw and _KEY_CHAR_ESCAPE.search(raw) is not None


def map_secrets(value: Any, replace: Callable[[str, str], str], path: str = "") -> Any:
    """A copy of a parsed JSON value with every secret passed through replace(kind, secret).

    Secrets are the values of credential keys anywhere (secret_kind, whatever their case and spelling, and whatever
    the value's type: a list, object or number is passed as its JSON text), and the token id of an identity answer
    (access.token.id / auth.token.id): the token object there is looked into, not masked whole.
    """
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            kind = secret_kind(key) if isinstance(key, str) else None
            if kind is not None and item is not None and not (isinstance(item, dict) and where in TOKEN_PATHS):
                out[key] = replace(kind, item if isinstance(item, str) else json.dumps(item))
            elif key == "id" and path in TOKEN_PATHS and isinstance(item, str):
                out[key] = replace("token", item)
            else:
                out[key] = map_secrets(item, replace, where)
        return out
    if isinstance(value, list):
        return [map_secrets(item, replace, path) for item in value]
    return value


def redacted(value: Any) -> tuple[Any, bool]:
    """(value with every secret masked, whether it held any)."""
    found: list[str] = []

    def mask(kind: str, secret: str) -> str:
        found.append(kind)
        return MASK

    return map_secrets(value, mask), bool(found)


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    """Headers with secret values masked."""
    return {k: (MASK if header_kind(k) else v) for k, v in headers.items()}


def _query_kind(name: str) -> str | None:
    """The kind of secret a query parameter of this (raw) name holds, else None."""
    return secret_kind(unquote_plus(name) if "%" in name or "+" in name else name)


def query_secrets(query: str) -> list[tuple[str, str]]:
    """(kind, value) of every secret parameter of a query string (values percent-decoded)."""
    found = []
    for part in query.split("&") if query else ():
        name, _, value = part.partition("=")
        kind = _query_kind(name)
        if kind and value:
            found.append((kind, unquote_plus(value)))
    return found


def redact_query(query: str) -> str:
    """A query string with the value of every secret parameter masked; the rest stays as it came."""
    if not query:
        return query
    parts = query.split("&")
    changed = False
    for i, part in enumerate(parts):
        name, equals, value = part.partition("=")
        if value and _query_kind(name):
            parts[i] = name + equals + MASK
            changed = True
    return "&".join(parts) if changed else query


def redact_target(target: str) -> str:
    """A request target or URL (path?query) with the secrets of its query masked."""
    path, mark, query = target.partition("?")
    return path + mark + redact_query(query) if mark else target


#: A key in text that may not parse (JSON, a form, a query string, YAML): quoted or not, letters, digits, "_", "-",
#: ":", ".", JSON escapes and percent escapes; then ":" or "=".
_TEXT_KEY = re.compile(r"""(["']?)((?:[\w:.\-]|\\u[0-9a-fA-F]{4}|%[0-9a-fA-F]{2})+)\1\s*[:=]\s*""")
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_CLOSING = {"[": "]", "{": "}"}


def _value_end(text: str, start: int) -> int:
    """Where the value that starts at start ends: a quoted string's closing quote, a list's or object's closing
    bracket (quotes inside respected), else the next separator; the end of the text when it never closes."""
    if start >= len(text):
        return start
    first = text[start]
    if first in "\"'":
        i = start + 1
        while i < len(text) and text[i] != first:
            i += 2 if text[i] == "\\" else 1
        return min(i + 1, len(text))
    if first in _CLOSING:
        depth, i, quote = 0, start, ""
        while i < len(text):
            c = text[i]
            if quote:
                if c == "\\":
                    i += 1
                elif c == quote:
                    quote = ""
            elif c in "\"'":
                quote = c
            elif c in "[{":
                depth += 1
            elif c in "]}":
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        return len(text)
    found = re.compile(r"[\s,;&}\]]").search(text, start)
    return found.start() if found else len(text)


def mask_text(text: str, replace: Callable[[str, str], str] | None = None) -> str:
    """text (a body that is not JSON, or a form) with the value after every secret key replaced: by MASK, or by
    replace(kind, value) (quotes kept outside). What JSON parsing cannot reach, a pattern does."""
    out, pos = [], 0
    for match in _TEXT_KEY.finditer(text):
        if match.start() < pos:
            continue
        name = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), match.group(2))
        kind = secret_kind(unquote_plus(name))
        if kind is None:
            continue
        start = match.end()
        end = _value_end(text, start)
        if end == start:
            continue
        value = text[start:end]
        quote = value[0] if value[0] in "\"'" else ""
        inner = value[len(quote) : len(value) - (1 if quote and len(value) > 1 and value.endswith(quote) else 0)]
        masked = replace(kind, inner) if replace is not None else MASK
        out.append(text[pos:start] + quote + masked + (quote if value.endswith(quote) and len(value) > 1 else ""))
        pos = end
    return "".join(out) + text[pos:] if out else text
