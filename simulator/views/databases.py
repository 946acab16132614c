"""Pure functions from database users to the service's JSON; no I/O."""

from __future__ import annotations

from simulator.views.common import ref


def user(u: dict) -> dict:
    return {"name": u["name"], "host": u["host"], "databases": [{"name": d} for d in u["databases"]]}


#: The JSON Schemas of these answers (the OpenAPI document's response components).
SCHEMAS: dict[str, dict] = {
    "DatabaseName": {
        "type": "object",
        "properties": {"name": {"type": "string"}},
        "required": ["name"],
        "additionalProperties": False,
    },
    "DatabaseUser": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "host": {"type": "string"},
            "databases": {"type": "array", "items": ref("DatabaseName")},
        },
        "required": ["name", "host", "databases"],
        "additionalProperties": False,
    },
}
