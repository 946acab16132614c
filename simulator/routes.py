"""The operation table: one row per operation of the API (method, path, handler, route name, request schema,
answer, cached or not, summary). The aiohttp routes, the read cache's list, the rate limits' routes, the OpenAPI
document (handlers/openapi.py) and docs/api-coverage.md are all made from these rows.

Route names are the operation ids of the journal, faults and coverage."""

from __future__ import annotations

import re

from aiohttp import web

from simulator.backend.limits import RateLimit, rate_limits
from simulator.handlers import (
    backups,
    catalog,
    configurations,
    databases,
    ha,
    identity,
    instances,
    limits,
    openapi,
    schedules,
    trove_only,
)
from simulator.http import Operation
from simulator.keys import REGION
from simulator.reference import regions
from simulator.route_index import index_api
from simulator.views.common import many, one, ref

API = "/v1.0/{account_id}"
INSTANCE = API + "/instances/{instance_id}"
USER = INSTANCE + "/users/{user}"
CONFIGURATION = API + "/configurations/{configuration_id}"
HA = API + "/ha/{ha_id}"
DATASTORE_VERSION = API + "/datastores/{datastore_id}/versions/{version_id}"
PAGED = ("limit", "marker")
#: Trove-only paths answer a 404 that says so. They are not operations of this API, so they have no name and are
#: not in OPERATIONS; they come after it (an API call never tries them).
TROVE_ONLY = [
    web.route(
        "*", API + "/{collection:(?:" + trove_only.TROVE_COLLECTIONS + ")(?:/.*)?}", trove_only.not_in_cloud_databases
    ),
    web.route(
        "*", INSTANCE + "/{part:(?:" + trove_only.TROVE_INSTANCE_PARTS + ")(?:/.*)?}", trove_only.not_in_cloud_databases
    ),
]

ROOT_PASSWORD = {
    "type": "object",
    "properties": {
        "user": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "password": {"type": "string"}},
            "required": ["name", "password"],
            "additionalProperties": False,
        }
    },
    "required": ["user"],
}
ROOT_STATUS = {"type": "object", "properties": {"rootEnabled": {"type": "boolean"}}, "required": ["rootEnabled"]}
INSTANCE_CONFIGURATION = {
    "type": "object",
    "properties": {
        "instance": {
            "type": "object",
            "properties": {"configuration": {"type": "object", "additionalProperties": {"type": "string"}}},
            "required": ["configuration"],
        }
    },
    "required": ["instance"],
}
CONFIGURATION_INSTANCES = {
    "type": "object",
    "properties": {
        "instances": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
                "required": ["id", "name"],
                "additionalProperties": False,
            },
        },
        "links": ref("Links"),
    },
    "required": ["instances"],
}
CONFIGURATION_DEFAULTS = {
    "type": "object",
    "properties": {
        "datastore": {"type": "string"},
        "datastore_version": {"type": "string"},
        "flavor": {"type": "integer"},
        "configuration": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "default": {"type": "string"},
                    "type": {"type": "string"},
                    "restart_required": {"type": "boolean"},
                    "min": {"type": "integer"},
                    "max": {"type": "integer"},
                },
                "required": ["default"],
            },
        },
    },
    "required": ["datastore", "datastore_version", "flavor", "configuration"],
}
PARAMETERS = many("configuration-parameters", "ConfigurationParameter")
TOKEN_ERRORS = (400, 401, 403, 405, 413, 415, 500, 501, 503)

