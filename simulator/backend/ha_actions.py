"""What can be done to an HA instance group once it exists (cloud-databases-api §7.11): its ACLs, adding and removing
replicas, resizing, restarting, configuration groups, upgrades, converting a replication set, and a failover."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import unquote

from simulator.backend.ha import (
    ACTIVE,
    BUILD,
    MAX_REPLICAS,
    MIN_REPLICAS,
    check_acl_count,
    parse_acl,
    parse_acls,
)
from simulator.backend.maintenance import upgrade_target
from simulator.backend.replication import check_flavor
from simulator.backend.schemas import validate
from simulator.clock import api_time
from simulator.errors import BadRequest, ItemNotFound, UnprocessableEntity
from simulator.reference import catalog
from simulator.reference.lifecycle import HA_ACTION_STATES, HA_FAILOVER, REBOOT, RESIZE

if TYPE_CHECKING:
    from simulator.backend import Backend


class HaAction(NamedTuple):
    """One action of POST /ha/{id}/action: its request schema, the group states it may start from, and its rule
    (the group's row and the action's value, body[name], once validated; an answer model or None: an empty 202)."""

    schema: str
    states: tuple[str, ...] | None  # None: no state gate (the ACL actions check their own, as the ACL routes)
    rule: Callable[[dict, Any], dict | None]


def _network_or_none(address: str) -> str | None:
    """The network an ACL address names, however it is spelled (None for one that names none)."""
    try:
        return parse_acl(address)
    except BadRequest:
        return None


class HaActions:
    """The rules of the operations on an existing HA group."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.ha = backend.ha
        self.repo = backend.store.ha
        self.durations = backend.config.durations

    # ACLs ------------------------------------------------------------------------------------------
    def acls(self, account_id: str, ha_id: str) -> list[str]:
        return self.ha.must_get(account_id, ha_id)["acls"]

    def add_acl(self, account_id: str, ha_id: str, body: Any) -> None:
        """POST /ha/{id}/acls {"address": CIDR} (200)."""
        validate("ha_acl", body)
        self.add_addresses(self.ha.must_get(account_id, ha_id), [body["address"]])

    def delete_acl(self, account_id: str, ha_id: str, address: str) -> None:
        """DELETE /ha/{id}/acls/{address} (202): the address may come URL-encoded more than once (the docs' example
        is 1.2.3.4%25252F32)."""
        group = self.ha.must_get(account_id, ha_id)
        for _ in range(3):
            address = unquote(address)
        self.remove_addresses(group, [address])

    def add_addresses(self, group: dict, addresses: list) -> None:
        """ACLs in: each an IPv4 CIDR (400 otherwise), kept as the network it names; not while the group builds
        (422); a network the group has stays once; at most MAX_ACLS (413). POST /ha/{id}/acls adds one, the
        add_acls action several."""
        added = [parse_acl(address) for address in addresses]
        if self.ha.state(group) == BUILD:
            raise UnprocessableEntity(
                f"ACLs cannot be added to HA instance {group['id']} while it is being built (state was BUILD)."
            )
        acls = list(group["acls"])
        acls += [a for a in dict.fromkeys(added) if a not in acls]
        if acls != group["acls"]:
            check_acl_count(len(acls))
            self.repo.update(group["id"], {"acls": acls, "updated": api_time(self.backend.now())})

    def remove_addresses(self, group: dict, addresses: list[str]) -> None:
        """ACLs out, each matched by the network it names whatever its spelling: an address whose network the
        group does not have is ACLNotFound (404) and none goes. DELETE /ha/{id}/acls/{address} removes one, the
        delete_acls action several."""
        gone = set()
        for address in addresses:
            network = _network_or_none(address)
            if network is None or network not in {_network_or_none(a) for a in group["acls"]}:
                raise ItemNotFound(f"ACLNotFound: ACL {address} cannot be found on HA instance {group['id']}.")
            gone.add(network)
        acls = [a for a in group["acls"] if _network_or_none(a) not in gone]
        self.repo.update(group["id"], {"acls": acls, "updated": api_time(self.backend.now())})

    # configuration ---------------------------------------------------------------------------------
    def update(self, account_id: str, ha_id: str, body: Any) -> None:
        """PATCH /ha/{id} {"ha_instance": {"configuration": id or ""}} (202): attach or detach a group on every
        node (RESTART_REQUIRED when a value needs a restart)."""
        validate("ha_update", body)
        group = self.ha.must_get(account_id, ha_id)
        self.ha.check_ready(group, (ACTIVE, "RESTART_REQUIRED"))
        config_id = body["ha_instance"]["configuration"]
        nodes = self.repo.nodes(ha_id)
        for node in nodes:
            if config_id:
                self.backend.configurations.attach(node, config_id, None)
            else:
                self.backend.configurations.detach(node, None)
        self.repo.update(ha_id, {"configuration_id": config_id or None, "updated": api_time(self.backend.now())})

    # actions ---------------------------------------------------------------------------------------
    def action(self, account_id: str, ha_id: str, body: Any) -> dict | None:
        """POST /ha/{id}/action (202): one action per body; upgrade answers the group (UPGRADING)."""
        validate("action", body)
        name = next(iter(body))
        if name not in self.actions:
            raise BadRequest(f"Invalid HA instance action: '{name}' (one of {', '.join(self.actions)}).")
        action = self.actions[name]
        validate(action.schema, body)
        group = self.ha.must_get(account_id, ha_id)
        if action.states is not None:
            self.ha.check_ready(group, action.states)
        return action.rule(group, body[name])

    @cached_property
    def actions(self) -> dict[str, HaAction]:
        """The group actions by body key (as Trove's service dispatches its _action_<name> methods)."""
        return {
            "add_replica": HaAction("ha_add_replica", (ACTIVE,), self.add_replica_action),
            "remove_replica": HaAction("ha_remove_replica", (ACTIVE, "REPLICATION_ERROR"), self.remove_replica),
            "resize_volumes": HaAction("ha_resize_volumes", (ACTIVE,), self.resize_volumes),
            "resize_flavor": HaAction("ha_resize_flavor", (ACTIVE,), self.resize_flavor),
            "restart": HaAction("ha_restart", (ACTIVE, "RESTART_REQUIRED"), self.restart),
            "upgrade": HaAction("ha_upgrade", (ACTIVE,), self.upgrade),
            "add_acls": HaAction("ha_add_acls", None, self.add_acls),
            "delete_acls": HaAction("ha_delete_acls", None, self.delete_acls),
        }

    def add_acls(self, group: dict, spec: Any) -> None:
        """cdbclient's add_acls: several ACLs in, as POST /ha/{id}/acls adds one."""
        self.add_addresses(group, spec["addresses"])

    def delete_acls(self, group: dict, spec: Any) -> None:
        """cdbclient's remove_acls: several ACLs out, as DELETE /ha/{id}/acls/{address} removes one."""
        self.remove_addresses(group, spec["addresses"])

    def add_replica_action(self, group: dict, spec: Any) -> None:
        self.add_replica(group, spec["replica_details"])

    def restart(self, group: dict, spec: Any) -> None:
        """REBOOT on every node and on the group until the databases are back."""
        self.on_nodes(group, REBOOT, self.durations.reboot, None)
        self.ha.start(group, HA_ACTION_STATES["restart"], self.durations.reboot)

    def on_nodes(self, group: dict, task: str, seconds: float, data: dict | None) -> None:
        for node in self.repo.nodes(group["id"]):
            self.backend.instances.start_task(node, task, seconds, data)

    def add_replica(self, group: dict, details: dict) -> None:
        """ADDING_REPLICA until a new replica of the group's flavor and volume is built (at most MAX_REPLICAS)."""
        replicas = [n for n in self.repo.nodes(group["id"]) if n["replica_of"]]
        if len(replicas) >= MAX_REPLICAS:
            raise BadRequest(
                f"HA instance {group['id']} already has {len(replicas)} replicas; a group has at most {MAX_REPLICAS}."
            )
        flavor, size = self.ha.node_shape([details])
        if (flavor.id, size) != (group["flavor_id"], group["volume_size"]):
            raise BadRequest(
                f"A replica of HA instance {group['id']} has the group's flavor "
                f"({group['flavor_id']}) and volume size ({group['volume_size']})."
            )
        self.backend.instances.check_quota(group["account_id"], 1)
        self.build_replica(group, details["name"], self.ha.source_of(group))
        self.ha.start(group, HA_ACTION_STATES["add_replica"], self.durations.build)

    def build_replica(self, group: dict, name: str, source: dict, at: dt.datetime | None = None) -> dict:
        flavor = catalog.get_flavor(group["flavor_id"])
        return self.backend.replication.add_replica(
            source, name, flavor, group["volume_size"], group["configuration_id"], None, group["id"], at=at
        )

    def remove_replica(self, group: dict, replica_id: Any) -> None:
        """REMOVING_REPLICA while the replica detaches (DETACH_REPLICA, then a standalone ACTIVE instance); a
        group keeps at least MIN_REPLICAS."""
        nodes = self.repo.nodes(group["id"])
        replica = next((n for n in nodes if n["id"] == replica_id and n["replica_of"]), None)
        if replica is None:
            raise ItemNotFound(f"Instance {replica_id} is not a replica of HA instance {group['id']}.")
        if len([n for n in nodes if n["replica_of"]]) <= MIN_REPLICAS:
            raise BadRequest(
                f"HA instance {group['id']} keeps at least {MIN_REPLICAS} replica: add another "
                f"before removing this one."
            )
        self.backend.instances.start_task(replica, "DETACH_REPLICA", self.durations.reboot, {"leave_group": True})
        self.ha.start(group, HA_ACTION_STATES["remove_replica"], self.durations.reboot)

    def resize_volumes(self, group: dict, spec: Any) -> None:
        """RESIZING_VOLUME while every node's volume grows (grow only; 413 over the limit)."""
        size = int(spec["size"])
        self.backend.instances.check_volume_limit(size)
        if size <= group["volume_size"]:
            raise BadRequest(
                f"The new volume 'size' must be larger than the current volume size of '{group['volume_size']}'."
            )
        self.on_nodes(group, RESIZE, self.durations.resize, {"volume_size": size})
        self.ha.start(group, HA_ACTION_STATES["resize_volumes"], self.durations.resize, {"volume_size": size})

    def resize_flavor(self, group: dict, flavor_ref: Any) -> None:
        """RESIZING_FLAVOR while every node moves to the flavor (another one, 1 GB and up)."""
        try:
            flavor = catalog.get_flavor(flavor_ref)
        except ItemNotFound as exc:
            raise BadRequest(exc.message) from None
        check_flavor(flavor)
        if flavor.id == group["flavor_id"]:
            raise BadRequest(
                f"The new flavor id must be different than the current flavor id of '{group['flavor_id']}'."
            )
        self.on_nodes(group, RESIZE, self.durations.resize, {"flavor_id": flavor.id})
        self.ha.start(group, HA_ACTION_STATES["resize_flavor"], self.durations.resize, {"flavor_id": flavor.id})

    def upgrade(self, group: dict, spec: dict) -> dict:
        """UPGRADING while every node runs the new version (the documented upgrade paths only)."""
        target = upgrade_target((group["datastore_type"], group["datastore_version"]), spec)
        for node in self.repo.nodes(group["id"]):
            self.backend.configurations.check_upgrade(node, target)
        version = {
            "datastore_type": target.datastore_name,
            "datastore_version": target.name,
            "datastore_version_id": target.id,
        }
        for node in self.repo.nodes(group["id"]):
            self.backend.instances.start_task(node, "UPGRADE", self.durations.resize, None, version)
        self.repo.update(group["id"], version)
        self.ha.start(group, HA_ACTION_STATES["upgrade"], self.durations.resize)
        return self.ha.model(self.ha.must_get(group["account_id"], group["id"]), with_nodes=False)

    # convert a replication set ---------------------------------------------------------------------
    def convert(self, row: dict, body: Any) -> dict:
        """convert_to_ha (body validated by the instance action's table) on a source or replica: the set becomes a
        group (BUILD; its nodes CONVERT_TO_HA)."""
        spec = body["convert_to_ha"]
        if row["ha_id"]:
            self.ha.refuse_node_operation(row)
        replication_repo = self.backend.store.replication
        source = self.backend.store.instances.get(row["account_id"], row["replica_of"]) if row["replica_of"] else row
        assert source is not None
        replicas = replication_repo.live_replicas(source["id"])
        if not replicas:
            raise BadRequest(
                f"Instance {row['id']} is not part of a replication set: convert_to_ha turns a source "
                f"and its replicas into an HA instance group."
            )
        nodes = [source, *replicas]
        for node in nodes:
            self.backend.instances.check_can_act(node)
        if len({(n["flavor_id"], n["volume_size"]) for n in nodes}) != 1:
            raise BadRequest(
                "All nodes of an HA instance group must have the same flavor and volume size: "
                "resize the source or its replicas first."
            )
        flavor = catalog.get_flavor(source["flavor_id"])
        check_flavor(flavor)
        acls = parse_acls(spec.get("acls") or [])
        version = catalog.find_version(source["datastore_version_id"])
        group = self.ha.new_group(
            row["account_id"],
            spec["name"],
            version,
            flavor,
            source["volume_size"],
            source["configuration_id"],
            spec.get("networks") or ["servicenet"],
            acls,
        )
        self.repo.set_node([n["id"] for n in nodes], group["id"])
        self.backend.schedules.adopt([n["id"] for n in nodes], group["id"])
        self.backend.schedules.set_for_group(row["account_id"], group["id"], spec.get("scheduled_backup"))
        for node in nodes:
            self.backend.instances.start_task(node, "CONVERT_TO_HA", self.durations.reboot, None)
        self.ha.start(group, BUILD, self.durations.reboot)
        return self.ha.model(self.ha.must_get(row["account_id"], group["id"]))

    # failover --------------------------------------------------------------------------------------
    def fail_source(self, group: dict, message: str) -> str:
        """Fault: the group's source fails. HA_FAILOVER while the closest running replica is promoted; then the
        failed node leaves and a new replica of the group's flavor is built (ADDING_REPLICA, then ACTIVE)."""
        self.ha.check_ready(group, (ACTIVE, "RESTART_REQUIRED", "BACKUP", "REPLICATION_ERROR"))
        source = self.ha.source_of(group)
        replicas = [n for n in self.repo.nodes(group["id"]) if n["replica_of"] and n["status"] == "ACTIVE"]
        if not replicas:
            raise UnprocessableEntity(f"HA instance {group['id']} has no running replica to fail over to.")
        now = self.backend.now()
        instance_repo = self.backend.store.instances
        instance_repo.update(
            source["id"],
            {
                "status": "SHUTDOWN",
                "task": None,
                "task_until": None,
                "task_data": None,
                "fault": message,
                "updated": api_time(now),
            },
        )
        data = {"new_source": replicas[0]["id"], "ejected": source["id"], "name": source["name"]}
        self.backend.instances.start_task(replicas[0], "PROMOTE", self.durations.reboot, data)
        self.ha.start(group, HA_FAILOVER, self.durations.reboot, data)
        return (
            f"HA {group['id']}: source {source['id']} failed; replica {replicas[0]['id']} is being promoted "
            f"(HA_FAILOVER), then a new node is built (ADDING_REPLICA)"
        )

    def rebuild(self, group: dict, data: dict, when: dt.datetime) -> None:
        """After a failover: the failed node leaves the group and shuts down; a new replica of the new source
        takes its place (ADDING_REPLICA until it is built)."""
        instance_repo = self.backend.store.instances
        failed = instance_repo.get(group["account_id"], data["ejected"])
        new_source = instance_repo.get(group["account_id"], data["new_source"])
        if failed is not None:
            instance_repo.update(failed["id"], {"ha_id": None, "replica_of": None})
            self.backend.instances.shut_down(failed, self.durations.shutdown, at=when)
        if new_source is not None:
            self.build_replica(group, data.get("name") or f"{group['name']}-node", new_source, at=when)
        self.ha.start(group, HA_ACTION_STATES["add_replica"], self.durations.build, at=when)
