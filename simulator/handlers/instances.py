"""Instances, their actions and root."""

from __future__ import annotations

from aiohttp import web

from simulator.handlers.common import accepted, account, backend, base_url, json_body, ok, query_int
from simulator.views import ha as ha_views
from simulator.views import instances as instances_views
from simulator.views.common import next_link


def query_flag(request: web.Request, name: str) -> bool:
    """A true/false query flag that defaults to true (include_replicas=false, include_ha=false)."""
    return request.query.get(name, "true").strip().lower() not in ("false", "0", "no")


async def list_instances(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/instances[?include_replicas=false&include_ha=false]"""
    limit = query_int(request, "limit")
    items, next_marker = backend(request).instances.page(
        account(request),
        limit,
        request.query.get("marker"),
        include_replicas=query_flag(request, "include_replicas"),
        include_ha=query_flag(request, "include_ha"),
    )
    base = base_url(request)
    body = {"instances": [instances_views.instance_summary(base, m) for m in items]}
    if next_marker:
        body["links"] = next_link(f"{base}{request.path}", request.query, next_marker, len(items))
    return ok(body)


async def create_instance(request: web.Request) -> web.Response:
    """POST /v1.0/{account_id}/instances (also restore from backup): 200 with the instance in BUILD"""
    model = backend(request).instances.create(account(request), json_body(request))
    return ok({"instance": instances_views.instance(base_url(request), model)})


async def show_instance(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/instances/{instance_id}"""
    model = backend(request).instances.get(account(request), request.match_info["instance_id"])
    return ok({"instance": instances_views.instance(base_url(request), model)})


async def patch_instance(request: web.Request) -> web.Response:
    """PATCH /v1.0/{account_id}/instances/{instance_id}"""
    backend(request).instances.update(account(request), request.match_info["instance_id"], json_body(request), "PATCH")
    return accepted()


async def put_instance(request: web.Request) -> web.Response:
    """PUT /v1.0/{account_id}/instances/{instance_id}"""
    backend(request).instances.update(account(request), request.match_info["instance_id"], json_body(request), "PUT")
    return accepted()


async def delete_instance(request: web.Request) -> web.Response:
    """DELETE /v1.0/{account_id}/instances/{instance_id}"""
    backend(request).instances.delete(account(request), request.match_info["instance_id"])
    return accepted()


async def instance_action(request: web.Request) -> web.Response:
    """POST /v1.0/{account_id}/instances/{instance_id}/action: 202 (upgrade answers the upgraded replica,
    convert_to_ha the HA group)"""
    answer = backend(request).instances.action(account(request), request.match_info["instance_id"], json_body(request))
    if answer is None:
        return accepted()
    key, model = answer
    base = base_url(request)
    view = instances_views.instance(base, model) if key == "instance" else ha_views.ha_instance(base, model)
    return ok({key: view}, status=202)


async def list_replicas(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/instances/{instance_id}/replicas"""
    models = backend(request).instances.replicas(account(request), request.match_info["instance_id"])
    base = base_url(request)
    return ok({"instances": [instances_views.instance_summary(base, m) for m in models]})


async def enable_root(request: web.Request) -> web.Response:
    """POST /v1.0/{account_id}/instances/{instance_id}/root"""
    user = backend(request).instances.enable_root(account(request), request.match_info["instance_id"])
    return ok({"user": user})


async def root_status(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/instances/{instance_id}/root"""
    enabled = backend(request).instances.root_status(account(request), request.match_info["instance_id"])
    return ok({"rootEnabled": enabled})
