"""The pieces the request schemas share (Trove's apischema fragments, Draft 4)."""

from __future__ import annotations

from simulator.reference.regions import COPY_REGIONS

UUID_PATTERN = "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"

non_empty_string = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^.*[0-9a-zA-Z]+.*$"}
any_name = {"type": "string", "minLength": 1, "maxLength": 255}
uuid = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": UUID_PATTERN}
volume_size = {
    "oneOf": [
        {"type": "integer", "minimum": 1},
        {"type": "string", "minLength": 1, "maxLength": 20, "pattern": "^0*[1-9]+[0-9]*$"},
    ]
}
flavor_ref = {"oneOf": [non_empty_string, {"type": "integer"}]}
host_string = {"type": "string", "minLength": 1, "pattern": r"^[%]?[\w(-).]*[%]?$"}
database = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": non_empty_string, "character_set": non_empty_string, "collate": non_empty_string},
}
databases_ref = {
    "type": "array",
    "items": {"type": "object", "required": ["name"], "properties": {"name": non_empty_string}},
}
user = {
    "type": "object",
    "required": ["name", "password"],
    "properties": {
        "name": non_empty_string,
        "password": non_empty_string,
        "host": host_string,
        "databases": databases_ref,
    },
}
regions = {"type": "array", "items": {"enum": list(COPY_REGIONS)}}
#: cdbclient sends copy_to, source_id and source_type as null when not given: null is "not given".
optional_regions = {"type": ["array", "null"], "items": {"enum": list(COPY_REGIONS)}}
datastore = {"type": "object", "properties": {"type": non_empty_string, "version": non_empty_string}}
acls = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["address"],
        "properties": {"address": {"type": "string", "minLength": 1, "maxLength": 64}},
    },
}
networks = {"type": "array", "items": {"enum": ["servicenet", "public"]}}
#: The group's backup schedule, as cdbclient sends it with an HA create or convert_to_ha: {"enabled": false}, or the
#: time (cdb-cli sends its options as text, and null for those not given).
_number_or_digits = {"type": ["integer", "string", "null"], "pattern": "^[0-9]+$"}
scheduled_backup = {
    "type": "object",
    "properties": {
        "enabled": {"type": "boolean"},
        "day_of_week": _number_or_digits,
        "hour": _number_or_digits,
        "minute": _number_or_digits,
        "full_backup_retention": _number_or_digits,
    },
}
upgrade = {
    "type": "object",
    "required": ["upgrade"],
    "properties": {
        "upgrade": {
            "type": "object",
            "required": ["datastore_version"],
            "additionalProperties": False,
            "properties": {"datastore_type": non_empty_string, "datastore_version": non_empty_string},
        }
    },
}


def wrapped(key: str, inner: dict, *, required: bool = True) -> dict:
    """{key: inner}, the shape of most bodies (the key required unless said otherwise)."""
    schema: dict = {"type": "object", "properties": {key: inner}}
    if required:
        schema = {"type": "object", "required": [key], "properties": {key: inner}}
    return schema


def one_of_actions(actions: dict[str, list[dict]]) -> dict:
    """The body of an action call as the OpenAPI document shows it: exactly one of the actions, each action's
    value as the schemas of that action allow it (several schemas: any of them)."""
    bodies = []
    for key, schemas in actions.items():
        values = [s["properties"][key] for s in schemas]
        value = values[0] if len(values) == 1 else {"anyOf": values}
        bodies.append({"type": "object", "required": [key], "properties": {key: value}, "additionalProperties": False})
    return {"oneOf": bodies}
