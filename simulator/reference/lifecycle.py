"""The lifecycle vocabulary, in one home: the tasks an instance runs and the status each shows, the states of a
backup and of an HA group, which action starts which task or state, and the transitions the coverage report knows.

A leaf module like the catalog: the backend's rules, the repositories (which backups are running) and the coverage
report (simulator/coverage.py) all read it."""

from __future__ import annotations

# instances ---------------------------------------------------------------------------------------------------------
#: The tasks of an instance (its `task` column; none when it is at rest in its `status`).
BUILD, REBOOT, RESIZE, SHUTDOWN, UPGRADE = "BUILD", "REBOOT", "RESIZE", "SHUTDOWN", "UPGRADE"
RESTART_REQUIRED, RESTART, VERIFY_UPGRADE = "RESTART_REQUIRED", "RESTART", "VERIFY_UPGRADE"
DETACH, PROMOTE, EJECT, CONVERT_TO_HA = "DETACH_REPLICA", "PROMOTE", "EJECT", "CONVERT_TO_HA"
#: Task -> status shown while it runs, and the word Trove's 422 gate uses for it. RESTART_REQUIRED and
#: VERIFY_UPGRADE have no end of their own: a restart ends the first, the upgraded replica's detach the second.
TASKS = {
    BUILD: (BUILD, "BUILDING"),
    REBOOT: (REBOOT, "REBOOTING"),
    RESIZE: (RESIZE, "RESIZING"),
    SHUTDOWN: (SHUTDOWN, "DELETING"),
    UPGRADE: (UPGRADE, "UPGRADING"),
    RESTART_REQUIRED: (RESTART_REQUIRED, RESTART_REQUIRED),
    RESTART: (RESTART, "RESTARTING"),
    DETACH: (DETACH, "DETACHING"),
    PROMOTE: (PROMOTE, "PROMOTING"),
    EJECT: (EJECT, "EJECTING"),
    VERIFY_UPGRADE: (VERIFY_UPGRADE, VERIFY_UPGRADE),
    CONVERT_TO_HA: (CONVERT_TO_HA, "CONVERTING_TO_HA"),
}
#: The statuses an instance rests in (its `status` column), and the one it shows while a backup of it runs.
ACTIVE, ERROR, BACKUP = "ACTIVE", "ERROR", "BACKUP"
#: Statuses in which databases, users and root can be managed.
READY_STATUSES = (ACTIVE, RESTART_REQUIRED, VERIFY_UPGRADE)
#: The task each accepted instance action starts (POST /instances/{id}/action, by body key); save_logs starts none.
ACTION_TASKS = {
    "restart": REBOOT,
    "resize": RESIZE,
    "promote_to_replica_source": PROMOTE,
    "eject_replica_source": EJECT,
    "convert_to_ha": CONVERT_TO_HA,
    "upgrade": VERIFY_UPGRADE,
}

# backups -----------------------------------------------------------------------------------------------------------
NEW, BUILDING, COMPLETED, FAILED = "NEW", "BUILDING", "COMPLETED", "FAILED"
#: A backup in one of these is still being taken: its instance shows BACKUP, and it cannot be deleted.
RUNNING_BACKUP_STATUSES = (NEW, BUILDING)

# HA instance groups ------------------------------------------------------------------------------------------------
#: Group state while its nodes build, and the stable state between operations.
HA_BUILD, HA_ACTIVE = "BUILD", "ACTIVE"
#: The state each accepted group action shows until it ends (POST /ha/{id}/action, by body key).
HA_ACTION_STATES = {
    "add_replica": "ADDING_REPLICA",
    "remove_replica": "REMOVING_REPLICA",
    "resize_volumes": "RESIZING_VOLUME",
    "resize_flavor": "RESIZING_FLAVOR",
    "restart": "REBOOT",
    "upgrade": "UPGRADING",
}
#: The group's other operations: a delete, and a failover (a fault) that goes on to build a new node.
HA_DELETING, HA_FAILOVER = "DELETING", "HA_FAILOVER"
#: The error state an operation ends in when it fails (model faults), by operation.
HA_ERROR_STATES = {
    HA_BUILD: "ERROR",
    "ADDING_REPLICA": "ADD_REPLICA_FAIL",
    "REMOVING_REPLICA": "REMOVE_REPLICA_ERROR",
    "RESIZING_VOLUME": "VOLUME_RESIZE_ERROR",
    "RESIZING_FLAVOR": "RESIZE_FLAVOR_ERROR",
    HA_DELETING: "DELETION-ERROR",
    HA_FAILOVER: "ERROR",
    "REBOOT": "ERROR",
    "UPGRADING": "ERROR",
}

