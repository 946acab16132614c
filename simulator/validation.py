"""Request body schemas (Trove's apischema, Draft 4) and the 400 'Validation error: ...' they produce."""
from __future__ import annotations

import jsonschema

from simulator.errors import BadRequest

UUID_PATTERN = "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"

non_empty_string = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^.*[0-9a-zA-Z]+.*$"}
uuid = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": UUID_PATTERN}
volume_size = {"oneOf": [{"type": "integer", "minimum": 1},
                         {"type": "string", "minLength": 1, "maxLength": 20, "pattern": "^0*[1-9]+[0-9]*$"}]}
flavor_ref = {"oneOf": [non_empty_string, {"type": "integer"}]}
host_string = {"type": "string", "minLength": 1, "pattern": r"^[%]?[\w(-).]*[%]?$"}
database = {"type": "object", "required": ["name"],
            "properties": {"name": non_empty_string, "character_set": non_empty_string,
                           "collate": non_empty_string}}
databases_ref = {"type": "array", "items": {"type": "object", "required": ["name"],
                                            "properties": {"name": non_empty_string}}}
user = {"type": "object", "required": ["name", "password"],
        "properties": {"name": non_empty_string, "password": non_empty_string, "host": host_string,
                       "databases": databases_ref}}

SCHEMAS = {
    "instance_create": {
        "type": "object", "required": ["instance"],
        "properties": {"instance": {
            "type": "object", "required": ["name", "flavorRef", "volume"],
            "properties": {
                "name": non_empty_string,
                "flavorRef": flavor_ref,
                "volume": {"type": "object", "required": ["size"],
                           "properties": {"size": volume_size,
                                          "type": {"oneOf": [non_empty_string, {"type": "null"}]}}},
                "databases": {"type": "array", "items": database},
                "users": {"type": "array", "items": user},
                "restorePoint": {"type": "object", "required": ["backupRef"],
                                 "properties": {"backupRef": non_empty_string}},
                "datastore": {"type": "object", "properties": {"type": non_empty_string,
                                                               "version": non_empty_string}},
                "configuration": {"type": "string"},
            }}},
    },
    "instance_update": {
        "type": "object", "required": ["instance"],
        "properties": {"instance": {"type": "object", "properties": {
            "name": non_empty_string, "configuration": {"type": ["string", "null"]},
            "replica_of": {"type": ["string", "null"]}, "slave_of": {"type": ["string", "null"]}}}},
    },
    "action": {"type": "object", "minProperties": 1, "maxProperties": 1},
    "restart": {"type": "object", "properties": {"restart": {"type": "object"}}},
    "resize_flavor": {"type": "object", "properties": {"resize": {
        "type": "object", "required": ["flavorRef"], "properties": {"flavorRef": flavor_ref}}}},
    "resize_volume": {"type": "object", "properties": {"resize": {
        "type": "object", "required": ["volume"], "properties": {"volume": {
            "type": "object", "required": ["size"], "properties": {"size": volume_size}}}}}},
    "databases_create": {"type": "object", "required": ["databases"],
                         "properties": {"databases": {"type": "array", "minItems": 1, "items": database}}},
    "users_create": {"type": "object", "required": ["users"],
                     "properties": {"users": {"type": "array", "minItems": 1, "items": user}}},
    "users_password": {"type": "object", "required": ["users"],
                       "properties": {"users": {"type": "array", "minItems": 1, "items": {
                           "type": "object", "required": ["name", "password"],
                           "properties": {"name": non_empty_string, "password": non_empty_string,
                                          "host": host_string}}}}},
    "user_update": {"type": "object", "required": ["user"],
                    "properties": {"user": {"type": "object", "minProperties": 1,
                                            "properties": {"name": non_empty_string,
                                                           "password": non_empty_string,
                                                           "host": host_string}}}},
    "grant": {"type": "object", "required": ["databases"], "properties": {"databases": databases_ref}},
}

_VALIDATORS = {name: jsonschema.Draft4Validator(schema) for name, schema in SCHEMAS.items()}


def _path(error: jsonschema.ValidationError) -> str:
    parts = list(error.absolute_path)
    if not parts:
        return ""
    text = str(parts[0])
    for part in parts[1:]:
        text += f"[{part!r}]" if isinstance(part, str) else f"[{part}]"
    return text


def _describe(error: jsonschema.ValidationError) -> str:
    text = f"{_path(error)} {error.message}".strip()
    if error.context:
        text += "".join(f"; {sub.message}" for sub in error.context)
    return text


def validate(schema_name: str, body) -> None:
    """Raise 400 badRequest 'Validation error: ...' when body does not fit the named schema."""
    check(_VALIDATORS[schema_name], body)


def check(validator: jsonschema.Draft4Validator, body) -> None:
    """validate() for a schema a feature module keeps itself."""
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        raise BadRequest("Validation error: " + "; ".join(_describe(e) for e in errors))
