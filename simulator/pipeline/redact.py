"""The one list of secrets (body fields, headers, query parameters) and the masking of them in parsed data, header
sets and query strings, so nothing stores a secret whatever its spelling."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

#: Credential fields of a JSON body and the kind of secret each holds; "token" is a fixed token given to (or
#: echoed by) POST /_sim/accounts. Matched on parsed keys, so `"pass\u0077ord"` is a password too.
SECRET_FIELDS: dict[str, str] = {
    "password": "password",
    "adminPass": "password",
    "apiKey": "apiKey",
    "api_key": "apiKey",
    "token": "token",
}
#: Where an identity answer holds the token it issued: the "id" under these paths.
TOKEN_PATHS = frozenset({"access.token", "auth.token"})
#: Headers that carry a secret (lower case) and the kind of secret each holds.
SECRET_HEADERS: dict[str, str] = {
    "x-auth-token": "token",
    "x-subject-token": "token",
    "authorization": "authorization",
    "x-auth-key": "apiKey",
}
#: Query parameters that carry a secret (compared in lower case, after percent-decoding) and the kind of secret each
#: holds: every secret field and header name, and the usual names of a token in a URL.
SECRET_QUERY_PARAMS: dict[str, str] = {
    **{name.lower(): kind for name, kind in SECRET_FIELDS.items()},
    **SECRET_HEADERS,
    "auth_token": "token",
    "access_token": "token",
}
MASK = "***"

#: A secret key spelled plainly in JSON text; and an escape of a character such a key is made of (keys are ASCII
#: letters and "_", 0x41-0x7a), which may spell one (`"pass\\u0077ord"`). json.dumps escapes none of those.
_SECRET_KEY = re.compile(b'"(?:' + b"|".join(re.escape(key.encode()) for key in SECRET_FIELDS) + b')"')
_KEY_CHAR_ESCAPE = re.compile(rb"\\u00[4-7][0-9a-fA-F]")


def may_hold_secret(raw: bytes) -> bool:
    """False only when the UTF-8 JSON text raw holds no secret field however it is parsed: a fast pre-check, so a
    rendered answer without a secret is never parsed to find out."""
    return _SECRET_KEY.search(raw) is not None or (b"\\u00" in raw and _KEY_CHAR_ESCAPE.search(raw) is not None)


def map_secrets(value: Any, replace: Callable[[str, str], str], path: str = "") -> Any:
    """A copy of a parsed JSON value with every secret string passed through replace(kind, secret).

    Secrets are credential fields (SECRET_FIELDS) anywhere, and the token id of an identity answer
    (access.token.id / auth.token.id).
    """
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in SECRET_FIELDS and isinstance(item, str):
                out[key] = replace(SECRET_FIELDS[key], item)
            elif key == "id" and path in TOKEN_PATHS and isinstance(item, str):
                out[key] = replace("token", item)
            else:
                out[key] = map_secrets(item, replace, f"{path}.{key}" if path else str(key))
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
    return {k: (MASK if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


def _query_kind(name: str) -> str | None:
    """The kind of secret a query parameter of this (raw) name holds, else None."""
    return SECRET_QUERY_PARAMS.get(unquote_plus(name).lower() if "%" in name or "+" in name else name.lower())


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
