"""HA instance groups (cloud-databases-api §7.11): create, list, show and delete a group of one source and one or two
replicas, the state each operation shows on the simulator's clock, and what a group's nodes allow on their own."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
from typing import TYPE_CHECKING, Any

from simulator.backend.replication import check_flavor
from simulator.backend.schemas import validate
from simulator.clock import api_time
from simulator.errors import BadRequest, ItemNotFound, NotImplementedFault, OverLimit, UnprocessableEntity
from simulator.reference import catalog
from simulator.reference.lifecycle import HA_ACTIVE, HA_BUILD, HA_DELETING, HA_ERROR_STATES, HA_FAILOVER
from simulator.repos.ha import HaRepo

if TYPE_CHECKING:
    from simulator.backend import Backend

#: A group has one source and this many replicas at least and at most.
MIN_REPLICAS, MAX_REPLICAS = 1, 2
#: Group state while its nodes build, and the stable state between operations (reference/lifecycle.py).
BUILD, ACTIVE = HA_BUILD, HA_ACTIVE


#: ACLs an HA group holds at most (the simulator's bound: the documentation names none).
MAX_ACLS = 100


def parse_acl(address: Any) -> str:
    """An ACL address: an IPv4 CIDR such as 1.2.3.4/32 (400 otherwise), kept as the network it names, so one
    network has one spelling (10.0.0.1/8 and 10.0.0.0/08 are 10.0.0.0/8)."""
    if not isinstance(address, str) or "/" not in address:
        raise BadRequest(f"ACL address '{address}' is not an IPv4 CIDR such as 1.2.3.4/32.")
    try:
        return str(ipaddress.IPv4Network(address, strict=False))
    except ValueError:
        raise BadRequest(f"ACL address '{address}' is not an IPv4 CIDR such as 1.2.3.4/32.") from None


def parse_acls(addresses: list[dict]) -> list[str]:
    """The ACLs of a create or convert body: normalised, each network once, at most MAX_ACLS (413)."""
    acls = list(dict.fromkeys(parse_acl(a["address"]) for a in addresses))
    check_acl_count(len(acls))
    return acls


def check_acl_count(count: int) -> None:
    """413 when a group would hold more than MAX_ACLS ACLs."""
    if count > MAX_ACLS:
        raise OverLimit(f"An HA instance group holds at most {MAX_ACLS} ACLs; this would make {count}.")


class Ha:
    """The rules for HA instance groups; their actions are in backend/ha_actions.py."""

    due_query: str | None = HaRepo.NEXT_DUE

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.repo = backend.store.ha
        self.instance_repo = backend.store.instances

    # reading -----------------------------------------------------------------------------------
    def must_get(self, account_id: str, ha_id: str) -> dict:
        row = self.repo.get(account_id, ha_id)
        if row is None:
            raise ItemNotFound(f"Resource {ha_id} cannot be found.")
        return row

    def state(self, group: dict, nodes: list[dict] | None = None) -> str:
        """What the group shows: its running operation, else a broken node (REPLICATION_ERROR), a running backup
        (BACKUP), a pending restart (RESTART_REQUIRED), else its stored state."""
        if group["task"]:
            return group["task"]
        nodes = self.repo.nodes(group["id"]) if nodes is None else nodes
        if group["state"] != ACTIVE:
            return group["state"]
        if any(n["status"] == "ERROR" for n in nodes):
            return "REPLICATION_ERROR"
        if self.backend.instances.running_backups({n["id"] for n in nodes}):
            return "BACKUP"
        if any(n["task"] == "RESTART_REQUIRED" for n in nodes):
            return "RESTART_REQUIRED"
        return ACTIVE

    def model(self, group: dict, with_nodes: bool = True) -> dict:
        """The group with its shown state, and (for show) its nodes as instance models, source first."""
        nodes = self.repo.nodes(group["id"])
        model = {**group, "state": self.state(group, nodes)}
        if group["configuration_id"]:
            model["configuration_name"] = self.backend.configurations.names({group["configuration_id"]}).get(
                group["configuration_id"]
            )
        if with_nodes:
            busy = self.backend.instances.running_backups({n["id"] for n in nodes})
            models = [self.backend.instances.view_model(n, busy) for n in nodes]
            self.backend.instances.annotate_replicas(models)
            model["replica_source"] = [m for m in models if not m["replica_of"]]
            model["replicas"] = [m for m in models if m["replica_of"]]
        return model

    def get(self, account_id: str, ha_id: str) -> dict:
        return self.model(self.must_get(account_id, ha_id))

    def groups(self, account_id: str) -> list[dict]:
        return [self.model(g, with_nodes=False) for g in self.repo.groups(account_id)]

    # create --------------------------------------------------------------------------------------
    def create(self, account_id: str, body: Any) -> dict:
        """POST /ha (202): one source and one or two replicas of one flavor and volume size, 1 GB and up; the group
        and its nodes build together (BUILD, then ACTIVE)."""
        validate("ha_create", body)
        spec = body["ha"]
        version = catalog.resolve_datastore(spec["datastore"]["type"], spec["datastore"]["version"])
        sources, replicas = spec["replica_source"], spec["replicas"]
        if len(sources) != 1:
            raise BadRequest(f"An HA instance group has exactly one source; replica_source lists {len(sources)}.")
        if not MIN_REPLICAS <= len(replicas) <= MAX_REPLICAS:
            raise BadRequest(
                f"An HA instance group has {MIN_REPLICAS} or {MAX_REPLICAS} replicas; replicas lists {len(replicas)}."
            )
        flavor, size = self.node_shape([*sources, *replicas])
        acls = parse_acls(spec.get("acls") or [])
        group_id = spec.get("configuration") or None
        if group_id:
            self.backend.configurations.check_for_instance(account_id, group_id, version.id)
        self.backend.instances.check_quota(account_id, 1 + len(replicas))
        builds = self.backend.config.durations.build
        row = self.new_group(
            account_id, spec["name"], version, flavor, size, group_id, spec.get("networks") or ["servicenet"], acls
        )
        source = self.backend.instances.new_row(account_id, sources[0]["name"], flavor, size, version, group_id, builds)
        source["ha_id"] = row["id"]
        self.instance_repo.insert(source)
        for node in replicas:
            self.backend.replication.add_replica(source, node["name"], flavor, size, group_id, version, row["id"])
        self.start(row, BUILD, builds)  # the group's row was written in BUILD already: this sets when it ends
        self.backend.schedules.set_for_group(account_id, row["id"], spec.get("scheduled_backup"))
        return self.model(self.must_get(account_id, row["id"]), with_nodes=False)

    def node_shape(self, nodes: list[dict]) -> tuple[catalog.Flavor, int]:
        """The one flavor and volume size of a group's nodes (400 if they differ, a flavor is unknown or under 1 GB;
        413 over the volume limit)."""
        shapes = set()
        for node in nodes:
            try:
                flavor = catalog.get_flavor(node["flavorRef"])
            except ItemNotFound as exc:
                raise BadRequest(exc.message) from None
            shapes.add((flavor, int(node["volume"]["size"])))
        if len(shapes) != 1:
            raise BadRequest("All nodes of an HA instance group must have the same flavor and volume size.")
        flavor, size = shapes.pop()
        check_flavor(flavor)
        self.backend.instances.check_volume_limit(size)
        return flavor, size

    def new_group(
        self,
        account_id: str,
        name: str,
        version: catalog.DatastoreVersion,
        flavor: catalog.Flavor,
        size: int,
        group_id: str | None,
        networks: list[str],
        acls: list[str],
    ) -> dict:
        """Write a group's own row, in BUILD (start() then says until when); ACTIVE when its build ends."""
        now = self.backend.now()
        ids = self.backend.ids
        region = self.backend.region_of(account_id).lower()
        row = {
            "id": ids.uuid(taken=self.repo.exists),
            "account_id": account_id,
            "seq": self.repo.next_seq(),
            "name": name,
            "state": ACTIVE,
            "datastore_type": version.datastore_name,
            "datastore_version": version.name,
            "datastore_version_id": version.id,
            "flavor_id": flavor.id,
            "volume_size": size,
            "configuration_id": group_id,
            "networks": list(dict.fromkeys(networks)),
            "acls": acls,
            "hostname": f"{ids.hex(32)}.publb.{region}.rackspaceclouddb.com",
            "created": api_time(now),
            "updated": api_time(now),
            "created_at": now.timestamp(),
            "task": BUILD,
            "task_until": None,
            "task_data": None,
        }
        self.repo.insert(row)
        return row

    # states on the clock ---------------------------------------------------------------------------
    def start(
        self, group: dict, task: str, seconds: float, data: dict | None = None, at: dt.datetime | None = None
    ) -> None:
        """The group shows task until it ends (seconds on the simulator's clock, from at or now)."""
        now = at or self.backend.now()
        self.repo.update(
            group["id"],
            {
                "task": task,
                "task_until": now.timestamp() + seconds,
                "task_data": json.dumps(data) if data else None,
                "updated": api_time(now),
            },
        )

    def next_due(self) -> float | None:
        return self.repo.next_due()

    def settle_one(self, now: float) -> None:
        """End the earliest due group operation: ACTIVE again (or the operation's error state), the group's
        columns updated; a failover goes on to rebuild a node, a delete removes the group."""
        group = self.repo.first_due(now)
        if group is None:
            return
        data = json.loads(group["task_data"] or "{}")
        when = dt.datetime.fromtimestamp(group["task_until"], dt.timezone.utc)
        changes: dict = {"task": None, "task_until": None, "task_data": None, "updated": api_time(when)}
        task = group["task"]
        if task == HA_DELETING and not data.get("fault"):
            self.backend.schedules.forget_source(group)
            self.repo.delete(group["id"])
            return
        if data.get("fault"):
            changes["state"] = HA_ERROR_STATES.get(task, "ERROR")
        else:
            changes.update({k: data[k] for k in ("flavor_id", "volume_size") if k in data})
        if task == HA_FAILOVER and not data.get("fault"):  # straight on to ADDING_REPLICA (rebuild starts it)
            self.backend.ha_actions.rebuild(group, data, when)
            return
        self.repo.update(group["id"], changes)

    def mark_fault(self, ha_id: str, message: str) -> str:
        """Model fault: the group's running operation ends in its error state (HA_ERROR_STATES)."""
        group = self.repo.get_any(ha_id)
        if group is None or not group["task"]:
            return f"HA group {ha_id} runs no operation to fail"
        data = json.loads(group["task_data"] or "{}")
        data["fault"] = message
        self.repo.update(ha_id, {"task_data": json.dumps(data)})
        return f"HA group {ha_id}'s {group['task']} ends in {HA_ERROR_STATES.get(group['task'], 'ERROR')}"

    # the nodes ----------------------------------------------------------------------------------------
    def refuse_node_operation(self, row: dict) -> None:
        """A node of an HA group is managed through its group (Trove's rule for grouped instances, 501)."""
        raise NotImplementedFault(
            f"Operation not supported for instances that are part of an HA instance group: "
            f"instance {row['id']} is a node of HA group {row['ha_id']}; use the group's "
            f"operations (/ha/{row['ha_id']})."
        )

    def check_node_write(self, row: dict, creating: bool) -> None:
        """On an HA node only creating databases and users, and only on the group's source, is allowed."""
        if not creating or row["replica_of"]:
            raise NotImplementedFault(
                f"Operation not supported for instances that are part of an HA instance "
                f"group: on HA group {row['ha_id']} only creating databases and users on the "
                f"source is allowed; instance {row['id']} is "
                f"{'a replica' if row['replica_of'] else 'the source'}."
            )

    def check_ready(self, group: dict, allowed: tuple[str, ...] = (ACTIVE,)) -> str:
        """A group operation needs the group in one of the allowed states (422, like an instance's gate)."""
        state = self.state(group)
        if state not in allowed:
            raise UnprocessableEntity(
                f"HA instance {group['id']} is not currently available for an action to be "
                f"performed (state was {state})."
            )
        return state

    def source_of(self, group: dict) -> dict:
        """The group's source node."""
        nodes = self.repo.nodes(group["id"])
        return next(n for n in nodes if not n["replica_of"])

    # delete -------------------------------------------------------------------------------------------
    def delete(self, account_id: str, ha_id: str) -> None:
        """DELETE /ha/{id} (202): refused while it builds (422); the group shows DELETING while its nodes shut
        down, then is gone (404)."""
        group = self.must_get(account_id, ha_id)
        if group["task"] == HA_DELETING:
            return
        if group["task"] == BUILD:
            raise UnprocessableEntity(f"HA instance {ha_id} is not ready. (State is BUILD).")
        seconds = self.backend.config.durations.shutdown
        for node in self.repo.nodes(ha_id):
            if node["task"] != "SHUTDOWN":
                self.backend.instances.shut_down(node, seconds)
        self.start(group, HA_DELETING, seconds)

    # backups ------------------------------------------------------------------------------------------
    def backup_node(self, account_id: str, ha_id: str) -> dict:
        """The node an HA backup is taken from: the replica closest to the source (the first one running); the
        group must be ACTIVE (422)."""
        group = self.must_get(account_id, ha_id)
        self.check_ready(group)
        nodes = self.repo.nodes(ha_id)
        replicas = [n for n in nodes if n["replica_of"] and n["status"] == "ACTIVE" and not n["task"]]
        return (replicas or [n for n in nodes if not n["replica_of"]])[0]
