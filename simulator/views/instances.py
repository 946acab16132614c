"""Pure functions from instance models to the service's JSON (Trove's instance views); no I/O."""

from __future__ import annotations

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
    return extra


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
        },
        "required": ["datastore", "flavor", "hostname", "id", "links", "name", "status", "volume"],
        "additionalProperties": False,
    },
    "InstanceFlavor": {
        "type": "object",
        "properties": {"id": {"type": "string"}, "links": ref("Links")},
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
