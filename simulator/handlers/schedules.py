"""Scheduled backups: create, list, show, update (run_now), delete."""
from __future__ import annotations

from aiohttp import web

from simulator.handlers.common import accepted, account, backend, json_body, ok


def schedule_view(m: dict) -> dict:
    """A schedule as the reference shows it."""
    return {
        "action": m["action"],
        "copy_to": m["copy_to"],
        "created": m["created"],
        "day_of_month": None,
        "day_of_week": m["day_of_week"],
        "full_backup_retention": m["full_backup_retention"],
        "hour": m["hour"],
        "id": m["id"],
        "instance_id": m["instance_id"],
        "last_scheduled": m["last_scheduled"],
        "minute": m["minute"],
        "month": None,
        "next_run": m["next_run"],
        "running": m["running"],
        "source": {"id": m["instance_id"], "type": "instance"},
        "updated": m["updated"],
    }


async def list_schedules(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/schedules"""
    return ok({"schedules": [schedule_view(m) for m in backend(request).schedules.list(account(request))]})


async def create_schedule(request: web.Request) -> web.Response:
    """POST /v1.0/{account_id}/schedules: 202 with the schedule"""
    model = backend(request).schedules.create(account(request), json_body(request))
    return ok({"schedule": schedule_view(model)}, status=202)


async def show_schedule(request: web.Request) -> web.Response:
    """GET /v1.0/{account_id}/schedules/{schedule_id}"""
    model = backend(request).schedules.get(account(request), request.match_info["schedule_id"])
    return ok({"schedule": schedule_view(model)})


async def update_schedule(request: web.Request) -> web.Response:
    """PUT /v1.0/{account_id}/schedules/{schedule_id}: 202 (run_now takes a backup at once)"""
    backend(request).schedules.update(account(request), request.match_info["schedule_id"], json_body(request))
    return accepted()


async def delete_schedule(request: web.Request) -> web.Response:
    """DELETE /v1.0/{account_id}/schedules/{schedule_id}: 202"""
    backend(request).schedules.delete(account(request), request.match_info["schedule_id"])
    return accepted()
