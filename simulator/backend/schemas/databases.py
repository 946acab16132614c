"""Request schemas of an instance's databases and users (and their access)."""

from __future__ import annotations

from simulator.backend.schemas.common import database, databases_ref, host_string, non_empty_string, user, wrapped

SCHEMAS: dict[str, dict] = {
    "databases_create": wrapped("databases", {"type": "array", "minItems": 1, "items": database}),
    "users_create": wrapped("users", {"type": "array", "minItems": 1, "items": user}),
    "users_password": wrapped(
        "users",
        {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "password"],
                "properties": {"name": non_empty_string, "password": non_empty_string, "host": host_string},
            },
        },
    ),
    "user_update": wrapped(
        "user",
        {
            "type": "object",
            "minProperties": 1,
            "properties": {"name": non_empty_string, "password": non_empty_string, "host": host_string},
        },
    ),
    "grant": wrapped("databases", databases_ref),
}
