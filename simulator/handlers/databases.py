"""Databases and users of an instance, and users' access."""

from __future__ import annotations

from aiohttp import web

from simulator.handlers.common import accepted, account, backend, base_url, json_body, ok, query_int
from simulator.views import databases as databases_views
from simulator.views.common import next_link


def _ids(request: web.Request) -> tuple[str, str]:
    return account(request), request.match_info["instance_id"]


def _paged(request: web.Request, key: str, items: list[dict], next_marker: str | None) -> web.Response:
    body = {key: items}
    if next_marker:
        body["links"] = next_link(f"{base_url(request)}{request.path}", request.query, next_marker, len(items))
    return ok(body)


async def list_databases(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/instances/{instance_id}/databases"""
    rows, next_marker = backend(request).databases.page(
        *_ids(request), query_int(request, "limit"), request.query.get("marker")
    )
    return _paged(request, "databases", [{"name": r["name"]} for r in rows], next_marker)


async def create_databases(request: web.Request) -> web.Response:
    """POST /v1.0/{account_id}/instances/{instance_id}/databases"""
    backend(request).databases.create(*_ids(request), json_body(request))
    return accepted()


async def delete_database(request: web.Request) -> web.Response:
    """DELETE /v1.0/{account_id}/instances/{instance_id}/databases/{name}"""
    backend(request).databases.delete(*_ids(request), request.match_info["name"])
    return accepted()


async def list_users(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/instances/{instance_id}/users"""
    users, next_marker = backend(request).users.page(
        *_ids(request), query_int(request, "limit"), request.query.get("marker")
    )
    return _paged(request, "users", [databases_views.user(u) for u in users], next_marker)


async def create_users(request: web.Request) -> web.Response:
    """POST /v1.0/{account_id}/instances/{instance_id}/users"""
    backend(request).users.create(*_ids(request), json_body(request))
    return accepted()


async def change_passwords(request: web.Request) -> web.Response:
    """PUT /v1.0/{account_id}/instances/{instance_id}/users"""
    backend(request).users.change_passwords(*_ids(request), json_body(request))
    return accepted()


async def show_user(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/instances/{instance_id}/users/{user}"""
    user = backend(request).users.get(*_ids(request), request.match_info["user"])
    return ok({"user": databases_views.user(user)})


async def update_user(request: web.Request) -> web.Response:
    """PUT /v1.0/{account_id}/instances/{instance_id}/users/{user}"""
    backend(request).users.update(*_ids(request), request.match_info["user"], json_body(request))
    return accepted()


async def delete_user(request: web.Request) -> web.Response:
    """DELETE /v1.0/{account_id}/instances/{instance_id}/users/{user}"""
    backend(request).users.delete(*_ids(request), request.match_info["user"])
    return accepted()


async def list_user_access(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/instances/{instance_id}/users/{user}/databases"""
    names = backend(request).users.access(*_ids(request), request.match_info["user"])
    return ok({"databases": [{"name": n} for n in names]})


async def grant_user_access(request: web.Request) -> web.Response:
    """PUT /v1.0/{account_id}/instances/{instance_id}/users/{user}/databases"""
    backend(request).users.grant(*_ids(request), request.match_info["user"], json_body(request))
    return accepted()


async def revoke_user_access(request: web.Request) -> web.Response:
    """DELETE /v1.0/{account_id}/instances/{instance_id}/users/{user}/databases/{name}"""
    backend(request).users.revoke(*_ids(request), request.match_info["user"], request.match_info["name"])
    return accepted()
