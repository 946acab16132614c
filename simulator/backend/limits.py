"""Rate limits: Rackspace's documented per-minute limits per verb and URI, counted per account on the clock."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from simulator.backend.cache import ModelCache
from simulator.errors import ItemNotFound, rate_limited

if TYPE_CHECKING:
    from simulator.backend import Backend

WINDOW = 60.0


@dataclass(frozen=True)
class RateLimit:
    route: str
    verb: str
    uri: str
    regex: str
    value: int

    @property
    def key(self) -> str:
        return f"{self.verb} {self.uri}"


#: Rackspace's documented rate limits (cloud-databases-api §5.1), by route: the URI as the docs write it and how many
#: requests a minute it allows. Routes not here are not rate-limited.
DOCUMENTED: dict[str, tuple[str, int]] = {
    "create_instance": ("/instances", 20),
    "list_instances": ("/instances", 100),
    "show_instance": ("/instances/{instanceId}", 100),
    "delete_instance": ("/instances/{instanceId}", 20),
    "enable_root": ("/instances/{instanceId}/root", 20),
    "root_status": ("/instances/{instanceId}/root", 100),
    "instance_action": ("/instances/{instanceId}/action", 5),
    "create_databases": ("/instances/{instanceId}/databases", 20),
    "list_databases": ("/instances/{instanceId}/databases", 100),
    "delete_database": ("/instances/{instanceId}/databases/{databaseName}", 20),
    "create_users": ("/instances/{instanceId}/users", 50),
    "list_users": ("/instances/{instanceId}/users", 100),
    "change_passwords": ("/instances/{instanceId}/users", 50),
    "update_user": ("/instances/{instanceId}/users/{name}", 50),
    "show_user": ("/instances/{instanceId}/users/{name}", 100),
    "delete_user": ("/instances/{instanceId}/users/{name}", 50),
    "list_user_access": ("/instances/{instanceId}/users/{name}/databases", 100),
    "grant_user_access": ("/instances/{instanceId}/users/{name}/databases", 50),
    "revoke_user_access": ("/instances/{instanceId}/users/{name}/databases/{databaseName}", 50),
    "list_flavors": ("/flavors", 100),
    "show_flavor": ("/flavors/{flavorId}", 100),
    "create_backup": ("/backups", 100),
    "list_backups": ("/backups", 100),
    "show_backup": ("/backups/{backupId}", 100),
    "delete_backup": ("/backups/{backupId}", 20),
    "list_instance_backups": ("/instances/{instanceId}/backups", 100),
}


def rate_limits(routes: Iterable[tuple[str, str, str]]) -> tuple[RateLimit, ...]:
    """The documented limits, on the routes given as (route name, method, path under /v1.0/{account_id}): a limit's
    verb is its route's method and its regex its route's path, each {parameter} one path segment."""
    by_name = {name: (method, path) for name, method, path in routes}
    missing = sorted(set(DOCUMENTED) - set(by_name))
    if missing:
        raise ValueError(f"rate limits of routes that are not in the table: {', '.join(missing)}")
    out = []
    for name, (uri, value) in DOCUMENTED.items():
        method, path = by_name[name]
        out.append(RateLimit(name, method, uri, "^" + re.sub(r"\{[^{}]*\}", "[^/]+", path) + "$", value))
    return tuple(out)


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Limits:
    """Counts requests per account and limit in one-minute windows of the simulator's clock."""

    def __init__(self, backend: Backend, rates: tuple[RateLimit, ...] = ()) -> None:
        self.backend = backend
        self.repo = backend.store.journal
        #: The limits enforced (routes.RATE_LIMITS when the API serves; none for a backend without routes).
        self.rates = rates
        self.by_route = {limit.route: limit for limit in rates}
        self._enabled = ModelCache(backend.identity_version)

    def enabled(self, account_id: str) -> bool:
        """Whether the account's limits are on (asked on every limited request: kept while accounts are unchanged)."""
        return self._enabled.fetch(account_id, self.backend.store.accounts.rate_limits_on, account_id)

    def counts(self, account_id: str, method: str, route_name: str | None) -> bool:
        """Whether this request counts against a limit (one applies to its route and method, and the account's
        limits are on)."""
        limit = self.by_route.get(route_name or "")
        return limit is not None and limit.verb == method and self.enabled(account_id)

    def count(self, account_id: str, route_name: str) -> None:
        """Count a request that counts (counts()), or refuse it (413 with Retry-After) when its limit is used up; a
        refused request does not count."""
        limit = self.by_route[route_name]
        now = self.backend.clock.time()
        with self.backend.bookkeeping():
            counted, _, start = self.repo.hit(account_id, limit.key, now, WINDOW, limit.value)
        if not counted:
            retry_after = max(1, math.ceil(start + WINDOW - now))
            raise rate_limited(
                retry_after, f"Only {limit.value} {limit.verb} request(s) can be made to {limit.uri} every minute."
            )

    def report(self, account_id: str) -> list[dict]:
        """GET /limits: the absolute limits, then each rate limit with remaining and nextAvailable."""
        instances = self.backend.instances
        config = self.backend.config
        out = [
            {
                "verb": "ABSOLUTE",
                "max_instances": instances.quota(account_id, "instances", config.max_instances),
                "max_backups": instances.quota(account_id, "backups", config.max_backups),
                "max_volume_size": config.max_volume_size,
            }
        ]
        now = self.backend.clock.time()
        counters = self.repo.counters(account_id)
        for limit in self.rates:
            counter = counters.get(limit.key)
            used = counter["count"] if counter and now - counter["window_start"] < WINDOW else 0
            remaining = max(0, limit.value - used)
            next_available = counter["window_start"] + WINDOW if counter and not remaining else now
            out.append(
                {
                    "verb": limit.verb,
                    "uri": limit.uri,
                    "regex": limit.regex,
                    "value": limit.value,
                    "remaining": remaining,
                    "unit": "MINUTE",
                    "nextAvailable": _iso(next_available),
                }
            )
        return out

    def set_enabled(self, account_id: str, enabled: bool) -> None:
        """Turn an account's rate limits on or off (its counters start afresh)."""
        if self.backend.store.accounts.get(account_id) is None:
            raise ItemNotFound(f"Account {account_id} cannot be found.")
        self.backend.store.accounts.update_settings(account_id, rate_limits=enabled)
        self.repo.clear_counters(account_id)
