"""Versions, flavors and datastores: reference data."""

from __future__ import annotations

from aiohttp import web

from simulator.errors import ItemNotFound
from simulator.handlers.common import account, base_url, ok
from simulator.reference import catalog
from simulator.views import catalog as catalog_views


async def list_versions(request: web.Request) -> web.Response:
    """GET /"""
    return ok({"versions": [catalog_views.version_document(base_url(request))]})


async def show_version(request: web.Request) -> web.Response:
    """GET /v1.0"""
    return ok({"version": catalog_views.version_document(base_url(request))})


async def list_flavors(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/flavors"""
    return ok(catalog_views.flavors(base_url(request), account(request)))


async def show_flavor(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/flavors/{flavor_id}"""
    flavor_id = request.match_info["flavor_id"]
    if catalog.parse_flavor_ref(flavor_id) is None:
        raise ItemNotFound(f"Resource {flavor_id} cannot be found.")
    flavor = catalog.get_flavor(flavor_id)
    return ok({"flavor": catalog_views.flavor(base_url(request), account(request), flavor)})


async def list_datastores(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/datastores"""
    return ok(catalog_views.datastores(base_url(request), account(request)))


async def show_datastore(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/datastores/{datastore_id}"""
    ds = catalog.get_datastore(request.match_info["datastore_id"])
    return ok({"datastore": catalog_views.datastore(base_url(request), account(request), ds)})


async def list_datastore_versions(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/datastores/{datastore_id}/versions"""
    ds = catalog.get_datastore(request.match_info["datastore_id"])
    base, acct = base_url(request), account(request)
    return ok({"versions": [catalog_views.datastore_version(base, acct, v, True) for v in ds.versions]})


async def show_datastore_version(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/datastores/{datastore_id}/versions/{version_id}"""
    ds = catalog.get_datastore(request.match_info["datastore_id"])
    version = catalog.get_version(ds, request.match_info["version_id"])
    return ok({"version": catalog_views.datastore_version(base_url(request), account(request), version, True)})


async def show_version_by_id(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/datastores/versions/{version_id}"""
    version = catalog.find_version(request.match_info["version_id"])
    return ok({"version": catalog_views.datastore_version(base_url(request), account(request), version, True)})


async def list_version_flavors(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/datastores/{datastore_id}/versions/{version_id}/flavors"""
    ds = catalog.get_datastore(request.match_info["datastore_id"])
    version = catalog.get_version(ds, request.match_info["version_id"])
    items = [f for f in catalog.FLAVORS if f.id in version.flavor_ids]
    return ok(catalog_views.flavors(base_url(request), account(request), items))
