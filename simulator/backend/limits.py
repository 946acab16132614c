"""Rate limits: Rackspace's documented per-minute limits per verb and URI, counted per account on the clock."""

from __future__ import annotations

import datetime as dt
import math
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


def _limits() -> tuple[RateLimit, ...]:
    i, u = "/instances/{instanceId}", "/instances/{instanceId}/users/{name}"
    rx_i, rx_u = "^/instances/[^/]+", "^/instances/[^/]+/users/[^/]+"
    table = [
        ("create_instance", "POST", "/instances", "^/instances$", 20),
        ("list_instances", "GET", "/instances", "^/instances$", 100),
        ("show_instance", "GET", i, rx_i + "$", 100),
        ("delete_instance", "DELETE", i, rx_i + "$", 20),
        ("enable_root", "POST", i + "/root", rx_i + "/root$", 20),
        ("root_status", "GET", i + "/root", rx_i + "/root$", 100),
        ("instance_action", "POST", i + "/action", rx_i + "/action$", 5),
        ("create_databases", "POST", i + "/databases", rx_i + "/databases$", 20),
        ("list_databases", "GET", i + "/databases", rx_i + "/databases$", 100),
        ("delete_database", "DELETE", i + "/databases/{databaseName}", rx_i + "/databases/[^/]+$", 20),
        ("create_users", "POST", i + "/users", rx_i + "/users$", 50),
        ("list_users", "GET", i + "/users", rx_i + "/users$", 100),
        ("change_passwords", "PUT", i + "/users", rx_i + "/users$", 50),
        ("update_user", "PUT", u, rx_u + "$", 50),
        ("show_user", "GET", u, rx_u + "$", 100),
        ("delete_user", "DELETE", u, rx_u + "$", 50),
        ("list_user_access", "GET", u + "/databases", rx_u + "/databases$", 100),
        ("grant_user_access", "PUT", u + "/databases", rx_u + "/databases$", 50),
        ("revoke_user_access", "DELETE", u + "/databases/{databaseName}", rx_u + "/databases/[^/]+$", 50),
        ("list_flavors", "GET", "/flavors", "^/flavors$", 100),
        ("show_flavor", "GET", "/flavors/{flavorId}", "^/flavors/[^/]+$", 100),
        ("create_backup", "POST", "/backups", "^/backups$", 100),
        ("list_backups", "GET", "/backups", "^/backups$", 100),
        ("show_backup", "GET", "/backups/{backupId}", "^/backups/[^/]+$", 100),
        ("delete_backup", "DELETE", "/backups/{backupId}", "^/backups/[^/]+$", 20),
        ("list_instance_backups", "GET", i + "/backups", rx_i + "/backups$", 100),
    ]
    return tuple(RateLimit(*entry) for entry in table)


#: The documented table (cloud-databases-api §5.1); routes not in it are not rate-limited.
RATE_LIMITS = _limits()


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class Limits:
    """Counts requests per account and limit in one-minute windows of the simulator's clock."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.repo = backend.store.journal
        self.by_route = {limit.route: limit for limit in RATE_LIMITS}
        self._enabled = ModelCache(backend.model_version)

    def enabled(self, account_id: str) -> bool:
        """Whether the account's limits are on (asked on every limited request: kept while the model is unchanged)."""
        return self._enabled.fetch(account_id, lambda: self.backend.store.accounts.rate_limits_on(account_id))

    def check(self, account_id: str, method: str, path: str, route_name: str | None) -> None:
        """Count this request, or refuse it (413 with Retry-After) when its limit is used up; a refused
        request does not count."""
        limit = self.by_route.get(route_name or "")
        if limit is None or limit.verb != method or not self.enabled(account_id):
            return
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
        for limit in RATE_LIMITS:
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
