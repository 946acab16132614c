"""Find the secrets in an exchange (headers, credential fields, issued tokens) so nothing stores them."""
from __future__ import annotations

from typing import Callable

SECRET_HEADERS = {"x-auth-token", "x-subject-token", "authorization", "x-auth-key"}
#: Credential fields; "token" is a fixed token given to (or echoed by) POST /_sim/accounts.
SECRET_FIELDS = {"password", "apiKey", "api_key", "adminPass", "token"}


def map_secrets(value, replace: Callable[[str, str], str], path: str = ""):
    """A copy of a JSON value with every secret string passed through replace(kind, secret).

    Secrets are credential fields (password, apiKey) anywhere, and the token id of an identity
    answer (access.token.id / auth.token.id).
    """
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            here = f"{path}.{key}" if path else key
            if key in SECRET_FIELDS and isinstance(item, str):
                out[key] = replace(key, item)
            elif key == "id" and path in ("access.token", "auth.token") and isinstance(item, str):
                out[key] = replace("token", item)
            else:
                out[key] = map_secrets(item, replace, here)
        return out
    if isinstance(value, list):
        return [map_secrets(item, replace, path) for item in value]
    return value


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    """Headers with secret values masked."""
    return {k: ("***" if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


def redact_body(value):
    """A JSON value with every secret masked."""
    return map_secrets(value, lambda kind, secret: "***")
