"""The whole route table: named routes (the names are the operation ids of the journal, faults and coverage)."""

from __future__ import annotations

from aiohttp import web

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
from simulator.keys import REGION
from simulator.reference import regions

API = "/v1.0/{account_id}"
INSTANCE = API + "/instances/{instance_id}"
USER = INSTANCE + "/users/{user}"
CONFIGURATION = API + "/configurations/{configuration_id}"
HA = API + "/ha/{ha_id}"
VERSION_PARAMETERS = API + "/datastores/{datastore_id}/versions/{version_id}/parameters"
#: Trove-only paths answer a 404 that says so. They are not operations of this API, so they have no name and are
#: not in ROUTES; they come after it (an API call never tries them).
TROVE_ONLY = [
    web.route(
        "*", API + "/{collection:(?:" + trove_only.TROVE_COLLECTIONS + ")(?:/.*)?}", trove_only.not_in_cloud_databases
    ),
    web.route(
        "*", INSTANCE + "/{part:(?:" + trove_only.TROVE_INSTANCE_PARTS + ")(?:/.*)?}", trove_only.not_in_cloud_databases
    ),
]

#: aiohttp tries the /v1.0/{account_id} routes in this order, so the most used ones (instances) come first.
ROUTES = [
    web.get("/", catalog.list_versions, name="list_versions", allow_head=False),
    web.get("/v1.0", catalog.show_version, name="show_version", allow_head=False),
    web.get("/v1.0/", catalog.show_version, name="show_version_slash", allow_head=False),
    web.get("/v2.0", identity.identity_version, name="identity_version", allow_head=False),
    web.get("/v2.0/", identity.identity_version, name="identity_version_slash", allow_head=False),
    web.post("/v2.0/tokens", identity.create_token, name="create_token"),
    web.get("/openapi.json", openapi.show_openapi, name="openapi", allow_head=False),
    web.get(API + "/instances", instances.list_instances, name="list_instances", allow_head=False),
    web.post(API + "/instances", instances.create_instance, name="create_instance"),
    web.get(INSTANCE, instances.show_instance, name="show_instance", allow_head=False),
    web.patch(INSTANCE, instances.patch_instance, name="patch_instance"),
    web.put(INSTANCE, instances.put_instance, name="put_instance"),
    web.delete(INSTANCE, instances.delete_instance, name="delete_instance"),
    web.post(INSTANCE + "/action", instances.instance_action, name="instance_action"),
    web.post(INSTANCE + "/root", instances.enable_root, name="enable_root"),
    web.get(INSTANCE + "/root", instances.root_status, name="root_status", allow_head=False),
    web.get(INSTANCE + "/backups", backups.list_instance_backups, name="list_instance_backups", allow_head=False),
    web.get(
        INSTANCE + "/configuration",
        configurations.show_instance_configuration,
        name="instance_configuration",
        allow_head=False,
    ),
    web.get(API + "/flavors", catalog.list_flavors, name="list_flavors", allow_head=False),
    web.get(API + "/flavors/{flavor_id}", catalog.show_flavor, name="show_flavor", allow_head=False),
    web.get(API + "/datastores", catalog.list_datastores, name="list_datastores", allow_head=False),
    web.get(
        API + "/datastores/versions/{version_id}",
        catalog.show_version_by_id,
        name="show_datastore_version_by_id",
        allow_head=False,
    ),
    web.get(API + "/datastores/{datastore_id}", catalog.show_datastore, name="show_datastore", allow_head=False),
    web.get(
        API + "/datastores/{datastore_id}/versions",
        catalog.list_datastore_versions,
        name="list_datastore_versions",
        allow_head=False,
    ),
    web.get(
        API + "/datastores/{datastore_id}/versions/{version_id}",
        catalog.show_datastore_version,
        name="show_datastore_version",
        allow_head=False,
    ),
    web.get(
        API + "/datastores/{datastore_id}/versions/{version_id}/flavors",
        catalog.list_version_flavors,
        name="list_datastore_version_flavors",
        allow_head=False,
    ),
    web.get(INSTANCE + "/databases", databases.list_databases, name="list_databases", allow_head=False),
    web.post(INSTANCE + "/databases", databases.create_databases, name="create_databases"),
    web.delete(INSTANCE + "/databases/{name}", databases.delete_database, name="delete_database"),
    web.get(INSTANCE + "/users", databases.list_users, name="list_users", allow_head=False),
    web.post(INSTANCE + "/users", databases.create_users, name="create_users"),
    web.put(INSTANCE + "/users", databases.change_passwords, name="change_passwords"),
    web.get(USER, databases.show_user, name="show_user", allow_head=False),
    web.put(USER, databases.update_user, name="update_user"),
    web.delete(USER, databases.delete_user, name="delete_user"),
    web.get(USER + "/databases", databases.list_user_access, name="list_user_access", allow_head=False),
    web.put(USER + "/databases", databases.grant_user_access, name="grant_user_access"),
    web.delete(USER + "/databases/{name}", databases.revoke_user_access, name="revoke_user_access"),
    web.get(API + "/backups", backups.list_backups, name="list_backups", allow_head=False),
    web.post(API + "/backups", backups.create_backup, name="create_backup"),
    web.get(API + "/backups/{backup_id}", backups.show_backup, name="show_backup", allow_head=False),
    web.delete(API + "/backups/{backup_id}", backups.delete_backup, name="delete_backup"),
    web.post(API + "/backups/{backup_id}/action", backups.backup_action, name="backup_action"),
    web.get(API + "/schedules", schedules.list_schedules, name="list_schedules", allow_head=False),
    web.post(API + "/schedules", schedules.create_schedule, name="create_schedule"),
    web.get(API + "/schedules/{schedule_id}", schedules.show_schedule, name="show_schedule", allow_head=False),
    web.put(API + "/schedules/{schedule_id}", schedules.update_schedule, name="update_schedule"),
    web.delete(API + "/schedules/{schedule_id}", schedules.delete_schedule, name="delete_schedule"),
    web.get(API + "/configurations", configurations.list_configurations, name="list_configurations", allow_head=False),
    web.post(API + "/configurations", configurations.create_configuration, name="create_configuration"),
    web.get(CONFIGURATION, configurations.show_configuration, name="show_configuration", allow_head=False),
    web.patch(CONFIGURATION, configurations.edit_configuration, name="edit_configuration"),
    web.put(CONFIGURATION, configurations.update_configuration, name="update_configuration"),
    web.delete(CONFIGURATION, configurations.delete_configuration, name="delete_configuration"),
    web.get(
        CONFIGURATION + "/instances",
        configurations.list_configuration_instances,
        name="list_configuration_instances",
        allow_head=False,
    ),
    web.get(
        API + "/datastores/versions/{version_id}/parameters",
        configurations.list_parameters,
        name="list_version_parameters",
        allow_head=False,
    ),
    web.get(
        API + "/datastores/versions/{version_id}/parameters/{parameter}",
        configurations.show_parameter,
        name="show_version_parameter",
        allow_head=False,
    ),
    web.get(
        VERSION_PARAMETERS, configurations.list_parameters, name="list_datastore_version_parameters", allow_head=False
    ),
    web.get(
        VERSION_PARAMETERS + "/{parameter}",
        configurations.show_parameter,
        name="show_datastore_version_parameter",
        allow_head=False,
    ),
    web.get(
        API + "/datastore/version/{version_id}/configuration/{flavor_id}",
        configurations.show_version_defaults,
        name="show_version_configuration_defaults",
        allow_head=False,
    ),
    web.get(API + "/limits", limits.show_limits, name="show_limits", allow_head=False),
    web.get(INSTANCE + "/replicas", instances.list_replicas, name="list_replicas", allow_head=False),
    web.get(API + "/ha", ha.list_ha_instances, name="list_ha_instances", allow_head=False),
    web.post(API + "/ha", ha.create_ha_instance, name="create_ha_instance"),
    web.get(HA, ha.show_ha_instance, name="show_ha_instance", allow_head=False),
    web.patch(HA, ha.update_ha_instance, name="update_ha_instance"),
    web.delete(HA, ha.delete_ha_instance, name="delete_ha_instance"),
    web.post(HA + "/action", ha.ha_action, name="ha_action"),
    web.get(HA + "/acls", ha.list_ha_acls, name="list_ha_acls", allow_head=False),
    web.post(HA + "/acls", ha.add_ha_acl, name="add_ha_acl"),
    web.delete(HA + "/acls/{address:.+}", ha.delete_ha_acl, name="delete_ha_acl"),
    web.get(HA + "/backups", ha.list_ha_backups, name="list_ha_backups", allow_head=False),
]