# the transitions a client can drive and observe ------------------------------------------------------------------
#: Each label is "<thing> <from> -> <to>" (the coverage report's list, in its order).
LIFECYCLE = (
    "instance BUILD -> ACTIVE",
    "instance BUILD -> ERROR",
    "instance ACTIVE -> REBOOT",
    "instance REBOOT -> ACTIVE",
    "instance ACTIVE -> RESIZE",
    "instance RESIZE -> ACTIVE",
    "instance ACTIVE -> RESTART_REQUIRED",
    "instance RESTART_REQUIRED -> REBOOT",
    "instance ACTIVE -> UPGRADE",
    "instance UPGRADE -> ACTIVE",
    "instance ACTIVE -> BACKUP",
    "instance BACKUP -> ACTIVE",
    "instance ACTIVE -> SHUTDOWN",
    "instance SHUTDOWN -> deleted",
    "backup (full) NEW -> COMPLETED",
    "backup (incremental) NEW -> COMPLETED",
    "backup NEW -> FAILED",
    "backup COMPLETED -> deleted",
    "restore from full backup: BUILD -> ACTIVE",
    "restore from incremental backup: BUILD -> ACTIVE",
    "restore: BUILD -> ERROR",
    "restore refused (4xx)",
    "replica BUILD -> ACTIVE",
    "instance ACTIVE -> RESTART",
    "instance RESTART -> ACTIVE",
    "instance ACTIVE -> DETACH_REPLICA",
    "instance DETACH_REPLICA -> ACTIVE",
    "instance ACTIVE -> PROMOTE",
    "instance PROMOTE -> ACTIVE",
    "instance ACTIVE -> EJECT",
    "instance EJECT -> ACTIVE",
    "instance ACTIVE -> VERIFY_UPGRADE",
    "instance VERIFY_UPGRADE -> ACTIVE",
    "instance ACTIVE -> ERROR",
    "ha BUILD -> ACTIVE",
    "ha ACTIVE -> ADDING_REPLICA",
    "ha ADDING_REPLICA -> ACTIVE",
    "ha ACTIVE -> REMOVING_REPLICA",
    "ha REMOVING_REPLICA -> ACTIVE",
    "ha ACTIVE -> RESIZING_VOLUME",
    "ha RESIZING_VOLUME -> ACTIVE",
    "ha ACTIVE -> RESIZING_FLAVOR",
    "ha RESIZING_FLAVOR -> ACTIVE",
    "ha ACTIVE -> REBOOT",
    "ha REBOOT -> ACTIVE",
    "ha ACTIVE -> UPGRADING",
    "ha UPGRADING -> ACTIVE",
    "ha ACTIVE -> HA_FAILOVER",
    "ha HA_FAILOVER -> ADDING_REPLICA",
    "ha ACTIVE -> DELETING",
    "ha DELETING -> deleted",
)


def labels(item: dict) -> list[str]:
    """The coverage labels of one transition the model carried out (repos/lifecycle.py): "<thing> <from> -> <to>",
    and the specific ones the vocabulary names (a replica's or a restore's build, a backup's type, an instance that
    shows BACKUP while a backup of it runs). A creation has none of its own."""
    kind, before, after, detail = item["kind"], item["before"], item["after"], item.get("detail") or {}
    if kind == "backup":
        return _backup_labels(before, after, detail)
    if before is None:
        return []
    out = [f"{kind} {before} -> {after or 'deleted'}"]
    if kind == "instance" and before == BUILD:
        if after == ACTIVE and detail.get("replica_of"):
            out.insert(0, f"replica {BUILD} -> {ACTIVE}")
        restore = detail.get("restore")
        if restore and restore != "unknown" and after == ACTIVE:
            out.insert(0, f"restore from {restore} backup: {BUILD} -> {ACTIVE}")
        elif restore and after == ERROR:
            out.insert(0, f"restore: {BUILD} -> {ERROR}")
    return out


def _backup_labels(before: str | None, after: str | None, detail: dict) -> list[str]:
    """A backup's own transitions, and its instance's BACKUP while the first one starts and the last one ends."""
    instance_at_rest = detail.get("instance_shows") == ACTIVE
    if before is None:
        return [f"instance {ACTIVE} -> {BACKUP}"] if instance_at_rest and detail.get("running") == 1 else []
    if after is None:
        return [f"backup {before} -> deleted"]
    out = []
    if before in RUNNING_BACKUP_STATUSES and after == COMPLETED:
        out.append(f"backup ({detail.get('type') or 'full'}) {NEW} -> {COMPLETED}")
    elif before in RUNNING_BACKUP_STATUSES and after == FAILED:
        out.append(f"backup {NEW} -> {FAILED}")
    else:
        out.append(f"backup {before} -> {after}")
    ended = before in RUNNING_BACKUP_STATUSES and after not in RUNNING_BACKUP_STATUSES
    if ended and instance_at_rest and not detail.get("running"):
        out.append(f"instance {BACKUP} -> {ACTIVE}")
    return out
