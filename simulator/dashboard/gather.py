"""What the dashboard shows of one account's resources, read through the backend's rules and the journal (never the
store): instances with what they hold, backup chains as trees, schedules, and which backup each restore came from."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

from simulator.errors import SimulatorError
from simulator.keys import BACKEND, CONFIG, JOURNAL
from simulator.reference import catalog

#: Rows asked for per backend page (the backend caps instance pages at its own page size).
PAGE = 100
#: At most this many pages of one kind are read (a guard; an account holds far fewer).
MAX_PAGES = 1000
#: A backup chain deeper than this is drawn flat below its last nested node (the page stays a shallow tree).
MAX_DEPTH = 40
#: Fields a later instance model may carry (configuration groups, replication, HA): shown when present.
EXTRAS = ("configuration", "configuration_id", "replica_of", "replicas", "ha_id")


def account_ids(app: web.Application) -> list[str]:
    """Every account, for the picker."""
    return [a["id"] for a in app[BACKEND].identity.accounts()]


def default_account(app: web.Application, ids: list[str]) -> str | None:
    """The account the page opens on: the configured demo account when it exists, else the first one."""
    demo = app[CONFIG].bootstrap
    if demo is not None and demo.account_id in ids:
        return demo.account_id
    return ids[0] if ids else None


def all_pages(fetch: Callable[[Any], tuple[list, Any]]) -> list:
    """Every item of a paged backend read: fetch(marker) -> (items, next marker or None)."""
    items: list = []
    marker: Any = None
    for _ in range(MAX_PAGES):
        page, marker = fetch(marker)
        items.extend(page)
        if marker is None or not page:
            break
    return items


def readable(read: Callable[[], list]) -> list | None:
    """What read() gives, or None when the backend refuses it now (an instance that is not ready, say)."""
    try:
        return read()
    except SimulatorError:
        return None


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


def _extra_text(value) -> str | None:
    """A configuration / replica / HA value as a short text (an id, a name, or a list of them)."""
    if value in (None, "", [], {}):
        return None
    if isinstance(value, dict):
        return str(value.get("name") or value.get("id") or json.dumps(value, sort_keys=True))
    if isinstance(value, (list, tuple)):
        return ", ".join(filter(None, (_extra_text(v) for v in value))) or None
    return str(value)


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
    extras = {k: text for k in EXTRAS if (text := _extra_text(row.get(k))) is not None}
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
        "extras": extras,
        "fault": bool(row.get("fault")),
    }


def instances(app: web.Application, account_id: str, restored: dict[str, str]) -> list[dict]:
    """The account's instances, newest first, with replicas listed on their source when the model names it."""
    backend = app[BACKEND]
    rows = all_pages(lambda m: backend.instances.page(account_id, PAGE, m))
    rows.sort(key=lambda r: (r["created_at"], r["seq"]), reverse=True)
    views = [instance_view(app, account_id, r, restored) for r in rows]
    _name_configurations(app, views)
    by_id = {v["id"]: v for v in views}
    listed = {v["id"] for v in views if "replicas" in v["extras"]}
    for view in views:
        source = by_id.get(view["extras"].get("replica_of"))
        if source is None:
            continue
        view["extras"]["replica_of"] = f"{source['name']} ({source['id']})"
        if source["id"] not in listed:
            source["extras"]["replicas"] = ", ".join(filter(None, (source["extras"].get("replicas"), view["name"])))
    return views


def _name_configurations(app: web.Application, views: list[dict]) -> None:
    """A configuration group id shown with the group's name, where the backend has configuration groups."""
    groups = getattr(app[BACKEND], "configurations", None)
    ids = {v["extras"]["configuration_id"] for v in views if "configuration_id" in v["extras"]}
    if groups is None or not ids or not hasattr(groups, "names"):
        return
    names = groups.names(ids)
    for view in views:
        group = view["extras"].get("configuration_id")
        if group in names:
            view["extras"]["configuration_id"] = f"{names[group]} ({group})"


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
    roots: list[dict] = []
    for row in rows:
        node = nodes[row["id"]]
        parent = nodes.get(row.get("parent_id") or "")
        (parent["children"] if parent is not None else roots).append(node)
    for root in roots:
        _flatten_below(root, MAX_DEPTH)
    roots.reverse()
    return roots


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


def resources(app: web.Application, account_id: str) -> dict:
    """Instances, backup trees and schedules of one account (nothing of any other account)."""
    views = instances(app, account_id, restored_from(app, account_id))
    return {
        "instances": views,
        "extras": sorted({k for v in views for k in v["extras"]}),
        "chains": backup_trees(app, account_id, views),
        "schedules": schedules(app, account_id, views),
    }