Op = Operation
#: aiohttp tries the /v1.0/{account_id} routes in this order, so the most used ones (instances) come first.
# fmt: off
OPERATIONS: tuple[Operation, ...] = (
    Op("GET", "/", catalog.list_versions, "list_versions", "List API versions",
       answer=many("versions", "VersionDocument"), cached=True),
    Op("GET", "/v1.0", catalog.show_version, "show_version", "Version details",
       answer=one("version", "VersionDocument"), cached=True),
    Op("GET", "/v1.0/", catalog.show_version, "show_version_slash", "Version details (trailing slash)",
       answer=one("version", "VersionDocument"), cached=True),
    Op("GET", "/v2.0", identity.identity_version, "identity_version", "Identity v2.0 version document",
       answer=ref("IdentityVersion")),
    Op("GET", "/v2.0/", identity.identity_version, "identity_version_slash",
       "Identity v2.0 version document (trailing slash)", answer=ref("IdentityVersion")),
    Op("POST", "/v2.0/tokens", identity.create_token, "create_token",
       "Authenticate (apiKey, password or token) and get a token", body="auth", answer=ref("Access"),
       errors=TOKEN_ERRORS),
    Op("GET", "/openapi.json", openapi.show_openapi, "openapi", "The OpenAPI 3.1 document of this API",
       answer={"type": "object"}),
    # instances
    Op("GET", API + "/instances", instances.list_instances, "list_instances", "List instances (paged)",
       answer=many("instances", "InstanceSummary", paged=True), cached=True,
       query=(*PAGED, "include_replicas", "include_ha")),
    Op("POST", API + "/instances", instances.create_instance, "create_instance",
       "Create an instance, restore one from a backup (restorePoint) or create a replica (replica_of)",
       body=("instance_create", "replica_create"), answer=one("instance", "Instance")),
    Op("GET", INSTANCE, instances.show_instance, "show_instance", "Show an instance",
       answer=one("instance", "Instance"), cached=True),
    Op("PATCH", INSTANCE, instances.patch_instance, "patch_instance",
       "Rename, attach or detach a configuration group, upgrade the datastore version, or detach a replica",
       body="instance_update", status=202),
    Op("PUT", INSTANCE, instances.put_instance, "put_instance",
       "Attach or detach a configuration group, upgrade the datastore version, or rename",
       body="instance_update", status=202),
    Op("DELETE", INSTANCE, instances.delete_instance, "delete_instance", "Delete an instance", status=202),
    Op("POST", INSTANCE + "/action", instances.instance_action, "instance_action",
       "Restart, resize flavor or volume, save_logs; upgrade (checked, then 501: replication-based) and "
       "convert_to_ha (501)", body="instance_action", status=202),
    Op("POST", INSTANCE + "/root", instances.enable_root, "enable_root", "Enable root (returns the generated password)",
       answer=ROOT_PASSWORD),
    Op("GET", INSTANCE + "/root", instances.root_status, "root_status", "Has root ever been enabled?",
       answer=ROOT_STATUS, cached=True),
    Op("GET", INSTANCE + "/backups", backups.list_instance_backups, "list_instance_backups",
       "Backups of an instance (paged)", answer=many("backups", "Backup", paged=True), cached=True, query=PAGED),
    Op("GET", INSTANCE + "/configuration", configurations.show_instance_configuration, "instance_configuration",
       "The instance's configuration: the flavor's defaults overlaid with its group's values",
       answer=INSTANCE_CONFIGURATION, cached=True),
    # flavors and datastores
    Op("GET", API + "/flavors", catalog.list_flavors, "list_flavors", "List flavors",
       answer=many("flavors", "Flavor"), cached=True),
    Op("GET", API + "/flavors/{flavor_id}", catalog.show_flavor, "show_flavor", "Show a flavor",
       answer=one("flavor", "Flavor"), cached=True),
    Op("GET", API + "/datastores", catalog.list_datastores, "list_datastores", "List datastores",
       answer=many("datastores", "Datastore"), cached=True),
    Op("GET", API + "/datastores/versions/{version_id}", catalog.show_version_by_id, "show_datastore_version_by_id",
       "Show a datastore version by id", answer=one("version", "DatastoreVersion"), cached=True),
    Op("GET", API + "/datastores/{datastore_id}", catalog.show_datastore, "show_datastore", "Show a datastore",
       answer=one("datastore", "Datastore"), cached=True),
    Op("GET", API + "/datastores/{datastore_id}/versions", catalog.list_datastore_versions, "list_datastore_versions",
       "List a datastore's versions", answer=many("versions", "DatastoreVersion"), cached=True),
    Op("GET", DATASTORE_VERSION, catalog.show_datastore_version, "show_datastore_version",
       "Show a datastore version", answer=one("version", "DatastoreVersion"), cached=True),
    Op("GET", DATASTORE_VERSION + "/flavors", catalog.list_version_flavors, "list_datastore_version_flavors",
       "Flavors of a datastore version", answer=many("flavors", "Flavor"), cached=True),
    # databases and users
    Op("GET", INSTANCE + "/databases", databases.list_databases, "list_databases", "List databases (paged)",
       answer=many("databases", "DatabaseName", paged=True), cached=True, query=PAGED),
    Op("POST", INSTANCE + "/databases", databases.create_databases, "create_databases", "Create databases",
       body="databases_create", status=202),
    Op("DELETE", INSTANCE + "/databases/{name}", databases.delete_database, "delete_database", "Delete a database",
       status=202),
    Op("GET", INSTANCE + "/users", databases.list_users, "list_users", "List users (paged)",
       answer=many("users", "DatabaseUser", paged=True), cached=True, query=PAGED),
    Op("POST", INSTANCE + "/users", databases.create_users, "create_users", "Create users",
       body="users_create", status=202),
    Op("PUT", INSTANCE + "/users", databases.change_passwords, "change_passwords", "Change users' passwords",
       body="users_password", status=202),
    Op("GET", USER, databases.show_user, "show_user", "Show a user", answer=one("user", "DatabaseUser"), cached=True),
    Op("PUT", USER, databases.update_user, "update_user", "Change a user's name, host or password",
       body="user_update", status=202),
    Op("DELETE", USER, databases.delete_user, "delete_user", "Delete a user", status=202),
    Op("GET", USER + "/databases", databases.list_user_access, "list_user_access", "Databases a user may access",
       answer=many("databases", "DatabaseName"), cached=True),
    Op("PUT", USER + "/databases", databases.grant_user_access, "grant_user_access",
       "Grant a user access to databases", body="grant", status=202),
    Op("DELETE", USER + "/databases/{name}", databases.revoke_user_access, "revoke_user_access",
       "Revoke a user's access to a database", status=202),
    # backups and schedules
    Op("GET", API + "/backups", backups.list_backups, "list_backups",
       "List backups (newest first, paged by integer offset)", answer=many("backups", "Backup", paged=True),
       cached=True, query=(*PAGED, "datastore", "instance_id")),
    Op("POST", API + "/backups", backups.create_backup, "create_backup",
       "Create a backup (full, or incremental with parent_id)", body="backup_create", status=202,
       answer=one("backup", "Backup")),
    Op("GET", API + "/backups/{backup_id}", backups.show_backup, "show_backup", "Show a backup",
       answer=one("backup", "Backup"), cached=True),
    Op("DELETE", API + "/backups/{backup_id}", backups.delete_backup, "delete_backup",
       "Delete a backup and its incrementals", status=202),
    Op("POST", API + "/backups/{backup_id}/action", backups.backup_action, "backup_action",
       "Copy a backup to another region (copy-backup)", body="backup_action", status=202),
    Op("GET", API + "/schedules", schedules.list_schedules, "list_schedules", "List backup schedules",
       answer=many("schedules", "Schedule")),
    Op("POST", API + "/schedules", schedules.create_schedule, "create_schedule", "Create a backup schedule",
       body="schedule_create", status=202, answer=one("schedule", "Schedule")),
    Op("GET", API + "/schedules/{schedule_id}", schedules.show_schedule, "show_schedule", "Show a schedule",
       answer=one("schedule", "Schedule")),
    Op("PUT", API + "/schedules/{schedule_id}", schedules.update_schedule, "update_schedule",
       "Change a schedule (or run it now)", body="schedule_update", status=202),
    Op("DELETE", API + "/schedules/{schedule_id}", schedules.delete_schedule, "delete_schedule", "Delete a schedule",
       status=202),
    # configuration groups and parameters
    Op("GET", API + "/configurations", configurations.list_configurations, "list_configurations",
       "List configuration groups (paged by id)", answer=many("configurations", "Configuration", paged=True),
       cached=True, query=PAGED),
    Op("POST", API + "/configurations", configurations.create_configuration, "create_configuration",
       "Create a configuration group (200 with the group)", body="configuration_create",
       answer=one("configuration", "ConfigurationDetail")),
    Op("GET", CONFIGURATION, configurations.show_configuration, "show_configuration",
       "Show a configuration group with its values and instance count",
       answer=one("configuration", "ConfigurationDetail"), cached=True),
    Op("PATCH", CONFIGURATION, configurations.edit_configuration, "edit_configuration",
       "Merge values into a configuration group (200, empty body)", body="configuration_edit"),
    Op("PUT", CONFIGURATION, configurations.update_configuration, "update_configuration",
       "Replace a configuration group's values (and name, description)", body="configuration_update", status=202),
    Op("DELETE", CONFIGURATION, configurations.delete_configuration, "delete_configuration",
       "Delete a configuration group (400 while attached)", status=202),
    Op("GET", CONFIGURATION + "/instances", configurations.list_configuration_instances,
       "list_configuration_instances", "The instances using a configuration group",
       answer=CONFIGURATION_INSTANCES, cached=True, query=PAGED),
    Op("GET", API + "/datastores/versions/{version_id}/parameters", configurations.list_parameters,
       "list_version_parameters", "The parameters a configuration group may set", answer=PARAMETERS, cached=True),
    Op("GET", API + "/datastores/versions/{version_id}/parameters/{parameter}", configurations.show_parameter,
       "show_version_parameter", "One configuration parameter", answer=ref("ConfigurationParameter"), cached=True),
    Op("GET", DATASTORE_VERSION + "/parameters", configurations.list_parameters, "list_datastore_version_parameters",
       "The parameters a configuration group may set", answer=PARAMETERS, cached=True),
    Op("GET", DATASTORE_VERSION + "/parameters/{parameter}", configurations.show_parameter,
       "show_datastore_version_parameter", "One configuration parameter", answer=ref("ConfigurationParameter"),
       cached=True),
    Op("GET", API + "/datastore/version/{version_id}/configuration/{flavor_id}", configurations.show_version_defaults,
       "show_version_configuration_defaults",
       "The defaults a flavor implies on a datastore version, with each parameter's details",
       answer=CONFIGURATION_DEFAULTS, cached=True),
    # limits, replicas, HA groups
    Op("GET", API + "/limits", limits.show_limits, "show_limits", "Rate and absolute limits",
       answer=many("limits", "Limit")),
    Op("GET", INSTANCE + "/replicas", instances.list_replicas, "list_replicas", "An instance's replicas",
       answer=many("instances", "InstanceSummary"), cached=True),
    Op("GET", API + "/ha", ha.list_ha_instances, "list_ha_instances", "HA instance groups",
       answer=many("ha_instances", "HaInstanceSummary"), cached=True),
    Op("POST", API + "/ha", ha.create_ha_instance, "create_ha_instance",
       "Create an HA instance group (a source and 1 or 2 replicas)", body="ha_create", status=202,
       answer=one("ha_instance", "HaInstance")),
    Op("GET", HA, ha.show_ha_instance, "show_ha_instance", "An HA instance group with its nodes, ACLs and networks",
       answer=one("ha_instance", "HaInstance"), cached=True),
    Op("PATCH", HA, ha.update_ha_instance, "update_ha_instance", "Attach or detach a configuration group",
       body="ha_update", status=202),
    Op("DELETE", HA, ha.delete_ha_instance, "delete_ha_instance", "Delete an HA instance group and its nodes",
       status=202),
    Op("POST", HA + "/action", ha.ha_action, "ha_action",
       "HA group action (add_replica, remove_replica, resize_volumes, resize_flavor, restart, upgrade); "
       "an upgrade answers the group in UPGRADING, the others an empty body",
       body="ha_action", status=202, answer={"type": "object", "properties": {"ha_instance": ref("HaUpgrade")}}),
    Op("GET", HA + "/acls", ha.list_ha_acls, "list_ha_acls", "An HA group's ACLs", answer=many("acls", "HaAcl"),
       cached=True),
    Op("POST", HA + "/acls", ha.add_ha_acl, "add_ha_acl", "Allow an address (CIDR) to reach the group",
       body="ha_acl"),
    Op("DELETE", HA + "/acls/{address:.+}", ha.delete_ha_acl, "delete_ha_acl",
       "Remove an ACL (ACLNotFound when the group lacks it)", status=202),
    Op("GET", HA + "/backups", ha.list_ha_backups, "list_ha_backups", "Backups of an HA group (paged)",
       answer=many("backups", "Backup", paged=True), cached=True, query=PAGED),
)
# fmt: on

