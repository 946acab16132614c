"""Request schemas of HA groups: create, update, ACLs and the group actions."""

from __future__ import annotations

from simulator.backend.schemas.common import (
    acls,
    any_name,
    flavor_ref,
    networks,
    non_empty_string,
    one_of_actions,
    scheduled_backup,
    upgrade,
    uuid,
    volume_size,
    wrapped,
)

ha_node = {
    "type": "object",
    "required": ["name", "flavorRef", "volume"],
    "properties": {
        "name": non_empty_string,
        "flavorRef": flavor_ref,
        "volume": {"type": "object", "required": ["size"], "properties": {"size": volume_size}},
    },
}

addresses = {
    "type": "object",
    "required": ["addresses"],
    "properties": {"addresses": {"type": "array", "minItems": 1, "items": {"type": "string"}}},
}

SCHEMAS: dict[str, dict] = {
    "ha_create": wrapped(
        "ha",
        {
            "type": "object",
            "required": ["name", "datastore", "replica_source", "replicas"],
            "properties": {
                "name": any_name,
                "datastore": {
                    "type": "object",
                    "required": ["type", "version"],
                    "properties": {"type": non_empty_string, "version": non_empty_string},
                },
                "replica_source": {"type": "array", "minItems": 1, "items": ha_node},
                "replicas": {"type": "array", "minItems": 1, "items": ha_node},
                "networks": networks,
                "configuration": {"type": ["string", "null"]},
                "acls": acls,
                "scheduled_backup": scheduled_backup,
            },
        },
    ),
    "ha_update": wrapped(
        "ha_instance",
        {
            "type": "object",
            "required": ["configuration"],
            "additionalProperties": False,
            "properties": {"configuration": {"type": ["string", "null"]}},
        },
    ),
    "ha_acl": {"type": "object", "required": ["address"], "properties": {"address": {"type": "string"}}},
    "ha_add_replica": wrapped(
        "add_replica",
        {"type": "object", "required": ["replica_details"], "properties": {"replica_details": ha_node}},
        required=False,
    ),
    "ha_remove_replica": wrapped("remove_replica", uuid, required=False),
    "ha_resize_volumes": wrapped(
        "resize_volumes",
        {"type": "object", "required": ["size"], "properties": {"size": volume_size}},
        required=False,
    ),
    "ha_resize_flavor": wrapped("resize_flavor", flavor_ref, required=False),
    "ha_restart": wrapped("restart", {"type": "object"}, required=False),
    "ha_upgrade": upgrade,
    # several ACLs at once (cdbclient's add_acls / remove_acls), as the ACL routes take one
    "ha_add_acls": wrapped("add_acls", addresses),
    "ha_delete_acls": wrapped("delete_acls", addresses),
}

#: POST /ha/{id}/action as the document shows it: one action, checked by its schema ha_<action>.
HA_ACTION = one_of_actions(
    {
        "add_replica": [SCHEMAS["ha_add_replica"]],
        "remove_replica": [SCHEMAS["ha_remove_replica"]],
        "resize_volumes": [SCHEMAS["ha_resize_volumes"]],
        "resize_flavor": [SCHEMAS["ha_resize_flavor"]],
        "restart": [SCHEMAS["ha_restart"]],
        "upgrade": [SCHEMAS["ha_upgrade"]],
        "add_acls": [SCHEMAS["ha_add_acls"]],
        "delete_acls": [SCHEMAS["ha_delete_acls"]],
    }
)
