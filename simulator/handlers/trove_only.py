"""Paths OpenStack Trove serves that the Cloud Databases v1.0 API does not have: a 404 that says so, so a client
can tell "not part of this API" from a wrong URL."""

from __future__ import annotations

from aiohttp import web

from simulator.errors import ItemNotFound

#: Trove's collections under /v1.0/{account_id}/ that Cloud Databases lacks (the regex of the catch-all route).
TROVE_COLLECTIONS = "clusters|mgmt|quotas|modules|security-groups|backup_strategies|datastore-version-registry"
#: Trove's sub-resources of an instance that Cloud Databases lacks.
TROVE_INSTANCE_PARTS = "log|modules|ssl|upgrade"


async def not_in_cloud_databases(request: web.Request) -> web.Response:
    """Any method on a Trove-only path: 404 naming the path."""
    prefix = f"/v1.0/{request.match_info['account_id']}"
    path = request.path[len(prefix) :] if request.path.startswith(prefix) else request.path
    raise ItemNotFound(
        f"{path} is part of OpenStack Trove, not of the Cloud Databases v1.0 API: there is no such resource here."
    )
