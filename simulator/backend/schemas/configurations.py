"""Request schemas of configuration groups."""

from __future__ import annotations

from simulator.backend.schemas.common import non_empty_string, wrapped

SCHEMAS: dict[str, dict] = {
    "configuration_create": wrapped(
        "configuration",
        {
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
        },
    ),
    "configuration_edit": wrapped(
        "configuration",
        {
            "type": "object",
            "required": ["values"],
            "additionalProperties": False,
            "properties": {"values": {"type": "object"}},
        },
    ),
    "configuration_update": wrapped(
        "configuration",
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {"name": non_empty_string, "description": non_empty_string, "values": {"type": "object"}},
        },
    ),
}
