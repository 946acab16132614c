"""Pieces every resource's view shares: the self and bookmark links, and a truncated page's next link."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote, urlencode

from simulator.reference import regions


def links(base: str, account_id: str, collection: str, item_id) -> list[dict]:
    """self (with version and account) and bookmark (without either) links, on the API of the account scope's
    region."""
    root = base + regions.prefix(regions.region_of(account_id))
    return [
        {"href": f"{root}/v1.0/{regions.account_of(account_id)}/{collection}/{item_id}", "rel": "self"},
        {"href": f"{root}/{collection}/{item_id}", "rel": "bookmark"},
    ]


def next_link(url: str, query: Mapping[str, str], marker, limit: int) -> list[dict]:
    """The `links` array of a truncated page: the same URL with marker (quoted again) and limit."""
    params = {k: v for k, v in query.items() if k not in ("marker", "limit")}
    params["marker"] = quote(str(marker), safe="")
    params["limit"] = str(limit)
    return [{"href": f"{url}?{urlencode(params)}", "rel": "next"}]
