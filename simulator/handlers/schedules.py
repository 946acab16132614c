"""Scheduled backups: create, list, show, update (run_now), delete."""

from __future__ import annotations

from aiohttp import web

from simulator.handlers.common import accepted, account, backend, json_body, ok
from simulator.views import schedules as schedules_views


async def list_schedules(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/schedules"""
    return ok({"schedules": [schedules_views.schedule(m) for m in backend(request).schedules.list(account(request))]})


async def create_schedule(request: web.Request) -> web.Response:
    """POST /v1.0/{account_id}/schedules: 202 with the schedule"""
    model = backend(request).schedules.create(account(request), json_body(request))
    return ok({"schedule": schedules_views.schedule(model)}, status=202)


async def show_schedule(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/schedules/{schedule_id}"""
    model = backend(request).schedules.get(account(request), request.match_info["schedule_id"])
    return ok({"schedule": schedules_views.schedule(model)})


async def update_schedule(request: web.Request) -> web.Response:
    """PUT /v1.0/{account_id}/schedules/{schedule_id}: 202 (run_now takes a backup at once)"""
    backend(request).schedules.update(account(request), request.match_info["schedule_id"], json_body(request))
    return accepted()


async def delete_schedule(request: web.Request) -> web.Response:
    """DELETE /v1.0/{account_id}/schedules/{schedule_id}: 202"""
    backend(request).schedules.delete(account(request), request.match_info["schedule_id"])
    return accepted()
