"""Request schemas of instances: create (and restore), update, the instance actions, replicas."""

from __future__ import annotations

from simulator.backend.schemas.common import (
    acls,
    any_name,
    database,
    datastore,
    flavor_ref,
    networks,
    non_empty_string,
    one_of_actions,
    scheduled_backup,
    upgrade,
    user,
    uuid,
    volume_size,
    wrapped,
)

volume = {
    "type": "object",
    "required": ["size"],
    "properties": {"size": volume_size, "type": {"oneOf": [non_empty_string, {"type": "null"}]}},
}

SCHEMAS: dict[str, dict] = {
    "instance_create": wrapped(
        "instance",
        {
            "type": "object",
            "required": ["name", "flavorRef", "volume"],
            "properties": {
                "name": non_empty_string,
                "flavorRef": flavor_ref,
                "volume": volume,
                "databases": {"type": "array", "items": database},
                "users": {"type": "array", "items": user},
                "restorePoint": {
                    "type": "object",
                    "required": ["backupRef"],
                    "properties": {"backupRef": non_empty_string},
                },
                "datastore": datastore,
                "configuration": {"type": "string"},
            },
        },
    ),
    "instance_update": wrapped(
        "instance",
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "name": non_empty_string,
                "configuration": {"type": ["string", "null"]},
                "datastore_version": non_empty_string,
                "replica_of": {"type": ["string", "null"]},
                "slave_of": {"type": ["string", "null"]},
                # Rackspace's: drop the source's replication settings when its last replica leaves (cdbclient)
                "rm_master_replica_config": {"type": "boolean"},
            },
        },
    ),
    "action": {"type": "object", "minProperties": 1, "maxProperties": 1},
    "restart": wrapped("restart", {"type": "object"}, required=False),
    "resize_flavor": wrapped(
        "resize",
        {"type": "object", "required": ["flavorRef"], "properties": {"flavorRef": flavor_ref}},
        required=False,
    ),
    "resize_volume": wrapped(
        "resize",
        {
            "type": "object",
            "required": ["volume"],
            "properties": {"volume": {"type": "object", "required": ["size"], "properties": {"size": volume_size}}},
        },
        required=False,
    ),
    "upgrade": upgrade,
    "save_logs": wrapped(
        "save_logs", {"type": "object", "additionalProperties": False, "properties": {"allow_ha": {"type": "boolean"}}}
    ),
    "replica_create": wrapped(
        "instance",
        {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": non_empty_string,
                "replica_of": uuid,
                "slave_of": uuid,
                "replica_count": {"type": "integer", "minimum": 1, "maximum": 3},
                "flavorRef": flavor_ref,
                "volume": volume,
                "datastore": datastore,
                "configuration": {"type": "string"},
            },
        },
    ),
    "promote_to_replica_source": wrapped("promote_to_replica_source", {"type": "object"}, required=False),
    "eject_replica_source": wrapped("eject_replica_source", {"type": "object"}, required=False),
    "convert_to_ha": wrapped(
        "convert_to_ha",
        {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": any_name,
                "acls": acls,
                "networks": networks,
                "scheduled_backup": scheduled_backup,
            },
        },
    ),
}

#: POST /instances/{id}/action as the document shows it: one action, checked by its schema(s).
INSTANCE_ACTION = one_of_actions(
    {
        "restart": [SCHEMAS["restart"]],
        "resize": [SCHEMAS["resize_flavor"], SCHEMAS["resize_volume"]],
        "upgrade": [SCHEMAS["upgrade"]],
        "save_logs": [SCHEMAS["save_logs"]],
        "convert_to_ha": [SCHEMAS["convert_to_ha"]],
        "promote_to_replica_source": [SCHEMAS["promote_to_replica_source"]],
        "eject_replica_source": [SCHEMAS["eject_replica_source"]],
    }
)
