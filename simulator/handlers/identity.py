"""Identity v2.0 on the same server: the version document and POST /v2.0/tokens (a catalog of every region)."""

from __future__ import annotations

from aiohttp import web

from simulator.handlers.common import backend, base_url, json_body, ok
from simulator.keys import CONFIG, CONTEXT
from simulator.reference import regions


async def identity_version(request: web.Request) -> web.Response:
    """GET /v2.0"""
    base = base_url(request)
    return ok(
        {
            "version": {
                "id": "v2.0",
                "status": "stable",
                "updated": "2014-04-17T00:00:00Z",
                "links": [{"href": f"{base}/v2.0/", "rel": "self"}],
                "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v2.0+json"}],
            }
        }
    )


def endpoint(base: str, account_id: str, name: str, region: str | None) -> dict:
    """A region's catalog endpoint: the configured region at /v1.0/{account}, another at its own prefix."""
    url = f"{base}{regions.prefix(region)}/v1.0/{account_id}"
    return {"publicURL": url, "internalURL": url, "adminURL": url, "region": name, "tenantId": account_id}


async def create_token(request: web.Request) -> web.Response:
    """POST /v2.0/tokens"""
    issued = backend(request).identity.authenticate(json_body(request))
    user, region = issued["user"], request.app[CONFIG].region
    account_id = user["account_id"]
    request[CONTEXT]["account_id"] = account_id  # the journal files the login under the account it logs into
    endpoints = [
        endpoint(base_url(request), account_id, name, None if name == region else name)
        for name in (region, *regions.other_regions(region))
    ]
    return ok(
        {
            "access": {
                "token": {
                    "id": issued["token"],
                    "expires": issued["expires"],
                    "issued_at": issued["issued"],
                    "tenant": {"id": account_id, "name": account_id},
                    "RAX-AUTH:authenticatedBy": [issued["method"]],
                },
                "serviceCatalog": [
                    {"name": "cloudDatabases", "type": "rax:database", "endpoints": endpoints},
                    {"name": "database", "type": "database", "endpoints": endpoints},
                ],
                "user": {
                    "id": user["id"],
                    "name": user["username"],
                    "RAX-AUTH:defaultRegion": region,
                    "roles": [
                        {"id": "1", "name": user["role"], "tenantId": account_id, "description": "Cloud Databases role"}
                    ],
                },
            }
        }
    )
