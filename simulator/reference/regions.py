"""Regions: the Cloud Databases regions, where each one's API lives on this server, and the key that keeps an
account's resources in one region apart from its resources in another (a leaf module, like the catalog).

The configured region is served where it always was (/v1.0/{account}); every other region under its own lower-case
prefix (/iad/v1.0/{account}), as https://iad.databases.api.rackspacecloud.com is its own host. The API's rules
work on an account *scope*: the account id itself in the configured region, "<account>@<REGION>" in another (an
account id never holds "@"), so every resource of another region is a row of another scope."""

from __future__ import annotations

#: Every Cloud Databases region, in the order the identity catalog lists the ones besides the configured one.
REGIONS = ("DFW", "ORD", "IAD", "LON", "HKG", "SYD")
#: Regions Cloud Databases never copies a backup to or from (LON is kept apart).
NO_COPIES = ("LON",)
#: Where a backup may be copied (copy-backup, copy_to): every region but those.
COPY_REGIONS = tuple(r for r in REGIONS if r not in NO_COPIES)
#: What joins an account and a region in a scope.
SEPARATOR = "@"


def other_regions(default: str) -> tuple[str, ...]:
    """The regions served under a prefix of their own (all but the configured one)."""
    return tuple(r for r in REGIONS if r != default.upper())


def prefix(region: str | None) -> str:
    """The path prefix of a region's API ('' for the configured region, which region None stands for)."""
    return f"/{region.lower()}" if region else ""


def scope(account_id: str, region: str | None) -> str:
    """The scope the rules work on for an account's call in a region (None: the configured region)."""
    return f"{account_id}{SEPARATOR}{region}" if region else account_id


def account_of(scope_key: str) -> str:
    """The account a scope belongs to."""
    return scope_key.split(SEPARATOR, 1)[0]


def region_of(scope_key: str) -> str | None:
    """The region of a scope (None: the configured region)."""
    parts = scope_key.split(SEPARATOR, 1)
    return parts[1] if len(parts) == 2 else None


def in_region(scope_key: str, region: str, default: str) -> str:
    """The same account's scope in another region (by name; the configured one is the bare account)."""
    region = region.upper()
    return scope(account_of(scope_key), None if region == default.upper() else region)


def region_name(scope_key: str, default: str) -> str:
    """The name of a scope's region (the configured region's name for the bare account)."""
    return region_of(scope_key) or default.upper()


def api_path_start(path: str) -> bool:
    """A path of the API in any region: /v1.0/... or /<region>/v1.0/..."""
    if path.startswith("/v1.0/"):
        return True
    head, _, rest = path[1:].partition("/")
    return len(head) == 3 and head.upper() in REGIONS and rest.startswith("v1.0/")
