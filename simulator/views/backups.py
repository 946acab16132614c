"""Pure functions from backup models to the service's JSON; no I/O."""

from __future__ import annotations

from simulator.reference.catalog import BACKUP_TYPE_NAMES


def backup(m: dict, created: bool = False) -> dict:
    """A backup as Trove and Rackspace show it (locationRef null until COMPLETED, size null while NEW): `type` the
    strategy's name (InnoBackupEx, InnoBackupExIncremental); `is_automated` the number 0 or 1 as every documented
    GET and list shows it, but a boolean in the create answer (as its examples show)."""
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
        "is_automated": bool(m["is_automated"]) if created else int(m["is_automated"]),
        "locationRef": m["location"],
        "name": m["name"],
        "parent_id": m["parent_id"],
        "size": None if m["status"] == "NEW" else m["size"],
        "source": {"type": "ha", "id": m["ha_id"]} if m.get("ha_id") else {"type": "instance", "id": m["instance_id"]},
        "status": m["status"],
        "type": BACKUP_TYPE_NAMES[m["backup_type"]],
        "updated": m["updated"],
        "volume_size": m["volume_size"],
    }


#: The JSON Schemas of these answers (the OpenAPI document's response components).
SCHEMAS: dict[str, dict] = {
    "Backup": {
        "type": "object",
        "properties": {
            "created": {"type": "string"},
            "datastore": {
                "type": "object",
                "properties": {
                    "type": {"type": "string"},
                    "version": {"type": "string"},
                    "version_id": {"type": "string"},
                },
                "required": ["type", "version", "version_id"],
                "additionalProperties": False,
            },
            "description": {"type": ["string", "null"]},
            "flavor_ram": {"type": "integer"},
            "id": {"type": "string"},
            "instance_id": {"type": ["string", "null"]},
            "is_automated": {
                "type": ["boolean", "integer"],
                "description": (
                    "0 or 1 in show and list answers, a boolean in the create answer (as the reference's "
                    "examples show)."
                ),
            },
            "locationRef": {"type": ["string", "null"]},
            "name": {"type": "string"},
            "parent_id": {"type": ["string", "null"]},
            "size": {"type": ["number", "null"]},
            "source": {
                "type": "object",
                "properties": {"type": {"type": "string"}, "id": {"type": ["string", "null"]}},
                "required": ["type", "id"],
                "additionalProperties": False,
            },
            "status": {"type": "string"},
            "type": {"type": "string", "enum": ["InnoBackupEx", "InnoBackupExIncremental"]},
            "updated": {"type": "string"},
            "volume_size": {"type": "integer"},
        },
        "required": [
            "created",
            "datastore",
            "description",
            "flavor_ram",
            "id",
            "instance_id",
            "is_automated",
            "locationRef",
            "name",
            "parent_id",
            "size",
            "source",
            "status",
            "type",
            "updated",
            "volume_size",
        ],
        "additionalProperties": False,
    },
}
