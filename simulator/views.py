"""Pure functions from backend models to the service's JSON (Trove's views); no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote, urlencode

from simulator import regions
from simulator.catalog import DATASTORES, FLAVORS, Datastore, DatastoreVersion, Flavor

NO_USED_STATUSES = ("BUILD", "REBOOT", "RESIZE", "UPGRADE", "ERROR", "SHUTDOWN")


def links(base: str, account_id: str, collection: str, item_id) -> list[dict]:
    """self (with version and account) and bookmark (without either) links, on the API of the account scope's
    region."""
    root = base + regions.prefix(regions.region_of(account_id))
    return [
        {"href": f"{root}/v1.0/{regions.account_of(account_id)}/{collection}/{item_id}", "rel": "self"},
        {"href": f"{root}/{collection}/{item_id}", "rel": "bookmark"},
    ]


def replication(base: str, m: dict) -> dict:
    """What an instance view adds for a replication set and an HA group: replica_of (a replica), replicas (a
    source), ha_id (a node of a group)."""
    extra: dict = {}
    if m.get("replica_of"):
        extra["replica_of"] = {
            "id": m["replica_of"],
            "links": links(base, m["account_id"], "instances", m["replica_of"]),
        }
    if m.get("replicas"):
        extra["replicas"] = [
            {"id": r["id"], "name": r["name"], "links": links(base, m["account_id"], "instances", r["id"])}
            for r in m["replicas"]
        ]
    if m.get("ha_id"):
        extra["ha_id"] = m["ha_id"]
    return extra


def next_link(url: str, query: Mapping[str, str], marker, limit: int) -> list[dict]:
    """The `links` array of a truncated page: the same URL with marker (quoted again) and limit."""
    params = {k: v for k, v in query.items() if k not in ("marker", "limit")}
    params["marker"] = quote(str(marker), safe="")
    params["limit"] = str(limit)
    return [{"href": f"{url}?{urlencode(params)}", "rel": "next"}]


def flavor(base: str, account_id: str, f: Flavor) -> dict:
    return {"id": f.id, "links": links(base, account_id, "flavors", f.id), "name": f.name, "ram": f.ram}


def flavors(base: str, account_id: str, items=FLAVORS) -> dict:
    return {"flavors": [flavor(base, account_id, f) for f in items]}


def instance_flavor(base: str, account_id: str, flavor_id: int) -> dict:
    return {"id": str(flavor_id), "links": links(base, account_id, "flavors", flavor_id)}


def instance(base: str, m: dict) -> dict:
    """The detail view (create, restore and show): the seed page's shape, and the configuration group when one is
    attached."""
    volume = {"size": m["volume_size"]}
    if m["status"] not in NO_USED_STATUSES:
        volume["used"] = m["used"]
    group = (
        {
            "configuration": {
                "id": m["configuration_id"],
                "name": m.get("configuration_name"),
                "links": links(base, m["account_id"], "configurations", m["configuration_id"]),
            }
        }
        if m.get("configuration_id")
        else {}
    )
    return {
        **group,
        **replication(base, m),
        "created": m["created"],
        "datastore": {"type": m["datastore_type"], "version": m["datastore_version"]},
        "flavor": instance_flavor(base, m["account_id"], m["flavor_id"]),
        "hostname": m["hostname"],
        "id": m["id"],
        "links": links(base, m["account_id"], "instances", m["id"]),
        "name": m["name"],
        "status": m["status"],
        "updated": m["updated"],
        "volume": volume,
    }


def instance_summary(base: str, m: dict) -> dict:
    """The list view: no created/updated, no volume.used."""
    return {
        **replication(base, m),
        "datastore": {"type": m["datastore_type"], "version": m["datastore_version"]},
        "flavor": instance_flavor(base, m["account_id"], m["flavor_id"]),
        "hostname": m["hostname"],
        "id": m["id"],
        "links": links(base, m["account_id"], "instances", m["id"]),
        "name": m["name"],
        "status": m["status"],
        "volume": {"size": m["volume_size"]},
    }


def backup(m: dict) -> dict:
    """A backup as Trove and Rackspace show it (locationRef null until COMPLETED, size null while NEW)."""
    return {
        "created": m["created"],
        "datastore": {
            "type": m["datastore_type"],
            "version": m["datastore_version"],
            "version_id": m["datastore_version_id"],
        },
        "description": m["description"],
        "flavor_ram": m["flavor_ram"],
        "id": m["id"],
        "instance_id": None if m.get("ha_id") else m["instance_id"],
        "is_automated": bool(m["is_automated"]),
        "locationRef": m["location"],
        "name": m["name"],
        "parent_id": m["parent_id"],
        "size": None if m["status"] == "NEW" else m["size"],
        "source": {"type": "ha", "id": m["ha_id"]} if m.get("ha_id") else {"type": "instance", "id": m["instance_id"]},
        "status": m["status"],
        "type": m["backup_type"],
        "updated": m["updated"],
        "volume_size": m["volume_size"],
    }


def schedule(m: dict) -> dict:
    """A backup schedule as the reference shows it."""
    return {
        "action": m["action"],
        "copy_to": m["copy_to"],
        "created": m["created"],
        "day_of_month": None,
        "day_of_week": m["day_of_week"],
        "full_backup_retention": m["full_backup_retention"],
        "hour": m["hour"],
        "id": m["id"],
        "instance_id": m["instance_id"],
        "last_scheduled": m["last_scheduled"],
        "minute": m["minute"],
        "month": None,
        "next_run": m["next_run"],
        "running": m["running"],
        "source": {"id": m["instance_id"], "type": "instance"},
        "updated": m["updated"],
    }


def user(u: dict) -> dict:
    return {"name": u["name"], "host": u["host"], "databases": [{"name": d} for d in u["databases"]]}


def datastore_version(base: str, account_id: str, v: DatastoreVersion, with_datastore: bool = False) -> dict:
    body = {
        "id": v.id,
        "name": v.name,
        "links": links(base, account_id, "datastores/versions", v.id),
        "deprecated": v.deprecated,
        "databases_supported": True,
        "users_supported": True,
        "backup_supported": True,
        "scheduled_backup_supported": True,
        "replication_supported": True,
        "ha_supported": True,
        "configurations_supported": True,
        "volumes_supported": True,
        "monitoring_supported": True,
        "at_rest_encryption_supported": v.name.endswith("enc"),
        "flavors": [flavor(base, account_id, f) for f in FLAVORS if f.id in v.flavor_ids],
    }
    if with_datastore:
        body["datastore"] = v.datastore_id
    return body


def datastore(base: str, account_id: str, ds: Datastore) -> dict:
    return {
        "id": ds.id,
        "name": ds.name,
        "default_version": ds.default_version_id,
        "links": links(base, account_id, "datastores", ds.id),
        "versions": [datastore_version(base, account_id, v) for v in ds.versions],
    }


def datastores(base: str, account_id: str) -> dict:
    return {"datastores": [datastore(base, account_id, ds) for ds in DATASTORES]}


def version_document(base: str) -> dict:
    return {
        "id": "v1.0",
        "links": [{"href": f"{base}/v1.0/", "rel": "self"}],
        "status": "CURRENT",
        "updated": "2012-01-01T00:00:00Z",
    }
