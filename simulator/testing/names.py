"""A test's account id and token, the same every run, so recordings, logs and leftovers line up across runs."""

from __future__ import annotations

import hashlib
import re
import uuid
from pathlib import Path


def token_for(account_id: str) -> str:
    """A fixed token per account id (the same every run, so recordings and logs line up)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"cdbsim:{account_id}"))


def account_id_for(nodeid: str) -> str:
    """A readable account id of a test, the same every run: its name and a hash of its node id."""
    name = nodeid.split("::")[-1]
    digest = hashlib.sha1(nodeid.encode("utf-8")).hexdigest()[:8]
    return f"{re.sub(r'[^A-Za-z0-9_-]', '-', name)[:40].strip('-') or 'test'}-{digest}"


def account_body(account_id: str, role: str = "dbaas:admin", **fields) -> dict:
    """What creating a test's account sends: its id, role and fixed token, and any other fields."""
    return {"account_id": account_id, "role": role, "token": token_for(account_id), **fields}


def recording_path(folder: str | Path, nodeid: str, name: str) -> Path:
    """Where a test's recording goes: one HAR per test, in folders like the tests' (folder/<module>/<test>.har)."""
    module = nodeid.split("::")[0]
    module = module[:-3] if module.endswith(".py") else module
    test = ".".join(nodeid.split("::")[1:]) or name
    return Path(folder) / module / (re.sub(r"[^A-Za-z0-9_.\-\[\]]", "_", test) + ".har")
