"""Helpers of the reliability suite: populated accounts, route walks, valid bodies, state snapshots."""
from __future__ import annotations

import re

from simulator.backend import catalog

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
MYSQL = catalog.DATASTORES[0]
#: Path parameters that name no account's resource (reference data and wildcard tails).
SHARED = {"flavor_id": "1", "datastore_id": MYSQL.id, "version_id": MYSQL.versions[-1].id, "tail": ""}
#: Tables that hold the model (not the journal, counters or bookkeeping).
MODEL_TABLES = ("accounts", "users", "tokens", "instances", "databases", "db_users", "grants", "backups",
                "schedules")


async def populate(api, tag: str) -> dict:
    """Give api's account an ACTIVE instance with a database and a user, a COMPLETED backup and a schedule.

    Every name carries tag, so a test can look for it in answers meant for somebody else.
    """
    status, body, _ = await api.post("/instances", {"instance": {
        "name": f"{tag}-instance", "flavorRef": 1, "volume": {"size": 2},
        "databases": [{"name": f"{tag}db"}],
        "users": [{"name": f"{tag}user", "password": f"{tag}-Secret-1", "databases": [{"name": f"{tag}db"}]}]}})
    assert status == 200, body
    api.advance(0)
    instance = body["instance"]
    status, body, _ = await api.post("/backups", {"backup": {"name": f"{tag}-backup", "instance": instance["id"],
                                                             "description": f"{tag} description"}})
    assert status == 202, body
    backup = body["backup"]
    api.advance(0)
    status, body, _ = await api.post("/schedules", {"schedule": {
        "action": "backup", "day_of_week": 3, "hour": 4, "minute": 5, "instance_id": instance["id"]}})
    assert status == 202, body
    schedule = body["schedule"]
    status, body, _ = await api.get(f"/instances/{instance['id']}")
    assert body["instance"]["status"] == "ACTIVE", body
    return {"account_id": api.account, "instance_id": instance["id"], "hostname": body["instance"]["hostname"],
            "name": f"{tag}db", "user": f"{tag}user", "backup_id": backup["id"], "schedule_id": schedule["id"],
            "names": [f"{tag}-instance", f"{tag}db", f"{tag}user", f"{tag}-backup", f"{tag} description",
                      f"{tag}-Secret-1", body["instance"]["hostname"]]}


def v1_routes(app) -> list[tuple[str, str, str]]:
    """(route name, method, path template) for every /v1.0/{account_id}/ route ('*' routes: every method)."""
    out = []
    for route in app.router.routes():
        template = route.resource.canonical if route.resource is not None else ""
        if route.name is None or not template.startswith("/v1.0/{account_id}"):
            continue
        for method in (METHODS if route.method == "*" else (route.method,)):
            out.append((route.name, method, template))
    return out


def fill(template: str, values: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), template)


def body_for(name: str, ids: dict):
    """A body that would be accepted if the ids were the caller's, so only ownership decides the answer."""
    return {
        "create_instance": {"instance": {"name": "x", "flavorRef": 1, "volume": {"size": 2},
                                         "restorePoint": {"backupRef": ids["backup_id"]}}},
        "patch_instance": {"instance": {"name": "renamed"}}, "put_instance": {"instance": {"name": "renamed"}},
        "instance_action": {"restart": {}},
        "create_databases": {"databases": [{"name": "newdb"}]},
        "create_users": {"users": [{"name": "newuser", "password": "pw-12345"}]},
        "change_passwords": {"users": [{"name": ids["user"], "password": "pw-23456"}]},
        "update_user": {"user": {"password": "pw-34567"}},
        "grant_user_access": {"databases": [{"name": ids["name"]}]},
        "create_backup": {"backup": {"name": "b", "instance": ids["instance_id"]}},
        "backup_action": {"copy-backup": {"target_backup_region": "IAD"}},
        "create_schedule": {"schedule": {"action": "backup", "day_of_week": 1, "hour": 1, "minute": 1,
                                         "instance_id": ids["instance_id"]}},
        "update_schedule": {"schedule": {"hour": 2}},
    }.get(name)


def snapshot(db, account_id: str | None = None) -> dict:
    """Every row of the model tables (of one account, or all), to compare before and after."""
    if account_id is None:
        return {t: [dict(r) for r in db.query(f"select * from {t} order by rowid")] for t in MODEL_TABLES}
    instances = [dict(r) for r in db.query("select * from instances where account_id = ? order by id", [account_id])]
    ids = [r["id"] for r in instances]
    marks = ",".join("?" * len(ids))
    return {"instances": instances,
            "databases": list(db.query(f"select * from databases where instance_id in ({marks})", ids)),
            "users": list(db.query(f"select * from db_users where instance_id in ({marks})", ids)),
            "backups": list(db.query("select * from backups where account_id = ? order by id", [account_id])),
            "schedules": list(db.query("select * from schedules where account_id = ? order by id", [account_id]))}
