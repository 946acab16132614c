"""Pure functions from instance models to the service's JSON (Trove's instance views); no I/O."""

from __future__ import annotations

from simulator.reference.catalog import get_flavor
from simulator.views.catalog import instance_flavor
from simulator.views.common import links, ref

NO_USED_STATUSES = ("BUILD", "REBOOT", "RESIZE", "UPGRADE", "ERROR", "SHUTDOWN")


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
    elif m.get("replica_of") or m.get("replicas"):
        extra["ip"] = m["ip"]  # a replication set's members show their private addresses (the docs' examples)
    return extra


def instance(base: str, m: dict) -> dict:
    """The detail view (create, restore, show, an HA group's nodes, the upgrade action's replica): the seed page's
    shape and the configuration group when one is attached. Show, the nodes and the upgrade's answer (a model with
    `available_upgrades`) add what the later examples do: the flavor's name and RAM, whether a backup schedule is
    set (`schedule`) and the upgrade paths; a create's answer keeps the seed's keys, as its examples do."""
    later: dict = {}
    flavor: dict = {}
    if "available_upgrades" in m:
        later = {"available_upgrades": m["available_upgrades"], "schedule": {"enabled": m["schedule_enabled"]}}
        known = get_flavor(m["flavor_id"])
        flavor = {"name": known.name, "ram": known.ram}
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
        **later,
        "flavor": {**instance_flavor(base, m["account_id"], m["flavor_id"]), **flavor},
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


#: What an instance view (detail and list) adds for a replication set or an HA group (replication() above).
REPLICATION_PROPERTIES: dict[str, dict] = {
    "replica_of": {
        "type": "object",
        "properties": {"id": {"type": "string"}, "links": ref("Links")},
        "required": ["id", "links"],
        "additionalProperties": False,
    },
    "replicas": {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "links": ref("Links")},
            "required": ["id", "name", "links"],
            "additionalProperties": False,
        },
    },
    "ha_id": {"type": "string"},
    "ip": {
        "type": "array",
        "items": {"type": "string"},
        "description": (
            "Private (ServiceNet) addresses; shown for the members of a replication set (not of an HA group)."
        ),
    },
}

#: The JSON Schemas of these answers (the OpenAPI document's response components).
SCHEMAS: dict[str, dict] = {
    "Instance": {
        "type": "object",
        "properties": {
            "configuration": ref("InstanceConfigurationRef"),
            "created": {"type": "string"},
            "datastore": ref("InstanceDatastore"),
            "flavor": ref("InstanceFlavor"),
            "hostname": {"type": "string"},
            "id": {"type": "string"},
            "links": ref("Links"),
            "name": {"type": "string"},
            "status": {"type": "string"},
            "updated": {"type": "string"},
            "volume": {
                "type": "object",
                "properties": {"size": {"type": "integer"}, "used": {"type": "number"}},
                "required": ["size"],
                "additionalProperties": False,
            },
            **REPLICATION_PROPERTIES,
            "schedule": {
                "type": "object",
                "properties": {"enabled": {"type": "boolean"}},
                "required": ["enabled"],
                "additionalProperties": False,
                "description": (
                    "Whether the instance has a backup schedule (show, HA nodes and the upgrade action's "
                    "answer; not a create's answer)."
                ),
            },
            "available_upgrades": {
                "type": "object",
                "properties": {
                    "current_version": {"type": "string"},
                    "upgrades": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "datastore_type": {"type": "string"},
                                "datastore_version": {"type": "string"},
                                "version": {"type": "string"},
                            },
                            "required": ["datastore_type", "datastore_version", "version"],
                            "additionalProperties": False,
                        },
                    },
                },
                "required": ["current_version", "upgrades"],
                "additionalProperties": False,
                "description": (
                    "The version the guest reports (UNKNOWN until built) and the upgrade action's paths from it."
                ),
            },
        },
        "required": [
            "created",
            "datastore",
            "flavor",
            "hostname",
            "id",
            "links",
            "name",
            "status",
            "updated",
            "volume",
        ],
        "additionalProperties": False,
    },
    "InstanceSummary": {
        "type": "object",
        "properties": {
            "datastore": ref("InstanceDatastore"),
            "flavor": ref("InstanceFlavor"),
            "hostname": {"type": "string"},
            "id": {"type": "string"},
            "links": ref("Links"),
            "name": {"type": "string"},
            "status": {"type": "string"},
            "volume": {
                "type": "object",
                "properties": {"size": {"type": "integer"}},
                "required": ["size"],
                "additionalProperties": False,
            },
            **REPLICATION_PROPERTIES,
        },
        "required": ["datastore", "flavor", "hostname", "id", "links", "name", "status", "volume"],
        "additionalProperties": False,
    },
    "InstanceFlavor": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "links": ref("Links"),
            "name": {"type": "string"},
            "ram": {"type": "integer"},
        },
        "required": ["id", "links"],
        "additionalProperties": False,
    },
    "InstanceDatastore": {
        "type": "object",
        "properties": {"type": {"type": "string"}, "version": {"type": "string"}},
        "required": ["type", "version"],
        "additionalProperties": False,
    },
    "InstanceConfigurationRef": {
        "type": "object",
        "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "links": ref("Links")},
        "required": ["id", "name", "links"],
        "additionalProperties": False,
    },
}
