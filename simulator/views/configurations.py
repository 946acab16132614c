"""Pure functions from configuration groups and parameters to the service's JSON (Trove's configuration views)."""

from __future__ import annotations

from simulator.reference.parameters import Parameter


def configuration(m: dict) -> dict:
    """A group in the list: no values, no instance count."""
    return {
        "created": m["created"],
        "datastore_name": m["datastore_name"],
        "datastore_version_id": m["datastore_version_id"],
        "datastore_version_name": m["datastore_version_name"],
        "description": m["description"],
        "id": m["id"],
        "name": m["name"],
        "updated": m["updated"],
    }


def configuration_detail(m: dict) -> dict:
    """A group shown or just created: its values and how many instances use it."""
    return {**configuration(m), "instance_count": m["instance_count"], "values": m["values"]}


def parameter(p: Parameter) -> dict:
    """A datastore parameter as the Cloud Databases docs show it (min and max only for integers with bounds)."""
    body: dict = {"name": p.name, "type": p.type, "restart_required": p.restart_required}
    if p.min is not None:
        body["min"] = p.min
    if p.max is not None:
        body["max"] = p.max
    return body


#: What a configuration group's list and detail views both show (every key required).
CONFIGURATION_PROPERTIES: dict[str, dict] = {
    "created": {"type": "string"},
    "datastore_name": {"type": "string"},
    "datastore_version_id": {"type": "string"},
    "datastore_version_name": {"type": "string"},
    "description": {"type": ["string", "null"]},
    "id": {"type": "string"},
    "name": {"type": "string"},
    "updated": {"type": "string"},
}

#: The JSON Schemas of these answers (the OpenAPI document's response components).
SCHEMAS: dict[str, dict] = {
    "Configuration": {
        "type": "object",
        "properties": CONFIGURATION_PROPERTIES,
        "required": list(CONFIGURATION_PROPERTIES),
        "additionalProperties": False,
    },
    "ConfigurationDetail": {
        "type": "object",
        "properties": {
            **CONFIGURATION_PROPERTIES,
            "instance_count": {"type": "integer"},
            "values": {"type": "object"},
        },
        "required": [*CONFIGURATION_PROPERTIES, "instance_count", "values"],
        "additionalProperties": False,
    },
}
