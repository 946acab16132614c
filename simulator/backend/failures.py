"""Failures a test can cause (the fault actions fail_source and break_replica): a replication source or an HA group's
source that stops answering, and a replica whose replication breaks. Each answers a note for the journal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.errors import ItemNotFound, UnprocessableEntity

if TYPE_CHECKING:
    from simulator.backend import Backend


class Failures:
    """Resolve what a fault names (an HA group or an instance of the account) and make it fail."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    def _find(self, account_id: str, target_id: str) -> tuple[dict | None, dict | None]:
        """(HA group, instance) the id names in the account (one of them), or 404."""
        group = self.backend.store.ha.get(account_id, target_id)
        instance = None if group else self.backend.store.instances.get(account_id, target_id)
        if group is None and instance is None:
            raise ItemNotFound(f"Resource {target_id} cannot be found.")
        return group, instance

    def fail_source(self, account_id: str, target_id: str, message: str) -> str:
        """An HA group (or a node of one) fails over to a replica and rebuilds a node; a replication source (or the
        source of a replica named) goes down and waits for an eject."""
        group, instance = self._find(account_id, target_id)
        if group is None and instance is not None and instance["ha_id"]:
            group = self.backend.store.ha.get(account_id, instance["ha_id"])
        if group is not None:
            return self.backend.ha_actions.fail_source(group, message)
        assert instance is not None
        if instance["replica_of"]:
            instance = self.backend.store.instances.get(account_id, instance["replica_of"])
            assert instance is not None
        if not self.backend.store.replication.live_replicas(instance["id"]):
            raise UnprocessableEntity(f"Instance {instance['id']} is not a replication source.")
        return self.backend.replication.source_down(instance, message)

    def break_replica(self, account_id: str, target_id: str, message: str) -> str:
        """A replica (or the first replica of a source or an HA group named) breaks: ERROR, and an HA group shows
        REPLICATION_ERROR."""
        group, instance = self._find(account_id, target_id)
        if group is not None:
            replicas = [n for n in self.backend.store.ha.nodes(group["id"]) if n["replica_of"]]
        else:
            assert instance is not None
            replicas = (
                [instance] if instance["replica_of"] else self.backend.store.replication.live_replicas(instance["id"])
            )
        if not replicas:
            raise UnprocessableEntity(f"{'HA instance' if group else 'Instance'} {target_id} has no replica to break.")
        return self.backend.replication.break_replica(replicas[0], message)
