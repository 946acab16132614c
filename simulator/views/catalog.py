"""Pure functions from the reference data (flavors, datastores, versions) to the service's JSON; no I/O."""

from __future__ import annotations

from simulator.reference.catalog import DATASTORES, FLAVORS, Datastore, DatastoreVersion, Flavor
from simulator.views.common import links, ref


def flavor(base: str, account_id: str, f: Flavor) -> dict:
    return {"id": f.id, "links": links(base, account_id, "flavors", f.id), "name": f.name, "ram": f.ram}


def flavors(base: str, account_id: str, items=FLAVORS) -> dict:
    return {"flavors": [flavor(base, account_id, f) for f in items]}


def instance_flavor(base: str, account_id: str, flavor_id: int) -> dict:
    return {"id": str(flavor_id), "links": links(base, account_id, "flavors", flavor_id)}


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


#: The JSON Schemas of these answers (the OpenAPI document's response components).
SCHEMAS: dict[str, dict] = {
    "VersionDocument": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "links": ref("Links"),
            "status": {"type": "string"},
            "updated": {"type": "string"},
        },
        "required": ["id", "links", "status", "updated"],
        "additionalProperties": False,
    },
    "Flavor": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "links": ref("Links"),
            "name": {"type": "string"},
            "ram": {"type": "integer"},
        },
        "required": ["id", "links", "name", "ram"],
        "additionalProperties": False,
    },
    "Datastore": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "default_version": {"type": "string"},
            "links": ref("Links"),
            "versions": {"type": "array", "items": ref("DatastoreVersion")},
        },
        "required": ["id", "name", "default_version", "links", "versions"],
        "additionalProperties": False,
    },
    "DatastoreVersion": {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "links": ref("Links"),
            "deprecated": {"type": "boolean"},
            "databases_supported": {"type": "boolean"},
            "users_supported": {"type": "boolean"},
            "backup_supported": {"type": "boolean"},
            "scheduled_backup_supported": {"type": "boolean"},
            "replication_supported": {"type": "boolean"},
            "ha_supported": {"type": "boolean"},
            "configurations_supported": {"type": "boolean"},
            "volumes_supported": {"type": "boolean"},
            "monitoring_supported": {"type": "boolean"},
            "at_rest_encryption_supported": {"type": "boolean"},
            "flavors": {"type": "array", "items": ref("Flavor")},
            "datastore": {"type": "string"},
        },
        "required": ["id", "name", "links", "deprecated", "flavors"],
        "additionalProperties": False,
    },
    "ConfigurationParameter": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "type": {"enum": ["integer", "string"]},
            "restart_required": {"type": "boolean"},
            "min": {"type": "integer"},
            "max": {"type": "integer"},
        },
        "required": ["name", "type", "restart_required"],
        "additionalProperties": False,
    },
}
