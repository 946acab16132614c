"""Pure functions from HA group models to the service's JSON (cloud-databases-api §7.11); no I/O."""

from __future__ import annotations

from simulator.reference import regions
from simulator.reference.catalog import get_flavor
from simulator.views import instances as instances_views
from simulator.views.common import links, ref

#: The ports of a group's load balancer: writes go to the source, reads round-robin over the replicas.
PORTS = (("read", 3307), ("write", 3306))


def acl(address: str) -> dict:
    return {"type": "ALLOW", "address": address}


def summary(m: dict) -> dict:
    """A list item: state, id, datastore and name."""
    return {
        "datastore": {"type": m["datastore_type"], "version": m["datastore_version"]},
        "id": m["id"],
        "name": m["name"],
        "state": m["state"],
    }


def networks(m: dict) -> list[dict]:
    return [
        {"access": access, "network": network, "port": port, "address": m["hostname"]}
        for network in m["networks"]
        for access, port in PORTS
    ]


def ha_instance(base: str, m: dict, created: bool = False) -> dict:
    """The group as show (and convert_to_ha) answers it: its nodes as instance views with ha_id, ACLs, networks and
    the attached configuration; a create's answer lists no nodes, ACLs or networks yet (the docs' example)."""
    configuration = (
        {
            "id": m["configuration_id"],
            "name": m.get("configuration_name"),
            "links": links(base, m["account_id"], "configurations", m["configuration_id"]),
        }
        if m.get("configuration_id")
        else None
    )
    return {
        "acls": [] if created else [acl(a) for a in m["acls"]],
        "configuration": configuration,
        "created": m["created"],
        "datastore": {"type": m["datastore_type"], "version": m["datastore_version"]},
        # with its name: cdbclient's ha-mysql-show reads flavor["name"]
        "flavor": {
            "id": m["flavor_id"],
            "name": get_flavor(m["flavor_id"]).name,
            "links": links(base, m["account_id"], "flavors", m["flavor_id"]),
        },
        "id": m["id"],
        "links": links(base, m["account_id"], "ha", m["id"]),
        "name": m["name"],
        "networks": [] if created else networks(m),
        "replica_source": [] if created else [instances_views.instance(base, n) for n in m.get("replica_source", [])],
        "replicas": [] if created else [instances_views.instance(base, n) for n in m.get("replicas", [])],
        "state": m["state"],
        "tenant_id": regions.account_of(m["account_id"]),
        "updated": m["updated"],
        "volume": {"size": m["volume_size"]},
    }


def upgrading(m: dict) -> dict:
    """The answer of an HA upgrade: the group's tenant, state (UPGRADING), id, new datastore and name."""
    return {
        "datastore": {"type": m["datastore_type"], "version": m["datastore_version"]},
        "id": m["id"],
        "name": m["name"],
        "state": m["state"],
        "tenant_id": regions.account_of(m["account_id"]),
    }


#: The JSON Schemas of these answers (the OpenAPI document's response components).
SCHEMAS: dict[str, dict] = {
    "HaAcl": {
        "type": "object",
        "properties": {"type": {"type": "string", "enum": ["ALLOW"]}, "address": {"type": "string"}},
        "required": ["type", "address"],
        "additionalProperties": False,
    },
    "HaInstanceSummary": {
        "type": "object",
        "properties": {
            "datastore": ref("InstanceDatastore"),
            "id": {"type": "string"},
            "name": {"type": "string"},
            "state": {"type": "string"},
        },
        "required": ["datastore", "id", "name", "state"],
        "additionalProperties": False,
    },
    "HaUpgrade": {
        "type": "object",
        "properties": {
            "datastore": ref("InstanceDatastore"),
            "id": {"type": "string"},
            "name": {"type": "string"},
            "state": {"type": "string"},
            "tenant_id": {"type": "string"},
        },
        "required": ["datastore", "id", "name", "state", "tenant_id"],
        "additionalProperties": False,
    },
    "HaNetwork": {
        "type": "object",
        "properties": {
            "access": {"type": "string", "enum": ["read", "write"]},
            "network": {"type": "string"},
            "port": {"type": "integer"},
            "address": {"type": "string"},
        },
        "required": ["access", "network", "port", "address"],
        "additionalProperties": False,
    },
    "HaInstance": {
        "type": "object",
        "properties": {
            "acls": {"type": "array", "items": ref("HaAcl")},
            "configuration": {"oneOf": [ref("InstanceConfigurationRef"), {"type": "null"}]},
            "created": {"type": "string"},
            "datastore": ref("InstanceDatastore"),
            "flavor": {
                "type": "object",
                "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "links": ref("Links")},
                "required": ["id", "name", "links"],
                "additionalProperties": False,
            },
            "id": {"type": "string"},
            "links": ref("Links"),
            "name": {"type": "string"},
            "networks": {"type": "array", "items": ref("HaNetwork")},
            "replica_source": {"type": "array", "items": ref("Instance")},
            "replicas": {"type": "array", "items": ref("Instance")},
            "state": {"type": "string"},
            "tenant_id": {"type": "string"},
            "updated": {"type": "string"},
            "volume": {
                "type": "object",
                "properties": {"size": {"type": "integer"}},
                "required": ["size"],
                "additionalProperties": False,
            },
        },
        "required": [
            "acls",
            "configuration",
            "created",
            "datastore",
            "flavor",
            "id",
            "links",
            "name",
            "networks",
            "replica_source",
            "replicas",
            "state",
            "tenant_id",
            "updated",
            "volume",
        ],
        "additionalProperties": False,
    },
}
