"""Backups: create, list (all, per instance), show, delete, and copying one to another region."""

from __future__ import annotations

from aiohttp import web

from simulator.handlers.common import accepted, account, backend, base_url, json_body, ok, query_int
from simulator.views import backups as backups_views
from simulator.views.common import next_link


def _page(request: web.Request, rows: list[dict], next_marker) -> web.Response:
    body = {"backups": [backups_views.backup(m) for m in rows]}
    if next_marker is not None:
        body["links"] = next_link(f"{base_url(request)}{request.path}", request.query, next_marker, len(rows))
    return ok(body)


async def list_backups(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/backups[?datastore=&instance_id=&limit=&marker=]"""
    rows, next_marker = backend(request).backups.page(
        account(request),
        query_int(request, "limit"),
        request.query.get("marker"),
        datastore=request.query.get("datastore") or None,
        instance_id=request.query.get("instance_id") or None,
    )
    return _page(request, rows, next_marker)


async def list_instance_backups(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/instances/{instance_id}/backups[?limit=&marker=]"""
    rows, next_marker = backend(request).backups.page_for_instance(
        account(request), request.match_info["instance_id"], query_int(request, "limit"), request.query.get("marker")
    )
    return _page(request, rows, next_marker)


async def create_backup(request: web.Request) -> web.Response:
    """POST /v1.0/{account_id}/backups: 202 with the backup in NEW"""
    row = backend(request).backups.create(account(request), json_body(request))
    return ok({"backup": backups_views.backup(row, created=True)}, status=202)


async def show_backup(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/backups/{backup_id}"""
    row = backend(request).backups.get(account(request), request.match_info["backup_id"])
    return ok({"backup": backups_views.backup(row)})


async def delete_backup(request: web.Request) -> web.Response:
    """DELETE /v1.0/{account_id}/backups/{backup_id}: 202, with every incremental built on it"""
    backend(request).backups.delete(account(request), request.match_info["backup_id"])
    return accepted()


async def backup_action(request: web.Request) -> web.Response:
    """POST /v1.0/{account_id}/backups/{backup_id}/action (copy-backup to another region): 202, empty"""
    backend(request).backups.action(account(request), request.match_info["backup_id"], json_body(request))
    return accepted()