ROUTES = [op.route() for op in OPERATIONS]
#: The operations under /v1.0/{account_id}, which the router finds through one index entry (route_index.py).
API_NAMES = tuple(op.name for op in OPERATIONS if op.path.startswith(API + "/"))
#: The reads whose rendered answer is reused until the model changes (the rows that say cached).
CACHED_READS = frozenset(op.name for op in OPERATIONS if op.cached)
#: The documented rate limits, on the routes of these rows (verb and regex from the row's method and path).
RATE_LIMITS: tuple[RateLimit, ...] = rate_limits(
    (op.name, op.method, op.path.removeprefix(API)) for op in OPERATIONS if op.path.startswith(API + "/")
)


def setup_routes(app: web.Application, region: str) -> None:
    """Register the API table and the Trove-only paths for the configured region, then every other region's API
    as a sub-app at its prefix (the control plane is a sub-app that create_app mounts after them)."""
    app.router.add_routes(ROUTES)
    index_api(app.router, API, API_NAMES)  # before the Trove-only paths: they are still tried after the API's
    app.router.add_routes(TROVE_ONLY)
    for other in regions.other_regions(region):
        app.add_subapp(regions.prefix(other), region_app(other))


def region_app(region: str) -> web.Application:
    """Another region's API: the account routes of the table, under the same names (the pipeline is the parent
    app's); its handlers find the region under REGION. Its resources are RegionResources: no pattern compiled per
    region."""
    sub = web.Application()
    sub[REGION] = region
    for op in OPERATIONS:
        if op.path.startswith(API):
            _add_region_route(sub.router, op.method, op.path, op.handler, op.name)
    for route in TROVE_ONLY:
        _add_region_route(sub.router, route.method, route.path, route.handler, None)
    return sub