#: GET routes whose answer depends only on the model, the path and query, and the public URL (not on the clock,
#: the caller or counters): their rendered answer is reused until the model changes.
CACHED_READS = frozenset(
    {
        "list_versions",
        "show_version",
        "show_version_slash",
        "list_flavors",
        "show_flavor",
        "list_datastores",
        "show_datastore_version_by_id",
        "show_datastore",
        "list_datastore_versions",
        "show_datastore_version",
        "list_datastore_version_flavors",
        "list_instances",
        "show_instance",
        "root_status",
        "list_instance_backups",
        "list_databases",
        "list_users",
        "show_user",
        "list_user_access",
        "list_backups",
        "show_backup",
        "list_configurations",
        "show_configuration",
        "list_configuration_instances",
        "instance_configuration",
        "list_version_parameters",
        "show_version_parameter",
        "list_datastore_version_parameters",
        "show_datastore_version_parameter",
        "show_version_configuration_defaults",
        "list_replicas",
        "list_ha_instances",
        "show_ha_instance",
        "list_ha_acls",
        "list_ha_backups",
    }
)


def setup_routes(app: web.Application, region: str) -> None:
    """Register the API table and the Trove-only paths for the configured region, then every other region's API
    as a sub-app at its prefix (the control plane is a sub-app that create_app mounts after them)."""
    app.router.add_routes(ROUTES)
    app.router.add_routes(TROVE_ONLY)
    for other in regions.other_regions(region):
        app.add_subapp(regions.prefix(other), region_app(other))


def region_app(region: str) -> web.Application:
    """Another region's API: the account routes of the table, under the same names (the pipeline is the parent
    app's); its handlers find the region under REGION."""
    sub = web.Application()
    sub[REGION] = region
    sub.router.add_routes([r for r in ROUTES if isinstance(r, web.RouteDef) and r.path.startswith(API)])
    sub.router.add_routes(TROVE_ONLY)
    return sub
