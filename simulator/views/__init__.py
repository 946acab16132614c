"""Views: pure functions model -> JSON, one module per resource. Each module also holds the JSON Schemas of its
answers (SCHEMAS), gathered here for the OpenAPI document's response components."""

from __future__ import annotations

from simulator.views import backups, catalog, common, configurations, databases, ha, instances, schedules

SCHEMAS: dict[str, dict] = {
    **common.SCHEMAS,
    **catalog.SCHEMAS,
    **instances.SCHEMAS,
    **databases.SCHEMAS,
    **backups.SCHEMAS,
    **schedules.SCHEMAS,
    **configurations.SCHEMAS,
    **ha.SCHEMAS,
}
