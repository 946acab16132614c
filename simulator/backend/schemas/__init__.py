"""Request body schemas (Trove's apischema, Draft 4), one module per resource, and validate() that checks a body
against one by name. The OpenAPI document shows the same schemas (components req_<name>)."""

from __future__ import annotations

from typing import Any

from simulator.backend.schemas import backups, configurations, databases, ha, identity, instances
from simulator.backend.schemas.check import Validator
from simulator.backend.schemas.common import UUID_PATTERN

#: Every schema validate() knows, by name.
SCHEMAS: dict[str, dict] = {
    **instances.SCHEMAS,
    **databases.SCHEMAS,
    **backups.SCHEMAS,
    **configurations.SCHEMAS,
    **ha.SCHEMAS,
}

#: Bodies the document shows that no one schema checks: the token request (read field by field) and the two
#: action calls (one key, checked by that action's schema).
DOCUMENTED: dict[str, dict] = {
    "auth": identity.AUTH,
    "instance_action": instances.INSTANCE_ACTION,
    "ha_action": ha.HA_ACTION,
}

_VALIDATOR = Validator(SCHEMAS)


def validate(schema_name: str, body: Any) -> None:
    """Raise 400 badRequest 'Validation error: ...' when body does not fit the named schema."""
    _VALIDATOR.validate(schema_name, body)


__all__ = ["DOCUMENTED", "SCHEMAS", "UUID_PATTERN", "validate"]
