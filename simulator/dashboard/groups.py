"""What the dashboard shows of the groups instances form in one account and region: HA instance groups (their nodes,
ACLs and read/write networks), replica sets as trees (a source with its replicas below it) and configuration groups
(their values, the instances they are attached to, which of those wait for a restart). Read through the backend's
rules; the networks as the API's view draws them."""

from __future__ import annotations

from aiohttp import web

from simulator.backend.configurations import RESTART_REQUIRED
from simulator.dashboard.reading import all_pages
from simulator.errors import SimulatorError
from simulator.keys import BACKEND
from simulator.reference import catalog
from simulator.views.ha import networks

#: A replica set deeper than this is not drawn further (Cloud Databases replicates one level; a guard).
MAX_DEPTH = 10


def _flavor_name(flavor_id) -> str:
    try:
        return catalog.get_flavor(flavor_id).name
    except SimulatorError:
        return str(flavor_id)


def _node(model: dict, role: str) -> dict:
    return {"id": model["id"], "name": model["name"], "status": model["status"], "role": role}


def ha_groups(app: web.Application, scope: str) -> list[dict]:
    """The HA groups of the scope, oldest first: state, nodes (the source first), ACLs and networks."""
    ha = app[BACKEND].ha
    out = []
    for summary in ha.groups(scope):
        group = ha.get(scope, summary["id"])
        out.append(
            {
                "id": group["id"],
                "name": group["name"],
                "state": group["state"],
                "datastore": f"{group['datastore_type']} {group['datastore_version']}",
                "flavor": _flavor_name(group["flavor_id"]),
                "volume_size": group["volume_size"],
                "configuration_id": group.get("configuration_id"),
                "configuration_name": group.get("configuration_name"),
                "nodes": [_node(n, "source") for n in group["replica_source"]]
                + [_node(n, "replica") for n in group["replicas"]],
                "acls": list(group["acls"]),
                "networks": networks(group),
                "created": group["created"],
            }
        )
    return out


def replica_sets(views: list[dict]) -> list[dict]:
    """Each replication source with its replicas below it (instance views, newest source first); a replica whose
    source is gone from the account is a root of its own."""
    by_id = {v["id"]: v for v in views}
    children: dict[str, list[dict]] = {}
    for view in reversed(views):  # oldest replica first under its source
        if view["replica_of"] in by_id:
            children.setdefault(view["replica_of"], []).append(view)
    roots = [v for v in views if (v["id"] in children or v["replica_of"]) and v["replica_of"] not in by_id]
    return [_tree(root, children, 1) for root in roots]


def _tree(view: dict, children: dict[str, list[dict]], depth: int) -> dict:
    below = children.get(view["id"], []) if depth < MAX_DEPTH else []
    return {
        "id": view["id"],
        "name": view["name"],
        "status": view["status"],
        "ha_id": view["ha_id"],
        "ha_name": view.get("ha_name"),
        "replica_of": view["replica_of"],
        "replicas": [_tree(child, children, depth + 1) for child in below],
    }


def configuration_groups(app: web.Application, scope: str, views: list[dict]) -> list[dict]:
    """The configuration groups of the scope (by name): values, the instances attached, those waiting for a
    restart to apply them."""
    rules = app[BACKEND].configurations
    by_id = {v["id"]: v for v in views}
    out = []
    for model in all_pages(lambda m: rules.page(scope, None, m)):
        group = rules.get(scope, model["id"])
        attached = [
            {"id": i, "name": by_id[i]["name"] if i in by_id else i, "status": by_id[i]["status"] if i in by_id else ""}
            for i in rules.attached_ids(scope, model["id"])
        ]
        out.append(
            {
                "id": group["id"],
                "name": group["name"],
                "description": group.get("description") or "",
                "datastore": f"{group['datastore_name']} {group['datastore_version_name']}",
                "values": group["values"],
                "attached": attached,
                "restart_required": [a for a in attached if a["status"] == RESTART_REQUIRED],
                "updated": group["updated"],
            }
        )
    out.sort(key=lambda g: (g["name"], g["id"]))
    return out
