"""Pure functions from backup schedule models to the service's JSON; no I/O."""

from __future__ import annotations


def schedule(m: dict) -> dict:
    """A backup schedule as the reference shows it (instance_id, the legacy name, is null for an HA group's)."""
    ha = m["source_type"] == "ha"
    return {
        "action": m["action"],
        "copy_to": m["copy_to"],
        "created": m["created"],
        "day_of_month": None,
        "day_of_week": m["day_of_week"],
        "full_backup_retention": m["full_backup_retention"],
        "hour": m["hour"],
        "id": m["id"],
        "instance_id": None if ha else m["instance_id"],
        "last_scheduled": m["last_scheduled"],
        "minute": m["minute"],
        "month": None,
        "next_run": m["next_run"],
        "running": m["running"],
        "source": {"id": m["instance_id"], "type": m["source_type"]},
        "updated": m["updated"],
    }


#: The JSON Schemas of these answers (the OpenAPI document's response components).
SCHEMAS: dict[str, dict] = {
    "Schedule": {
        "type": "object",
        "properties": {
            "action": {"type": "string"},
            "copy_to": {"type": "array", "items": {"type": "string"}},
            "created": {"type": "string"},
            "day_of_month": {"type": "null"},
            "day_of_week": {"type": "integer"},
            "full_backup_retention": {
                "type": "integer",
                "description": "How many automated full backups are kept (2 unless asked otherwise).",
            },
            "hour": {"type": "integer"},
            "id": {"type": "string"},
            "instance_id": {"type": ["string", "null"]},
            "last_scheduled": {"type": ["string", "null"]},
            "minute": {"type": "integer"},
            "month": {"type": "null"},
            "next_run": {"type": "string"},
            "running": {"type": "boolean"},
            "source": {
                "type": "object",
                "properties": {"id": {"type": "string"}, "type": {"enum": ["instance", "ha"]}},
                "required": ["id", "type"],
                "additionalProperties": False,
            },
            "updated": {"type": "string"},
        },
        "required": [
            "action",
            "copy_to",
            "created",
            "day_of_month",
            "day_of_week",
            "full_backup_retention",
            "hour",
            "id",
            "instance_id",
            "last_scheduled",
            "minute",
            "month",
            "next_run",
            "running",
            "source",
            "updated",
        ],
        "additionalProperties": False,
    },
}
