"""One-way hashes for secrets we must check but never store: tokens, api keys, passwords."""

from __future__ import annotations

import hashlib
import hmac


def hash_secret(value: str) -> str:
    """A stable sha256 of value (tokens and keys are long random strings, so no salt is needed)."""
    return hashlib.sha256(("cdbsim:" + value).encode("utf-8")).hexdigest()


def hash_password(password: str, salt: str) -> str:
    """A salted sha256 of a database user's password."""
    digest = hashlib.sha256((salt + ":" + password).encode("utf-8")).hexdigest()
    return f"{salt}${digest}"


def check_password(password: str, stored: str | None) -> bool:
    """True when password matches a value made by hash_password."""
    if not stored or "$" not in stored:
        return False
    salt = stored.split("$", 1)[0]
    return hmac.compare_digest(hash_password(password, salt), stored)
