"""Request body schemas (Trove's apischema, Draft 4) and the 400 'Validation error: ...' they produce."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import jsonschema

from simulator.errors import BadRequest
from simulator.pipeline.redact import MASK, secret_kind
from simulator.reference.regions import COPY_REGIONS
from simulator.reference.regions import REGIONS as ALL_REGIONS

UUID_PATTERN = "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"

non_empty_string = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^.*[0-9a-zA-Z]+.*$"}
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
schedule_fields = {
    "day_of_week": {"type": "integer", "minimum": 0, "maximum": 7},
    "hour": {"type": "integer", "minimum": 0, "maximum": 23},
    "minute": {"type": "integer", "minimum": 0, "maximum": 59},
    "full_backup_retention": {"type": ["integer", "null"], "minimum": 1, "maximum": 1000},
    "copy_to": regions,
}

SCHEMAS: dict[str, dict] = {
    "instance_create": {
        "type": "object",
        "required": ["instance"],
        "properties": {
            "instance": {
                "type": "object",
                "required": ["name", "flavorRef", "volume"],
                "properties": {
                    "name": non_empty_string,
                    "flavorRef": flavor_ref,
                    "volume": {
                        "type": "object",
                        "required": ["size"],
                        "properties": {"size": volume_size, "type": {"oneOf": [non_empty_string, {"type": "null"}]}},
                    },
                    "databases": {"type": "array", "items": database},
                    "users": {"type": "array", "items": user},
                    "restorePoint": {
                        "type": "object",
                        "required": ["backupRef"],
                        "properties": {"backupRef": non_empty_string},
                    },
                    "datastore": {
                        "type": "object",
                        "properties": {"type": non_empty_string, "version": non_empty_string},
                    },
                    "configuration": {"type": "string"},
                },
            }
        },
    },
    "instance_update": {
        "type": "object",
        "required": ["instance"],
        "properties": {
            "instance": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "name": non_empty_string,
                    "configuration": {"type": ["string", "null"]},
                    "datastore_version": non_empty_string,
                    "replica_of": {"type": ["string", "null"]},
                    "slave_of": {"type": ["string", "null"]},
                },
            }
        },
    },
    "action": {"type": "object", "minProperties": 1, "maxProperties": 1},
    "restart": {"type": "object", "properties": {"restart": {"type": "object"}}},
    "resize_flavor": {
        "type": "object",
        "properties": {
            "resize": {"type": "object", "required": ["flavorRef"], "properties": {"flavorRef": flavor_ref}}
        },
    },
    "resize_volume": {
        "type": "object",
        "properties": {
            "resize": {
                "type": "object",
                "required": ["volume"],
                "properties": {"volume": {"type": "object", "required": ["size"], "properties": {"size": volume_size}}},
            }
        },
    },
    "databases_create": {
        "type": "object",
        "required": ["databases"],
        "properties": {"databases": {"type": "array", "minItems": 1, "items": database}},
    },
    "users_create": {
        "type": "object",
        "required": ["users"],
        "properties": {"users": {"type": "array", "minItems": 1, "items": user}},
    },
    "users_password": {
        "type": "object",
        "required": ["users"],
        "properties": {
            "users": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["name", "password"],
                    "properties": {"name": non_empty_string, "password": non_empty_string, "host": host_string},
                },
            }
        },
    },
    "user_update": {
        "type": "object",
        "required": ["user"],
        "properties": {
            "user": {
                "type": "object",
                "minProperties": 1,
                "properties": {"name": non_empty_string, "password": non_empty_string, "host": host_string},
            }
        },
    },
    "grant": {"type": "object", "required": ["databases"], "properties": {"databases": databases_ref}},
    "backup_create": {
        "type": "object",
        "required": ["backup"],
        "properties": {
            "backup": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {**non_empty_string, "maxLength": 64},
                    "description": {"type": ["string", "null"], "maxLength": 255},
                    "instance": {"type": ["string", "null"], "pattern": UUID_PATTERN},
                    "parent_id": uuid,
                    "incremental": {"type": "integer", "minimum": 0, "maximum": 1},
                    "swift_container": {"type": "string"},
                    "copy_to": regions,
                    "source": {
                        "type": "object",
                        "required": ["type", "id"],
                        "properties": {"type": {"enum": ["instance", "ha"]}, "id": uuid},
                    },
                    "restore_from": {"type": "object"},
                },
            }
        },
    },
    "schedule_create": {
        "type": "object",
        "required": ["schedule"],
        "properties": {
            "schedule": {
                "type": "object",
                "required": ["action", "day_of_week", "hour", "minute"],
                "properties": {
                    **schedule_fields,
                    "action": {"enum": ["backup"]},
                    "instance_id": {"type": "string", "pattern": UUID_PATTERN},
                    "source_id": {"type": "string", "pattern": UUID_PATTERN},
                    "source_type": {"enum": ["instance", "ha"]},
                },
            }
        },
    },
    "schedule_update": {
        "type": "object",
        "required": ["schedule"],
        "properties": {
            "schedule": {
                "type": "object",
                "properties": {
                    **schedule_fields,
                    "run_now": {"enum": [True, False, "true", "false", "True", "False", 0, 1]},
                },
            }
        },
    },
    "configuration_create": {
        "type": "object",
        "required": ["configuration"],
        "properties": {
            "configuration": {
                "type": "object",
                "required": ["name", "values"],
                "additionalProperties": False,
                "properties": {
                    "name": non_empty_string,
                    "description": non_empty_string,
                    "values": {"type": "object"},
                    "datastore": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {"type": non_empty_string, "version": non_empty_string},
                    },
                },
            }
        },
    },
    "configuration_edit": {
        "type": "object",
        "required": ["configuration"],
        "properties": {
            "configuration": {
                "type": "object",
                "required": ["values"],
                "additionalProperties": False,
                "properties": {"values": {"type": "object"}},
            }
        },
    },
    "configuration_update": {
        "type": "object",
        "required": ["configuration"],
        "properties": {
            "configuration": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"name": non_empty_string, "description": non_empty_string, "values": {"type": "object"}},
            }
        },
    },
    "upgrade": {
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
    },
    "save_logs": {
        "type": "object",
        "required": ["save_logs"],
        "properties": {
            "save_logs": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"allow_ha": {"type": "boolean"}},
            }
        },
    },
}

ha_node = {
    "type": "object",
    "required": ["name", "flavorRef", "volume"],
    "properties": {
        "name": non_empty_string,
        "flavorRef": flavor_ref,
        "volume": {"type": "object", "required": ["size"], "properties": {"size": volume_size}},
    },
}
acls = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["address"],
        "properties": {"address": {"type": "string", "minLength": 1, "maxLength": 64}},
    },
}
networks = {"type": "array", "items": {"enum": ["servicenet", "public"]}}
any_name = {"type": "string", "minLength": 1, "maxLength": 255}
SCHEMAS.update(
    {
        "replica_create": {
            "type": "object",
            "required": ["instance"],
            "properties": {
                "instance": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": non_empty_string,
                        "replica_of": uuid,
                        "slave_of": uuid,
                        "replica_count": {"type": "integer", "minimum": 1, "maximum": 3},
                        "flavorRef": flavor_ref,
                        "volume": {
                            "type": "object",
                            "required": ["size"],
                            "properties": {
                                "size": volume_size,
                                "type": {"oneOf": [non_empty_string, {"type": "null"}]},
                            },
                        },
                        "datastore": {
                            "type": "object",
                            "properties": {"type": non_empty_string, "version": non_empty_string},
                        },
                        "configuration": {"type": "string"},
                    },
                }
            },
        },
        "promote_to_replica_source": {
            "type": "object",
            "properties": {"promote_to_replica_source": {"type": "object"}},
        },
        "eject_replica_source": {"type": "object", "properties": {"eject_replica_source": {"type": "object"}}},
        "convert_to_ha": {
            "type": "object",
            "required": ["convert_to_ha"],
            "properties": {
                "convert_to_ha": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {"name": any_name, "acls": acls, "networks": networks},
                }
            },
        },
        "ha_create": {
            "type": "object",
            "required": ["ha"],
            "properties": {
                "ha": {
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
                        "configuration": {"type": "string"},
                        "acls": acls,
                    },
                }
            },
        },
        "ha_update": {
            "type": "object",
            "required": ["ha_instance"],
            "properties": {
                "ha_instance": {
                    "type": "object",
                    "required": ["configuration"],
                    "additionalProperties": False,
                    "properties": {"configuration": {"type": ["string", "null"]}},
                }
            },
        },
        "ha_acl": {"type": "object", "required": ["address"], "properties": {"address": {"type": "string"}}},
        "ha_add_replica": {
            "type": "object",
            "properties": {
                "add_replica": {
                    "type": "object",
                    "required": ["replica_details"],
                    "properties": {"replica_details": ha_node},
                }
            },
        },
        "ha_remove_replica": {"type": "object", "properties": {"remove_replica": uuid}},
        "ha_resize_volumes": {
            "type": "object",
            "properties": {
                "resize_volumes": {"type": "object", "required": ["size"], "properties": {"size": volume_size}}
            },
        },
        "ha_resize_flavor": {"type": "object", "properties": {"resize_flavor": flavor_ref}},
        "ha_restart": {"type": "object", "properties": {"restart": {"type": "object"}}},
        "ha_upgrade": SCHEMAS["upgrade"],
        "backup_action": {
            "type": "object",
            "required": ["copy-backup"],
            "properties": {
                "copy-backup": {
                    "type": "object",
                    "required": ["target_backup_region"],
                    "properties": {
                        "target_backup_region": {
                            "type": "string",
                            "enum": list(ALL_REGIONS) + [r.lower() for r in ALL_REGIONS],
                        },
                        "name": {**non_empty_string, "maxLength": 64},
                        "description": {"type": ["string", "null"], "maxLength": 255},
                    },
                }
            },
        },
    }
)

_VALIDATORS = {name: jsonschema.Draft4Validator(schema) for name, schema in SCHEMAS.items()}


class _Unsupported(Exception):
    """A keyword the compiled check does not know: that schema is always checked by jsonschema."""


#: Draft 4's types as jsonschema's draft4_type_checker sees them (a bool is neither an integer nor a number).
_TYPES: dict[str, Callable[[object], bool]] = {
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "string": lambda x: isinstance(x, str),
    "integer": lambda x: isinstance(x, int) and not isinstance(x, bool),
    "number": lambda x: isinstance(x, (int, float)) and not isinstance(x, bool),
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
}


def _all(checks: list[Callable[[object], bool]]) -> Callable[[object], bool]:
    def run(x) -> bool:
        for c in checks:  # noqa: SIM110 (a plain loop: all() over a generator is slower on every request)
            if not c(x):
                return False
        return True

    return run


Check = Callable[[Any], bool]


def _type(value, schema: dict) -> Check:
    tests = [_TYPES[t] for t in (value if isinstance(value, list) else [value])]
    return lambda x: any(t(x) for t in tests)


def _required(value, schema: dict) -> Check:
    names = tuple(value)
    return lambda x: not isinstance(x, dict) or all(n in x for n in names)


def _properties(value, schema: dict) -> Check:
    subs = [(name, _compile(sub)) for name, sub in value.items()]
    return lambda x: not isinstance(x, dict) or all(f(x[name]) for name, f in subs if name in x)


def _items(value, schema: dict) -> Check:
    if not isinstance(value, dict):
        raise _Unsupported("items")
    sub = _compile(value)
    return lambda x: not isinstance(x, list) or all(sub(item) for item in x)


def _pattern(value, schema: dict) -> Check:
    search = re.compile(value).search
    return lambda x: not isinstance(x, str) or bool(search(x))


def _minimum(value, schema: dict) -> Check:
    if schema.get("exclusiveMinimum"):
        raise _Unsupported("exclusiveMinimum")
    return lambda x: not _TYPES["number"](x) or not x < value


def _additional(value, schema: dict) -> Check:
    if value is not False or not set(schema) <= {"type", "properties", "additionalProperties", "required"}:
        raise _Unsupported("additionalProperties")
    known = frozenset(schema.get("properties", {}))
    return lambda x: not isinstance(x, dict) or all(k in known for k in x)


def _one_of(value, schema: dict) -> Check:
    subs = [_compile(sub) for sub in value]
    return lambda x: sum(1 for f in subs if f(x)) == 1


#: keyword -> builder of its check (from the keyword's value and the whole schema).
_KEYWORDS: dict[str, Callable[[Any, dict], Check]] = {
    "type": _type,
    "required": _required,
    "properties": _properties,
    "items": _items,
    "pattern": _pattern,
    "minimum": _minimum,
    "additionalProperties": _additional,
    "oneOf": _one_of,
    "minLength": lambda n, _: lambda x: not isinstance(x, str) or len(x) >= n,
    "maxLength": lambda n, _: lambda x: not isinstance(x, str) or len(x) <= n,
    "minItems": lambda n, _: lambda x: not isinstance(x, list) or len(x) >= n,
    "minProperties": lambda n, _: lambda x: not isinstance(x, dict) or len(x) >= n,
    "maxProperties": lambda n, _: lambda x: not isinstance(x, dict) or len(x) <= n,
}


def _compile(schema: dict) -> Check:
    """A function that says whether an instance is valid under schema, exactly as Draft4Validator.is_valid does,
    for the keywords SCHEMAS use (anything else raises _Unsupported). Not fastjsonschema: its patterns and types
    give other verdicts than jsonschema's (e.g. '1\\n' against '^...$'), and Trove answers with jsonschema's."""
    checks = []
    for key, value in schema.items():
        build = _KEYWORDS.get(key)
        if build is None:
            raise _Unsupported(key)
        checks.append(build(value, schema))
    return _all(checks)


def _fast_check(schema: dict) -> Callable[[object], bool] | None:
    try:
        return _compile(schema)
    except _Unsupported:
        return None


#: The same schemas as plain Python checks: a valid body (the usual case) skips jsonschema's slower walk; an
#: invalid one still goes through jsonschema, which words the error.
_FAST = {name: _fast_check(schema) for name, schema in SCHEMAS.items()}


def _path(error: jsonschema.ValidationError) -> str:
    parts = list(error.absolute_path)
    if not parts:
        return ""
    text = str(parts[0])
    for part in parts[1:]:
        text += f"[{part!r}]" if isinstance(part, str) else f"[{part}]"
    return text


def _message(error: jsonschema.ValidationError) -> str:
    """The error's message, with the value it quotes masked when the value is (or is inside) a secret field."""
    if not any(isinstance(part, str) and secret_kind(part) for part in error.absolute_path):
        return error.message
    return error.message.replace(repr(error.instance), MASK)


def _describe(error: jsonschema.ValidationError) -> str:
    text = f"{_path(error)} {_message(error)}".strip()
    if error.context:
        text += "".join(f"; {_message(sub)}" for sub in error.context)
    return text


def validate(schema_name: str, body) -> None:
    """Raise 400 badRequest 'Validation error: ...' when body does not fit the named schema."""
    fast = _FAST[schema_name]
    if fast is not None and fast(body):
        return
    errors = sorted(_VALIDATORS[schema_name].iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        raise BadRequest("Validation error: " + "; ".join(_describe(e) for e in errors))
