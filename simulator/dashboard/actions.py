"""The dashboard's forms: advance or switch the clock, reset / snapshot / restore the account, load and unload a
fault scenario. Each calls the control service that does it and sends the browser back to the page (303)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from aiohttp import web

from simulator.control.accounts import reset_account
from simulator.control.clock import advance_clock, set_clock
from simulator.control.common import simulator_of
from simulator.control.snapshots import restore_snapshot, take_snapshot
from simulator.dashboard import panels
from simulator.dashboard.pages import PREFIX
from simulator.errors import BadRequest, SimulatorError


async def _form(request: web.Request) -> tuple[web.Application, dict[str, str]]:
    """The posted form (the control plane's access rule already refused a post another site's page sent)."""
    form = await request.post()
    return simulator_of(request), {k: v.strip() for k, v in form.items() if isinstance(v, str)}


def back(account: str, section: str, region: str = "", **message: str) -> web.Response:
    """303 to the page of account (in region, when the form names one) at section, with a notice or an error to
    show (returned, never raised: a raised redirect would roll the request's transaction back)."""
    query = urlencode({"account": account, **{k: v for k, v in {"region": region, **message}.items() if v}})
    return web.Response(status=303, headers={"Location": f"{PREFIX}?{query}#{section}"})


async def _act(request: web.Request, section: str, act: Callable[[web.Application, dict], str]) -> web.Response:
    """Run act(app, form) -> notice; a refusal of the service becomes the page's error message."""
    app, form = await _form(request)
    account, region = form.get("account", ""), form.get("region", "")
    try:
        if not account:
            raise BadRequest("The form names no account.")
        return back(account, section, region, notice=act(app, form))
    except SimulatorError as exc:
        return back(account, section, region, error=exc.message)


def _advance(app: web.Application, form: dict) -> str:
    if form.get("mode"):
        view = set_clock(app, mode=form["mode"])
        return f"The clock is {view['mode']} now, at {view['now']}."
    try:
        seconds = float(form.get("seconds", ""))
    except ValueError:
        raise BadRequest("'seconds' must be a number.") from None
    view = advance_clock(app, seconds)
    return f"The clock moved {seconds:g} s, to {view['now']}."


def _reset(app: web.Application, form: dict) -> str:
    removed = reset_account(app, form["account"])["rows_removed"]
    return f"Account {form['account']} is empty again ({removed} rows removed)."


def _snapshot(app: web.Application, form: dict) -> str:
    snap = take_snapshot(app, form.get("name") or None, form["account"])
    return f"Snapshot {snap['name']} taken ({snap['rows']} rows)."


def _restore(app: web.Application, form: dict) -> str:
    panels.must_be_account_snapshot(app, form["account"], form.get("name", ""))
    snap = restore_snapshot(app, form["name"])
    return f"Snapshot {snap['name']} restored."


def _load(app: web.Application, form: dict) -> str:
    loaded = panels.load_scenario(app, form["account"], form.get("name", ""), form.get("scope", "account"))
    return f"Scenario {loaded['name']} loaded ({len(loaded['rules'])} rules)."


def _unload(app: web.Application, form: dict) -> str:
    unused = panels.unload_scenario(app, form["account"], form.get("name", ""), form.get("scope", "account"))
    never = f"; never fired: {', '.join(u['rule'] for u in unused)}" if unused else ""
    return f"Scenario {form.get('name')} unloaded{never}."


async def clock_action(request: web.Request) -> web.Response:
    """POST /dashboard/clock (account, seconds | mode)"""
    return await _act(request, "clock", _advance)


async def reset_action(request: web.Request) -> web.Response:
    """POST /dashboard/reset (account)"""
    return await _act(request, "account-actions", _reset)


async def snapshot_action(request: web.Request) -> web.Response:
    """POST /dashboard/snapshots (account, name)"""
    return await _act(request, "account-actions", _snapshot)


async def restore_action(request: web.Request) -> web.Response:
    """POST /dashboard/snapshots/restore (account, name)"""
    return await _act(request, "account-actions", _restore)


async def load_action(request: web.Request) -> web.Response:
    """POST /dashboard/scenarios (account, name, scope)"""
    return await _act(request, "scenarios", _load)


async def unload_action(request: web.Request) -> web.Response:
    """POST /dashboard/scenarios/unload (account, name, scope)"""
    return await _act(request, "scenarios", _unload)
