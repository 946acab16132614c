"""What the dashboard shows of one account's resources in one region, read through the backend's rules, its
repositories and the journal (never SQL): instances with what they hold, backup chains as trees (a copy naming the
region of its original), schedules, and which backup each restore came from; the groups are in groups.py."""

from __future__ import annotations

import json

from aiohttp import web

from simulator.dashboard import groups
from simulator.dashboard.reading import PAGE, all_pages, readable
from simulator.errors import SimulatorError
from simulator.keys import BACKEND, CONFIG, JOURNAL
from simulator.reference import catalog, regions

#: A backup chain deeper than this is drawn flat below its last nested node (the page stays a shallow tree).
MAX_DEPTH = 40


def account_ids(app: web.Application) -> list[str]:
    """Every account, for the picker."""
    return [a["id"] for a in app[BACKEND].identity.accounts()]


def default_account(app: web.Application, ids: list[str]) -> str | None:
    """The account the page opens on: the configured demo account when it exists, else the first one."""
    demo = app[CONFIG].bootstrap
    if demo is not None and demo.account_id in ids:
        return demo.account_id
    return ids[0] if ids else None


def restored_from(app: web.Application, account_id: str) -> dict[str, str]:
    """instance id -> the id of the backup it was restored from, as the account's journal saw the restores
    (a create with restorePoint answered 200), plus the restores still building (their task names the backup)."""
    links: dict[str, str] = {}
    for entry in app[JOURNAL].entries(account_id=account_id, route="create_instance", status=200):
        request_body = (entry.get("request") or {}).get("body")
        answer = (entry.get("response") or {}).get("body")
        spec = request_body.get("instance") if isinstance(request_body, dict) else None
        ref = (spec.get("restorePoint") or {}).get("backupRef") if isinstance(spec, dict) else None
        made = answer.get("instance") if isinstance(answer, dict) else None
        if ref is not None and isinstance(made, dict) and isinstance(made.get("id"), str):
            links[made["id"]] = str(ref).rstrip("/").rsplit("/", 1)[-1]
    return links


def _building_restore(row: dict) -> str | None:
    """The backup a restore still in BUILD is taking its data from (its task names it)."""
    try:
        data = json.loads(row.get("task_data") or "{}")
    except ValueError:
        return None
    backup_id = data.get("restore") if isinstance(data, dict) else None
    return backup_id if isinstance(backup_id, str) else None


def instance_view(app: web.Application, account_id: str, row: dict, restored: dict[str, str]) -> dict:
    """One instance as the page shows it: never a password or a hash."""
    backend = app[BACKEND]
    instances, databases, users = backend.instances, backend.databases, backend.users
    instance_id = row["id"]
    try:
        flavor = catalog.get_flavor(row["flavor_id"]).name
    except SimulatorError:
        flavor = str(row["flavor_id"])
    dbs = readable(lambda: all_pages(lambda m: databases.page(account_id, instance_id, PAGE, m)))
    people = readable(lambda: all_pages(lambda m: users.page(account_id, instance_id, PAGE, m)))
    return {
        "id": instance_id,
        "name": row["name"],
        "status": row["status"],
        "created": row["created"],
        "datastore": f"{row['datastore_type']} {row['datastore_version']}",
        "flavor": flavor,
        "flavor_id": row["flavor_id"],
        "volume_size": row["volume_size"],
        "used": instances.used_gb(row) if row["status"] not in ("BUILD", "ERROR", "SHUTDOWN") else None,
        "databases": None if dbs is None else [d["name"] for d in dbs],
        "users": None
        if people is None
        else [{"name": u["name"], "host": u["host"], "databases": list(u.get("databases") or [])} for u in people],
        "restored_from": _building_restore(row) or restored.get(instance_id),
        "configuration_id": row.get("configuration_id"),
        "configuration_name": row.get("configuration_name"),
        "replica_of": row.get("replica_of"),
        "replicas": [{"id": r["id"], "name": r["name"]} for r in row.get("replicas") or []],
        "ha_id": row.get("ha_id"),
        "fault": bool(row.get("fault")),
    }


def instances(app: web.Application, account_id: str, restored: dict[str, str]) -> list[dict]:
    """The account's instances, newest first, each naming its configuration group, replication and HA group."""
    backend = app[BACKEND]
    rows = all_pages(lambda m: backend.instances.page(account_id, PAGE, m))
    rows.sort(key=lambda r: (r["created_at"], r["seq"]), reverse=True)
    views = [instance_view(app, account_id, r, restored) for r in rows]
    names = {v["id"]: v["name"] for v in views}
    for view in views:
        view["replica_of_name"] = names.get(view["replica_of"] or "")
    return views


