"""The names of secrets: the keys of a JSON body, a form or a query string, and the headers, that hold one, however
a client spells them; and the mask that shows where one was. Reference data, so the backend's error messages and
the web layer's redaction (pipeline/redact.py) use one list."""

from __future__ import annotations

import re

MASK = "***"

#: Credential fields of a JSON body (or a form, a query string) and the kind of secret each holds, by the key's
#: folded spelling (key_fold: case, "_", "-" and a "RAX-KSKEY:"-style prefix dropped): what the real clients and
#: the API send (password, adminPass, apiKey, api_key, token) and the usual other names of a secret. "token" is a
#: fixed token given to (or echoed by) POST /_sim/accounts. Matched on parsed keys, so `"pass\u0077ord"` is a
#: password too.
SECRET_KEYS: dict[str, str] = {
    "password": "password",
    "passwd": "password",
    "pwd": "password",
    "pass": "password",
    "adminpass": "password",
    "credentials": "password",
    "apikey": "apiKey",
    "token": "token",
    "authtoken": "token",
    "accesstoken": "token",
    "xauthtoken": "token",
    "xsubjecttoken": "token",
    "xadmintoken": "token",
    "authorization": "authorization",
    "xauthkey": "apiKey",
    "secret": "secret",
}
#: ... and the endings of a key that names a secret (rootPassword, client_secret, refresh_token, x-api-key).
SECRET_ENDINGS: tuple[tuple[str, str], ...] = (
    ("password", "password"),
    ("passwd", "password"),
    ("passphrase", "password"),
    ("apikey", "apiKey"),
    ("secret", "secret"),
    ("token", "token"),
)
#: Headers that carry a secret (lower case) and the kind of secret each holds.
SECRET_HEADERS: dict[str, str] = {
    "x-auth-token": "token",
    "x-subject-token": "token",
    "x-admin-token": "token",
    "authorization": "authorization",
    "proxy-authorization": "authorization",
    "x-auth-key": "apiKey",
    "x-api-key": "apiKey",
    "cookie": "token",
    "set-cookie": "token",
}
#: What key_fold drops from a key.
_NOT_KEY_CHARS = re.compile(r"[^a-z0-9]")


def key_fold(key: str) -> str:
    """A key as SECRET_KEYS spells it: without a namespace prefix ("RAX-KSKEY:"), lower case, letters and digits."""
    return _NOT_KEY_CHARS.sub("", key.rsplit(":", 1)[-1].lower())


def secret_kind(key: str) -> str | None:
    """The kind of secret a key (a JSON field, a form or query parameter, a header) names, else None."""
    folded = key_fold(key)
    kind = SECRET_KEYS.get(folded)
    if kind is None:
        kind = next((k for ending, k in SECRET_ENDINGS if folded.endswith(ending)), None)
    return kind


def header_kind(name: str) -> str | None:
    """The kind of secret a header of this name carries, else None."""
    return SECRET_HEADERS.get(name.lower()) or secret_kind(name)
