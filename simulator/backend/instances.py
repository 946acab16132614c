"""Instances: create (and restore), list, show, update, delete, actions, root; their timed lifecycle."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from simulator.backend.cache import ModelCache
from simulator.backend.maintenance import available_upgrades
from simulator.backend.restore import RestorePlanner
from simulator.backend.schemas import validate
from simulator.clock import api_time
from simulator.errors import BadRequest, ItemNotFound, NotImplementedFault, OverLimit, UnprocessableEntity, not_found
from simulator.hashing import hash_password
from simulator.reference import catalog, regions
from simulator.reference.lifecycle import ACTION_TASKS, READY_STATUSES, TASKS
from simulator.repos.instances import InstancesRepo

if TYPE_CHECKING:
    from simulator.backend import Backend

#: What an action answers: None (an empty 202) or (the answer's key, its model).
ActionAnswer = tuple[str, dict] | None
#: An action's rule: it takes the instance's row and the (validated) body.
ActionRule = Callable[[dict, Any], ActionAnswer]
#: Trove's actions the simulator does not model (501).
UNSUPPORTED_ACTIONS = ("reset_status",)
PAGE_SIZE = 20


def servicenet_address(instance_id: str) -> str:
    """The instance's private (ServiceNet) IPv4 address, as replication views show it in `ip`: one 10.x.y.z per
    instance id, the same on every read."""
    b = hashlib.sha256(instance_id.encode()).digest()
    return f"10.{b[0]}.{b[1]}.{b[2] % 254 + 1}"


class Instances:
    """The rules for instances."""

    due_query: str | None = InstancesRepo.NEXT_DUE

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.repo = backend.store.instances
        #: The restore rules: a create with a restorePoint asks them for its plan, its build's end for the contents.
        self.restores = RestorePlanner(backend.store.backups, backend.config.durations, backend.backups_version)
        #: account id -> its row (read only), for the quota, while accounts are unchanged.
        self._accounts = ModelCache(backend.identity_version)

    # reading ---------------------------------------------------------------------------------
    def get(self, account_id: str, instance_id: str) -> dict:
        """An instance of the account, with its derived status; 404 otherwise."""
        row = self.repo.get(account_id, instance_id)
        if row is None:
            raise not_found(instance_id)
        model = self.view_model(row)
        self.annotate_replicas([model])
        return model

    def page(
        self,
        account_id: str,
        limit: int | None,
        marker: str | None,
        include_replicas: bool = True,
        include_ha: bool = True,
    ) -> tuple[list[dict], str | None]:
        """One page of instances (Trove: by id, then each page re-sorted newest first) and the next marker;
        replicas and HA nodes left out when asked."""
        limit = PAGE_SIZE if not limit or limit <= 0 else min(limit, PAGE_SIZE)
        rows = self.repo.page(account_id, limit, marker, include_replicas, include_ha)
        next_marker = rows[limit - 1]["id"] if len(rows) > limit else None
        rows = rows[:limit]
        busy = self.running_backups({r["id"] for r in rows})
        items = [self.view_model(r, busy, detail=False) for r in rows]
        self.annotate_replicas(items)
        items.sort(key=lambda r: (r["created_at"], r["seq"]), reverse=True)
        return items, next_marker

    def annotate_replicas(self, items: list[dict]) -> None:
        """Add `replicas` (id and name of each) to the models of sources, for their views."""
        found = self.backend.store.replication.replica_names([m["id"] for m in items if not m.get("replica_of")])
        for model in items:
            if model["id"] in found:
                model["replicas"] = found[model["id"]]

    def replicas(self, account_id: str, instance_id: str) -> list[dict]:
        """GET /instances/{id}/replicas: the instance must exist (404); its replicas as list items."""
        source = self.must_get_row(account_id, instance_id)
        rows = self.backend.store.replication.replicas(source["id"])
        busy = self.running_backups({r["id"] for r in rows})
        return [self.view_model(r, busy, detail=False) for r in rows]

    def running_backups(self, instance_ids: set[str]) -> set[str]:
        """Which of these instances have a backup running (answered by the backups module)."""
        return self.backend.backups.running_for(instance_ids) if instance_ids else set()

    def view_model(self, row: dict, busy: set[str] | None = None, detail: bool = True) -> dict:
        """The row plus `status` as the API shows it (and `used` for the detail view)."""
        item = dict(row)
        if row["task"]:
            item["status"] = TASKS[row["task"]][0]
        elif row["status"] == "ACTIVE":
            running = busy if busy is not None else self.running_backups({row["id"]})
            if row["id"] in running:
                item["status"] = "BACKUP"
        item["ip"] = [servicenet_address(row["id"])]
        if detail:
            item["used"] = self.used_gb(row)
            item["schedule_enabled"] = self.backend.schedules.has_schedule(row["id"])
            item["available_upgrades"] = available_upgrades(item)
        if row.get("configuration_id"):
            item["configuration_name"] = self.backend.configurations.names({row["configuration_id"]}).get(
                row["configuration_id"]
            )
        return item

    def used_gb(self, row: dict, n_db: int | None = None) -> float:
        """Simulated data size in GB: grows with what the instance holds (n_db databases, looked up if not given)."""
        if n_db is None:  # past the volume's size more databases change nothing: count no further
            n_db = self.repo.database_count(row["id"], at_most=math.ceil((row["volume_size"] - 0.16) / 0.05) + 1)
        return round(min(row["volume_size"], 0.16 + 0.05 * n_db), 2)

    # gate ------------------------------------------------------------------------------------
    def check_can_act(self, row: dict) -> None:
        """Trove's 422 gate for actions and backups: ACTIVE, no task (a pending restart is none), no running
        backup."""
        if row["task"] and row["task"] != "RESTART_REQUIRED":
            raise UnprocessableEntity(
                f"Instance {row['id']} is not currently available for an action to be "
                f"performed (task status was {TASKS[row['task']][1]})."
            )
        if row["status"] != "ACTIVE":
            raise UnprocessableEntity(
                f"Instance {row['id']} is not currently available for an action to be "
                f"performed (instance status was {row['status']})."
            )
        if row["id"] in self.running_backups({row["id"]}):
            raise UnprocessableEntity(
                f"Instance {row['id']} is not currently available for an action to be "
                f"performed (instance status was BACKUP)."
            )

    def check_ready(self, row: dict, reading: bool = False, creating: bool = False) -> dict:
        """Databases/users need a running instance (422 otherwise; one waiting for a restart runs); only reads are
        allowed during a backup; a write must be one the instance's replication set allows."""
        status = self.view_model(row, detail=False)["status"]
        if status not in READY_STATUSES and not (reading and status == "BACKUP"):
            raise UnprocessableEntity(f"Instance {row['id']} is not ready, status: {status}.")
        if not reading:
            self.backend.replication.check_data_write(row, creating)
        return row

    def must_get_row(self, account_id: str, instance_id: str) -> dict:
        row = self.repo.get(account_id, instance_id)
        if row is None:
            raise not_found(instance_id)
        return row

    # create / restore ------------------------------------------------------------------------
    def create(self, account_id: str, body: Any) -> dict:
        """POST /instances: validate everything first (a restore's checks after the request's own, as Trove runs
        them), then write the instance in BUILD (200). A replica's create has rules of its own."""
        spec = body.get("instance") if isinstance(body, dict) else None
        if isinstance(spec, dict) and (spec.get("replica_of") is not None or spec.get("slave_of") is not None):
            replica = self.backend.replication.create(account_id, body)
            return {**self.view_model(replica, detail=False), "used": self.used_gb(replica, 0)}
        validate("instance_create", body)
        spec = body["instance"]
        backup_ref = (spec.get("restorePoint") or {}).get("backupRef")
        datastore = spec.get("datastore") or {}
        # A restore without a datastore gets the backup's version: its plan decides.
        requested = (
            None
            if backup_ref is not None and not datastore
            else catalog.resolve_datastore(datastore.get("type"), datastore.get("version"))
        )
        databases, users = self.backend.databases.parse_initial(spec.get("databases") or [], spec.get("users") or [])
        try:
            flavor = catalog.get_flavor(spec["flavorRef"])
        except ItemNotFound as exc:
            raise BadRequest(exc.message) from None
        size = int(spec["volume"]["size"])
        self.check_volume_limit(size)
        plan = None
        if backup_ref is not None:
            plan = self.restores.plan(
                account_id, backup_ref, version=requested, volume_size=size, databases=databases, users=users
            )
        version = plan.version if plan else requested
        assert version is not None  # only a restore leaves the version to its plan
        group = (
            self.backend.configurations.check_for_instance(account_id, spec["configuration"], version.id)
            if spec.get("configuration")
            else None
        )  # a backup carries none: a restore starts with defaults
        self.check_quota(account_id)
        row = self.new_row(
            account_id,
            spec["name"],
            flavor,
            size,
            version,
            group["id"] if group else None,
            plan.build_seconds if plan else self.backend.config.durations.build,
        )
        instance_id = row["id"]
        if plan:  # one row (what it holds comes when the build ends): one statement, all or nothing
            row["task_data"] = json.dumps({"restore": plan.backup_id, "databases": databases, "users": users})
            self.repo.insert(row)
        else:
            with self.backend.store.atomic():
                self.repo.insert(row)
                self.backend.databases.insert(instance_id, databases)
                self.backend.users.insert(instance_id, users)
        model = self.view_model(row, detail=False)
        # What it holds was just written (a restore's arrives when the build ends): no need to ask the database.
        model["used"] = self.used_gb(row, 0 if plan else len(databases))
        return model

    def new_row(
        self,
        account_id: str,
        name: str,
        flavor: catalog.Flavor,
        size: int,
        version: catalog.DatastoreVersion,
        group_id: str | None,
        build_seconds: float,
        at: dt.datetime | None = None,
    ) -> dict:
        """A new instance's row, in BUILD for build_seconds from at (default now); not written yet."""
        now = at or self.backend.now()
        ids = self.backend.ids
        stamp = api_time(now)
        instance_id, seq = self.repo.fresh_id_and_seq(ids.uuid)
        return {
            "id": instance_id,
            "account_id": account_id,
            "seq": seq,
            "name": name,
            "flavor_id": flavor.id,
            "volume_size": size,
            "datastore_type": version.datastore_name,
            "datastore_version": version.name,
            "datastore_version_id": version.id,
            "hostname": f"{ids.hex(40)}.rackspaceclouddb.com",
            "created": stamp,
            "updated": stamp,
            "created_at": now.timestamp(),
            "status": "BUILD",
            "task": "BUILD",
            "task_until": now.timestamp() + build_seconds,
            "task_data": None,
            "root_enabled": 0,
            "root_password_hash": None,
            "fault": None,
            "configuration_id": group_id,
        }

    def check_volume_limit(self, size: int) -> None:
        limit = self.backend.config.max_volume_size
        if size > limit:
            raise OverLimit(f"Volume 'size' cannot exceed maximum of {limit} GB, {size} cannot be accepted.")

    def check_quota(self, account_id: str, adding: int = 1) -> None:
        """413 when adding this many instances would go over the account's quota (in this region)."""
        limit = self.quota(account_id, "instances", self.backend.config.max_instances)
        if self.repo.live_at_least(account_id, limit - adding + 1):
            raise OverLimit("Quota exceeded for resources: ['instances'].")

    def quota(self, account_id: str, name: str, default: int) -> int:
        """The account's quota (its settings hold one per account; each region counts its own resources)."""
        owner = regions.account_of(account_id)
        account = self._accounts.fetch(owner, lambda: self.backend.store.accounts.get(owner) or {})
        return int((account.get("settings") or {}).get("quotas", {}).get(name, default))

    # update / delete -------------------------------------------------------------------------
    def update(self, account_id: str, instance_id: str, body: Any, method: str) -> None:
        """PATCH and PUT alike (as Trove): rename, attach or detach a configuration group, upgrade the datastore
        version, detach a replica; besides the name, one of them at a time; a field not modelled is a 400 (the
        schema); 202. An HA node is changed through its group. A PUT of {"instance": {}} detaches the configuration
        (Trove's update reads a missing configuration as none; cdbclient's configuration-detach sends it)."""
        validate("instance_update", body)
        row = self.must_get_row(account_id, instance_id)
        spec = body["instance"]
        if not spec and method == "PUT":
            spec = {"configuration": None}
        if not spec:
            raise BadRequest("Validation error: instance needs at least one of 'name', 'configuration'.")
        detach = [spec[key] for key in ("replica_of", "slave_of") if key in spec]
        if "rm_master_replica_config" in spec and not detach:
            raise BadRequest("rm_master_replica_config is only allowed with a replica detach (replica_of: null).")
        # replica_of and slave_of are one attribute (Trove's new and old names): cdbclient sends both
        attributes = set(spec) - {"name", "slave_of", "rm_master_replica_config"}
        if detach:
            attributes.add("replica_of")
        if len(attributes) > 1:
            raise BadRequest("Only one attribute (except 'name') is allowed to update.")
        if row["ha_id"]:
            self.backend.ha.refuse_node_operation(row)
        if detach:
            self.backend.replication.detach(row, next((v for v in detach if v not in ("", None)), None))
        if "name" in spec:
            self.repo.update(row["id"], {"name": spec["name"], "updated": api_time(self.backend.now())})
        task_word = TASKS[row["task"]][1] if row["task"] else None
        if spec.get("configuration"):
            self.backend.configurations.attach(row, spec["configuration"], task_word)
        elif "configuration" in spec:
            self.backend.configurations.detach(row, task_word)
        if "datastore_version" in spec:
            self.backend.maintenance.upgrade_in_place(row, spec["datastore_version"])

    def delete(self, account_id: str, instance_id: str) -> None:
        """DELETE: 422 while BUILD; a source with replicas 403 and an HA node 501 (replication's rules); then
        SHUTDOWN for a while; then gone."""
        row = self.must_get_row(account_id, instance_id)
        if row["task"] == "BUILD":
            raise UnprocessableEntity(f"Instance {instance_id} is not ready. (Status is BUILD).")
        if row["task"] == "SHUTDOWN":
            return
        self.backend.replication.check_delete(row)
        self.shut_down(row, self.backend.config.durations.shutdown)

    def shut_down(self, row: dict, seconds: float, at: dt.datetime | None = None) -> None:
        """The instance shuts down (SHUTDOWN for seconds, then gone); first its running backups fail and its
        schedule goes."""
        now = at or self.backend.now()
        with self.backend.store.atomic():
            self.backend.backups.fail_running(row)
            self.backend.schedules.forget_source(row)
            self.repo.update(
                row["id"],
                {
                    "task": "SHUTDOWN",
                    "task_data": None,
                    "updated": api_time(now),
                    "task_until": now.timestamp() + seconds,
                },
            )

    # actions ---------------------------------------------------------------------------------
    def action(self, account_id: str, instance_id: str, body: Any) -> tuple[str, dict] | None:
        """POST /action (202): restart, resize, the maintenance and replication actions; an HA node takes none but
        save_logs with allow_ha. Upgrade and convert_to_ha answer a body: (its key, its model)."""
        row = self.must_get_row(account_id, instance_id)
        if not isinstance(body, dict) or len(body) != 1:
            raise BadRequest("Validation error: an action body has exactly one key (restart or resize).")
        name = next(iter(body))
        if row["ha_id"] and not (name == "save_logs" and isinstance(body[name], dict) and body[name].get("allow_ha")):
            self.backend.ha.refuse_node_operation(row)
        if name in UNSUPPORTED_ACTIONS:
            raise NotImplementedFault(f"The '{name}' action is not implemented by the simulator.")
        if name not in self.actions:
            raise BadRequest(f"Invalid instance action: '{name}'.")
        schema, rule = self.actions[name]
        if schema is not None:
            validate(schema, body)
        return rule(row, body)

    @cached_property
    def actions(self) -> dict[str, tuple[str | None, ActionRule]]:
        """The actions of POST /instances/{id}/action by body key: (the request schema, or None when the rule picks
        one; the rule), as Trove's service dispatches its _action_<name> methods."""
        maintenance, replication = self.backend.maintenance, self.backend.replication
        return {
            "restart": ("restart", self.restart),
            "resize": (None, self.resize),
            "upgrade": ("upgrade", maintenance.upgrade_action),
            "save_logs": ("save_logs", maintenance.save_logs),
            "convert_to_ha": ("convert_to_ha", maintenance.convert_to_ha),
            "promote_to_replica_source": ("promote_to_replica_source", replication.promote),
            "eject_replica_source": ("eject_replica_source", replication.eject),
        }

    def restart(self, row: dict, body: Any) -> None:
        """restart: behind Trove's gate, REBOOT until the database is back."""
        self.check_can_act(row)
        self.start_task(row, ACTION_TASKS["restart"], self.backend.config.durations.reboot, None)

    def resize(self, row: dict, body: Any) -> None:
        """resize: the volume (grow only) or the flavor (another one), behind Trove's gate; RESIZE until done."""
        durations = self.backend.config.durations
        inner = body["resize"]
        if not isinstance(inner, dict) or not ({"flavorRef", "volume"} & set(inner)):
            raise BadRequest("Validation error: resize needs 'flavorRef' or 'volume'.")
        if "volume" in inner:
            validate("resize_volume", body)
            size = int(inner["volume"]["size"])
            self.check_volume_limit(size)
            self.check_can_act(row)
            if size <= row["volume_size"]:
                raise BadRequest(
                    f"The new volume 'size' must be larger than the current volume size of '{row['volume_size']}'."
                )
            self.start_task(row, ACTION_TASKS["resize"], durations.resize, {"volume_size": size})
        else:
            validate("resize_flavor", body)
            self.check_can_act(row)
            try:
                flavor = catalog.get_flavor(inner["flavorRef"])
            except ItemNotFound as exc:
                raise BadRequest(exc.message) from None
            if flavor.id == row["flavor_id"]:
                raise BadRequest(
                    f"The new flavor id must be different than the current flavor id of '{row['flavor_id']}'."
                )
            self.start_task(row, ACTION_TASKS["resize"], durations.resize, {"flavor_id": flavor.id})

    def start_task(
        self,
        row: dict,
        task: str,
        seconds: float | None,
        data: dict | None,
        extra: dict | None = None,
        at: dt.datetime | None = None,
    ) -> None:
        """The instance runs task for seconds from at (default now; None: until something ends it), with its
        data; extra columns change with it."""
        now = at or self.backend.now()
        self.repo.update(
            row["id"],
            {
                **(extra or {}),
                "task": task,
                "task_until": None if seconds is None else now.timestamp() + seconds,
                "task_data": json.dumps(data) if data else None,
                "updated": api_time(now),
            },
        )

    def mark_fault(self, instance_id: str, fault: str) -> None:
        """Model fault: the running task of this instance ends badly (see settle_one)."""
        row = self.repo.get_any(instance_id)
        if row is None:
            raise not_found(instance_id)
        data = json.loads(row["task_data"] or "{}")
        data["fault"] = fault
        self.repo.update(instance_id, {"task_data": json.dumps(data)})

    # root ------------------------------------------------------------------------------------
    def enable_root(self, account_id: str, instance_id: str) -> dict:
        row = self.check_ready(self.must_get_row(account_id, instance_id))
        password = self.backend.ids.password()
        self.repo.update(
            row["id"], {"root_enabled": 1, "root_password_hash": hash_password(password, self.backend.ids.hex(8))}
        )
        return {"name": "root", "password": password}

    def root_status(self, account_id: str, instance_id: str) -> bool:
        row = self.check_ready(self.must_get_row(account_id, instance_id), reading=True)
        return bool(row["root_enabled"])

    # lifecycle -------------------------------------------------------------------------------
    def next_due(self) -> float | None:
        return self.repo.next_due()

    def settle_one(self, now: float) -> None:
        """Finish the earliest instance task that is due."""
        row = self.repo.first_due(now)
        if row is None:
            return
        data = json.loads(row["task_data"] or "{}")
        when = dt.datetime.fromtimestamp(row["task_until"], dt.timezone.utc)
        changes = {"task": None, "task_until": None, "task_data": None, "updated": api_time(when)}
        task = row["task"]
        if task == "SHUTDOWN":
            self.repo.delete(row["id"])
            return
        if task == "BUILD":
            changes["status"] = "ACTIVE"
            if data.get("fault"):
                changes["status"] = "ERROR"
                changes["fault"] = data["fault"]
            elif data.get("restore"):
                contents = self.restores.contents(row["account_id"], data["restore"])
                if contents is None:
                    changes["status"] = "ERROR"
                    changes["fault"] = "Restore failed: a backup in the chain is missing or failed."
                else:
                    self.repo.replace_contents(row["id"], contents)
                    self.backend.databases.insert(row["id"], data.get("databases") or [])
                    self.backend.users.insert(row["id"], data.get("users") or [])
        elif task == "UPGRADE" and data.get("fault"):
            changes["status"] = "ERROR"
            changes["fault"] = data["fault"]
        elif task == "RESIZE" and not data.get("fault"):
            for key in ("flavor_id", "volume_size"):
                if key in data:
                    changes[key] = data[key]
        self.backend.replication.task_ended(row, data, changes)
        self.repo.update(row["id"], changes)
