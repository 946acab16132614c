"""What every target serves and every load sends: the seed page's instance JSON and the request specs."""

from __future__ import annotations

import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
#: The seed page: the project's shared/ sits beside the clone (../shared); a copy of its body is kept here too.
SEED_PAGE = REPO.parent / "shared" / "seed" / "restore-backup.rst"
SEED_COPY = HERE / "seed_instance.json"

ACCOUNT = "1234"
TOKEN = "87c6033c-9ff6-405f-943e-2deb73f278b7"  # the seed page's X-Auth-Token (the sandbox's fixed demo token)
BACKUP_ID = "61f12fef-edb1-4561-8122-e7c00ef26a82"  # the seed page's backupRef
RESTORE_BODY = {
    "instance": {
        "flavorRef": 1,
        "name": "json_restore",
        "restorePoint": {"backupRef": BACKUP_ID},
        "volume": {"size": 2},
    }
}


def seed_instance_json() -> tuple[bytes, str]:
    """The seed's restore response body, compact, and where it came from."""
    if SEED_PAGE.exists():
        text = SEED_PAGE.read_text()
        response = text.split("JSON response**", 1)[1]
        block = re.search(r"\n(\s+)\{\n.*?\n\1\}\n", response, re.S)
        body = json.loads(block.group(0))
        return json.dumps(body, separators=(",", ":")).encode(), str(SEED_PAGE)
    return json.dumps(json.loads(SEED_COPY.read_text()), separators=(",", ":")).encode(), str(SEED_COPY)


def cdbsim_get(path: str, *, method: str = "GET", body=None) -> dict:
    """One request to account 1234 with the demo token."""
    headers = {"X-Auth-Token": TOKEN, "Accept": "application/json"}
    req = {"method": method, "path": f"/v1.0/{ACCOUNT}{path}", "headers": headers}
    if body is not None:
        headers["Content-Type"] = "application/json"
        req["body"] = json.dumps(body)
    return req


def spec(requests: list[dict], expect=(200,)) -> dict:
    return {"requests": requests, "expect": list(expect)}