def _parsed(path: str) -> tuple[re.Pattern[str], str]:
    """A route path's pattern and formatter, as aiohttp's DynamicResource makes them."""
    resource = web.DynamicResource(path)
    return resource._pattern, resource._formatter


#: The pattern and formatter of each path the region sub-apps serve, made once: aiohttp parses a path (requoting each
#: part, escaping it, compiling the whole) each time it makes a resource, and every app makes 5 region sub-apps of
#: 67 routes on 43 paths each (17 % of four tests/api modules' CPU under py-spy, pytest's own start included).
REGION_PATHS: dict[str, tuple[re.Pattern[str], str]] = {
    path: _parsed(path)
    for path in [*(op.path for op in OPERATIONS if op.path.startswith(API)), *(route.path for route in TROVE_ONLY)]
}


def _add_region_route(router: web.UrlDispatcher, method: str, path: str, handler, name: str | None) -> None:
    """What router.add_route(method, path, handler, name=name, allow_head=False) does, on a RegionResource."""
    resource = RegionResource(path, name=name)
    router.register_resource(resource)
    resource.add_route(method, handler)


class RegionResource(web.DynamicResource):
    """A route of another region's sub-app: its region prefix is matched as a string, the rest by the table's own
    pattern (the same for every region, so re compiles it once). aiohttp's add_prefix compiles a new pattern for
    each region's copy of each route: 5 x 90 patterns, most of a server start's route registration (issue 25)."""

    def __init__(self, path: str, *, name: str | None = None) -> None:
        parsed = REGION_PATHS.get(path)
        if parsed is None:
            super().__init__(path, name=name)
        else:  # what DynamicResource.__init__ sets, from the path parsed once
            web.Resource.__init__(self, name=name)
            self._orig_path = path
            self._pattern, self._formatter = parsed
        self._region_prefix = ""

    def add_prefix(self, prefix: str) -> None:
        """Mounted under prefix (add_subapp): only the formatter (canonical, url_for) grows; the pattern stays."""
        self._region_prefix = prefix + self._region_prefix
        self._formatter = prefix + self._formatter

    def _match(self, path: str) -> dict[str, str] | None:
        if not path.startswith(self._region_prefix):
            return None
        return super()._match(path[len(self._region_prefix) :])

    def get_info(self):
        """As aiohttp's: the formatter and the whole path's pattern (compiled here, as only introspection asks)."""
        return {
            "formatter": self._formatter,
            "pattern": re.compile(re.escape(self._region_prefix) + self._pattern.pattern),
        }
