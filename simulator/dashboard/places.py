"""The regions of one account on the dashboard: which region the page shows (?region=, the configured one by
default), the scope the rules keep that region's resources under, and how much the account holds in each region
(so a resource in another region is never out of sight)."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from simulator.errors import BadRequest
from simulator.keys import BACKEND, CONFIG
from simulator.reference import regions

#: The tables counted per region, with what the page calls them.
COUNTED = {
    "instances": "instances",
    "backups": "backups",
    "ha_groups": "HA groups",
    "configurations": "configuration groups",
}


def default_region(app: web.Application) -> str:
    """The configured region (served at /v1.0/{account})."""
    return app[CONFIG].region.upper()


def chosen_region(app: web.Application, query: Mapping[str, str]) -> str:
    """?region= (any case), else the configured region; 400 for a name that is no region."""
    wanted = (query.get("region") or "").strip().upper()
    if not wanted:
        return default_region(app)
    if wanted not in regions.REGIONS:
        raise BadRequest(f"'region' must be one of {', '.join(regions.REGIONS)}, not '{wanted}'.")
    return wanted


def scope_in(app: web.Application, account_id: str, region: str) -> str:
    """The scope of account_id's resources in region."""
    return regions.in_region(account_id, region, default_region(app))


def overview(app: web.Application, account_id: str) -> list[dict]:
    """Every region (the configured one first) with how many of each counted resource the account holds there."""
    default = default_region(app)
    counts = app[BACKEND].store.state.rows_by_scope(account_id, tuple(COUNTED))
    out = []
    for region in (default, *regions.other_regions(default)):
        held = counts.get(scope_in(app, account_id, region), {})
        out.append(
            {
                "region": region,
                "default": region == default,
                "counts": {COUNTED[t]: held.get(t, 0) for t in COUNTED},
                "total": sum(held.values()),
            }
        )
    return out
