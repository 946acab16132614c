"""Configuration groups, datastore parameters and an instance's configuration defaults."""

from __future__ import annotations

from aiohttp import web

from simulator.handlers.common import accepted, account, backend, base_url, json_body, ok, query_int
from simulator.views import configurations as cviews
from simulator.views.common import next_link


def _paged(request: web.Request, key: str, items: list, next_marker: str | None) -> web.Response:
    """A list answer with Trove's `links` when there is a next page."""
    body: dict = {key: items}
    if next_marker:
        body["links"] = next_link(f"{base_url(request)}{request.path}", request.query, next_marker, len(items))
    return ok(body)


async def list_configurations(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/configurations"""
    items, next_marker = backend(request).configurations.page(
        account(request), query_int(request, "limit"), request.query.get("marker")
    )
    return _paged(request, "configurations", [cviews.configuration(m) for m in items], next_marker)


async def create_configuration(request: web.Request) -> web.Response:
    """POST /v1.0/{account_id}/configurations: 200 with the group"""
    model = backend(request).configurations.create(account(request), json_body(request))
    return ok({"configuration": cviews.configuration_detail(model)})


async def show_configuration(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/configurations/{configuration_id}"""
    model = backend(request).configurations.get(account(request), request.match_info["configuration_id"])
    return ok({"configuration": cviews.configuration_detail(model)})


async def edit_configuration(request: web.Request) -> web.Response:
    """PATCH /v1.0/{account_id}/configurations/{configuration_id}: merge values, 200 with no body"""
    backend(request).configurations.edit(account(request), request.match_info["configuration_id"], json_body(request))
    return web.Response(status=200, content_type="application/json", body=b"")


async def update_configuration(request: web.Request) -> web.Response:
    """PUT /v1.0/{account_id}/configurations/{configuration_id}: replace values, 202"""
    backend(request).configurations.replace(
        account(request), request.match_info["configuration_id"], json_body(request)
    )
    return accepted()


async def delete_configuration(request: web.Request) -> web.Response:
    """DELETE /v1.0/{account_id}/configurations/{configuration_id}"""
    backend(request).configurations.delete(account(request), request.match_info["configuration_id"])
    return accepted()


async def list_configuration_instances(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/configurations/{configuration_id}/instances"""
    items, next_marker = backend(request).configurations.instances(
        account(request),
        request.match_info["configuration_id"],
        query_int(request, "limit"),
        request.query.get("marker"),
    )
    return _paged(request, "instances", [{"id": r["id"], "name": r["name"]} for r in items], next_marker)


async def list_parameters(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/datastores/{datastore_id}/versions/{version_id}/parameters (and
    /datastores/versions/{version_id}/parameters)"""
    params = backend(request).configurations.parameters(
        request.match_info.get("datastore_id"), request.match_info["version_id"]
    )
    return ok({"configuration-parameters": [cviews.parameter(p) for p in params]})


async def show_parameter(request: web.Request) -> web.Response:
    """GET .../versions/{version_id}/parameters/{name}: the bare parameter object"""
    param = backend(request).configurations.parameter(
        request.match_info.get("datastore_id"), request.match_info["version_id"], request.match_info["parameter"]
    )
    return ok(cviews.parameter(param))


async def show_version_defaults(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/datastore/version/{version_id}/configuration/{flavor_id}"""
    version, flavor, defaults = backend(request).configurations.version_defaults(
        request.match_info["version_id"], request.match_info["flavor_id"]
    )
    return ok(
        {
            "datastore": version.datastore_name,
            "datastore_version": version.name,
            "flavor": flavor.id,
            "configuration": defaults,
        }
    )


async def show_instance_configuration(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/instances/{instance_id}/configuration"""
    values = backend(request).configurations.defaults_of(account(request), request.match_info["instance_id"])
    return ok({"instance": {"configuration": values}})
