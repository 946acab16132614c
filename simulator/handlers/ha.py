"""HA instance groups: create, list, show, configuration, delete, their actions, ACLs and backups."""

from __future__ import annotations

from aiohttp import web

from simulator.handlers.common import accepted, account, backend, base_url, json_body, ok, query_int
from simulator.views import backups as backups_views
from simulator.views import ha as ha_views
from simulator.views.common import next_link


def _ha_id(request: web.Request) -> str:
    return request.match_info["ha_id"]


async def list_ha_instances(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/ha"""
    return ok({"ha_instances": [ha_views.summary(m) for m in backend(request).ha.groups(account(request))]})


async def create_ha_instance(request: web.Request) -> web.Response:
    """POST /v1.0/{account_id}/ha: 202 with the group in BUILD"""
    model = backend(request).ha.create(account(request), json_body(request))
    return ok({"ha_instance": ha_views.ha_instance(base_url(request), model, created=True)}, status=202)


async def show_ha_instance(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/ha/{ha_id}"""
    model = backend(request).ha.get(account(request), _ha_id(request))
    return ok({"ha_instance": ha_views.ha_instance(base_url(request), model)})


async def update_ha_instance(request: web.Request) -> web.Response:
    """PATCH /v1.0/{account_id}/ha/{ha_id}: attach or detach a configuration group, 202"""
    backend(request).ha_actions.update(account(request), _ha_id(request), json_body(request))
    return accepted()


async def delete_ha_instance(request: web.Request) -> web.Response:
    """DELETE /v1.0/{account_id}/ha/{ha_id}"""
    backend(request).ha.delete(account(request), _ha_id(request))
    return accepted()


async def ha_action(request: web.Request) -> web.Response:
    """POST /v1.0/{account_id}/ha/{ha_id}/action: 202 (upgrade answers the group in UPGRADING)"""
    model = backend(request).ha_actions.action(account(request), _ha_id(request), json_body(request))
    if model is not None:
        return ok({"ha_instance": ha_views.upgrading(model)}, status=202)
    return accepted()


async def list_ha_acls(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/ha/{ha_id}/acls"""
    addresses = backend(request).ha_actions.acls(account(request), _ha_id(request))
    return ok({"acls": [ha_views.acl(a) for a in addresses]})


async def add_ha_acl(request: web.Request) -> web.Response:
    """POST /v1.0/{account_id}/ha/{ha_id}/acls: 200 with no body"""
    backend(request).ha_actions.add_acl(account(request), _ha_id(request), json_body(request))
    return web.Response(status=200, content_type="application/json", body=b"")


async def delete_ha_acl(request: web.Request) -> web.Response:
    """DELETE /v1.0/{account_id}/ha/{ha_id}/acls/{address}"""
    backend(request).ha_actions.delete_acl(account(request), _ha_id(request), request.match_info["address"])
    return accepted()


async def list_ha_backups(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/ha/{ha_id}/backups[?limit=&marker=]"""
    rows, next_marker = backend(request).backups.page_for_ha(
        account(request), _ha_id(request), query_int(request, "limit"), request.query.get("marker")
    )
    body: dict = {"backups": [backups_views.backup(m) for m in rows]}
    if next_marker is not None:
        body["links"] = next_link(f"{base_url(request)}{request.path}", request.query, next_marker, len(rows))
    return ok(body)