def _node(row: dict, names: dict[str, str], parents: dict[str, str], restored_into: dict[str, list]) -> dict:
    parent_id = row.get("parent_id")
    return {
        "id": row["id"],
        "name": row["name"],
        "status": row["status"],
        "type": row["backup_type"],
        "size": row.get("size"),
        "created": row["created"],
        "automated": bool(row.get("is_automated")),
        "copy_of": row.get("copy_of"),
        "instance_id": row.get("instance_id"),
        "instance_name": names.get(row.get("instance_id") or ""),
        "parent_id": parent_id,
        "parent_name": parents.get(parent_id or ""),
        "restored_into": restored_into.get(row["id"], []),
        "children": [],
        "continued": [],
    }


def backup_trees(app: web.Application, account_id: str, views: list[dict]) -> list[dict]:
    """The account's backups as trees (a full at the root, its incrementals below it), newest chain first; each
    node lists the instances restored from it."""
    backend = app[BACKEND]
    rows = all_pages(lambda m: backend.backups.page(account_id, PAGE, None if m is None else str(m)))
    rows.sort(key=lambda r: (r["created"], r["seq"]))
    names = {v["id"]: v["name"] for v in views}
    restored_into: dict[str, list] = {}
    for view in views:
        if view["restored_from"]:
            restored_into.setdefault(view["restored_from"], []).append({"id": view["id"], "name": view["name"]})
    parents = {r["id"]: r["name"] for r in rows}
    nodes = {r["id"]: _node(r, names, parents, restored_into) for r in rows}
    for node in nodes.values():
        node["copy_region"] = _region_of_backup(app, node["copy_of"]) if node["copy_of"] else None
    roots: list[dict] = []
    for row in rows:
        node = nodes[row["id"]]
        parent = nodes.get(row.get("parent_id") or "")
        (parent["children"] if parent is not None else roots).append(node)
    for root in roots:
        _flatten_below(root, MAX_DEPTH)
    roots.reverse()
    return roots


def _region_of_backup(app: web.Application, backup_id: str) -> str | None:
    """The region a backup is in (None when it is gone)."""
    original = app[BACKEND].store.backups.get_any(backup_id)
    return None if original is None else regions.region_name(original["account_id"], app[CONFIG].region)


def _flatten_below(root: dict, depth: int) -> None:
    """Nodes deeper than depth move, in chain order, to the `continued` list of the last node kept nested."""
    stack = [(root, 1)]
    while stack:
        node, level = stack.pop()
        if level < depth:
            stack.extend((child, level + 1) for child in node["children"])
            continue
        flat, queue = [], list(node["children"])
        while queue:
            child = queue.pop(0)
            flat.append(child)
            queue[:0] = child["children"]
            child["children"] = []
        node["children"], node["continued"] = [], flat


def schedules(app: web.Application, account_id: str, views: list[dict]) -> list[dict]:
    """The account's backup schedules, with the instance's name."""
    names = {v["id"]: v["name"] for v in views}
    out = []
    for s in app[BACKEND].schedules.list(account_id):
        out.append(
            {
                "id": s["id"],
                "instance_id": s["instance_id"],
                "instance_name": names.get(s["instance_id"]),
                "day_of_week": s["day_of_week"],
                "hour": s["hour"],
                "minute": s["minute"],
                "retention": s.get("full_backup_retention"),
                "next_run": s["next_run"],
                "last_scheduled": s.get("last_scheduled"),
                "running": bool(s.get("running")),
                "copy_to": s.get("copy_to") or [],
            }
        )
    return out


def resources(app: web.Application, scope: str) -> dict:
    """Instances, HA groups, replica sets, configuration groups, backup trees and schedules of one account in one
    region (scope: regions.scope), and nothing of any other account or region."""
    views = instances(app, scope, restored_from(app, regions.account_of(scope)))
    ha_groups = groups.ha_groups(app, scope)
    ha_names = {g["id"]: g["name"] for g in ha_groups}
    for view in views:
        view["ha_name"] = ha_names.get(view["ha_id"] or "")
    return {
        "instances": views,
        "ha_groups": ha_groups,
        "replica_sets": groups.replica_sets(views),
        "configurations": groups.configuration_groups(app, scope, views),
        "chains": backup_trees(app, scope, views),
        "schedules": schedules(app, scope, views),
    }
