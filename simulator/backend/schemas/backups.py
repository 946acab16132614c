"""Request schemas of backups (create, copy to another region) and backup schedules."""

from __future__ import annotations

from simulator.backend.schemas.common import UUID_PATTERN, non_empty_string, optional_regions, regions, uuid, wrapped
from simulator.reference.regions import COPY_REGIONS, REGIONS

schedule_fields = {
    "day_of_week": {"type": "integer", "minimum": 0, "maximum": 7},
    "hour": {"type": "integer", "minimum": 0, "maximum": 23},
    "minute": {"type": "integer", "minimum": 0, "maximum": 59},
    "full_backup_retention": {"type": ["integer", "null"], "minimum": 1, "maximum": 1000},
}
#: cdb-cli's schedule-update sends its --copy-to unsplit ("IAD,ORD"), and null without it.
COPY_TO_TEXT = {"type": "string", "pattern": "^(" + "|".join(COPY_REGIONS) + ")(,(" + "|".join(COPY_REGIONS) + "))*$"}

SCHEMAS: dict[str, dict] = {
    "backup_create": wrapped(
        "backup",
        {
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
        },
    ),
    "backup_action": wrapped(
        "copy-backup",
        {
            "type": "object",
            "required": ["target_backup_region"],
            "properties": {
                "target_backup_region": {"type": "string", "enum": list(REGIONS) + [r.lower() for r in REGIONS]},
                # cdbclient's backup_copy sends name null when none is given: the copy keeps its name
                "name": {"oneOf": [{**non_empty_string, "maxLength": 64}, {"type": "null"}]},
                "description": {"type": ["string", "null"], "maxLength": 255},
            },
        },
    ),
    "schedule_create": wrapped(
        "schedule",
        {
            "type": "object",
            "required": ["action", "day_of_week", "hour", "minute"],
            "properties": {
                **schedule_fields,
                "action": {"enum": ["backup"]},
                "instance_id": {"type": ["string", "null"], "pattern": UUID_PATTERN},
                "source_id": {"type": ["string", "null"], "pattern": UUID_PATTERN},
                "source_type": {"enum": ["instance", "ha", None]},
                "copy_to": optional_regions,
            },
        },
    ),
    "schedule_update": wrapped(
        "schedule",
        {
            "type": "object",
            "properties": {
                **schedule_fields,
                "run_now": {"enum": [True, False, "true", "false", "True", "False", 0, 1]},
                "copy_to": {"oneOf": [optional_regions, COPY_TO_TEXT]},
            },
            # an update changes what it names: a field it does not know is a 400 naming it, never ignored
            "additionalProperties": False,
        },
    ),
}
