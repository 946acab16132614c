"""Runs inside cdbclient's own venv (it cannot share one with python-troveclient): calls cdbclient 1.0.9, unmodified,
as the contract tests ask, one JSON request a line on stdin, one JSON answer a line on stdout.

Requests: {"client": {username, api_key, tenant_id, auth_url, region}} builds the client (RAX-KSKEY auth through the
simulator's identity, endpoint from the catalog's rax:database entry; the library needs endpoint_type="publicURL"
spelled out: its default, None, fails with AuthorizationFailure); {"call": "instances.create", "args": [...],
"kwargs": {...}} calls a manager method. Answers: {"ok": value} with resources as their JSON (_info), or
{"error": {"class", "status", "message"}} for what the client raised."""

from __future__ import annotations

import json
import sys


def plain(value):
    """What a manager returned, as JSON: a resource is the JSON the service sent for it."""
    from cdbclient.common import Paginated

    if isinstance(value, Paginated):
        return {"items": [plain(v) for v in value.items], "next": value.next}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "_info"):
        return value._info
    if isinstance(value, (dict, str, int, float, bool)) or value is None:
        return value
    return repr(value)


def main() -> None:
    from cdbclient import client as cdb

    tc = None
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if "client" in request:
                c = request["client"]
                tc = cdb.Client(
                    c["username"],
                    c["api_key"],
                    tenant_id=c["tenant_id"],
                    auth_url=c["auth_url"],
                    region_name=c["region"],
                    auth_system="rax",
                    endpoint_type="publicURL",
                )
                tc.authenticate()
                answer = {"ok": tc.client.management_url}
            else:
                manager, method = request["call"].split(".")
                result = getattr(getattr(tc, manager), method)(*request.get("args", []), **request.get("kwargs", {}))
                answer = {"ok": plain(result)}
        except Exception as exc:  # everything the client raises goes back to the test
            answer = {
                "error": {
                    "class": type(exc).__name__,
                    "status": getattr(exc, "http_status", None),
                    "message": getattr(exc, "message", str(exc)),
                }
            }
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
