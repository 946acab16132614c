"""Configuration groups (Trove's configuration service): create, list, show, merge, replace and delete them, check
their values against the datastore version's parameters, and what attaching, changing or detaching one does to an
instance (RESTART_REQUIRED when a value needs a restart)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from simulator.backend.schemas import validate
from simulator.clock import api_time
from simulator.errors import BadRequest, ItemNotFound, UnprocessableEntity, not_found
from simulator.reference import catalog
from simulator.reference.lifecycle import RESTART_REQUIRED
from simulator.reference.parameters import Parameter, flavor_defaults, parameters_of

if TYPE_CHECKING:
    from simulator.backend import Backend

PAGE_SIZE = 20


def group_not_found(configuration_id: str) -> ItemNotFound:
    return ItemNotFound(f"Configuration group with ID {configuration_id} could not be found.")


class Configurations:
    """The rules for configuration groups and their parameters."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.repo = backend.store.configurations

    # reading ---------------------------------------------------------------------------------
    def must_get_row(self, account_id: str, configuration_id: str) -> dict:
        row = self.repo.get(account_id, configuration_id)
        if row is None:
            raise group_not_found(configuration_id)
        return row

    @staticmethod
    def model(row: dict) -> dict:
        """The row plus the names of its datastore and version (from the catalog)."""
        version = catalog.find_version(row["datastore_version_id"])
        return {**row, "datastore_name": version.datastore_name, "datastore_version_name": version.name}

    def page(self, account_id: str, limit: int | None, marker: str | None) -> tuple[list[dict], str | None]:
        """One page of the account's groups (by id) and the next marker."""
        limit = PAGE_SIZE if not limit or limit <= 0 else min(limit, PAGE_SIZE)
        rows = self.repo.page(account_id, limit, marker)
        next_marker = rows[limit - 1]["id"] if len(rows) > limit else None
        return [self.model(r) for r in rows[:limit]], next_marker

    def get(self, account_id: str, configuration_id: str) -> dict:
        """A group with its values and how many of the account's instances use it; 404 otherwise."""
        row = self.must_get_row(account_id, configuration_id)
        return {
            **self.model(row),
            "values": self.repo.values(row["id"]),
            "instance_count": self.repo.instance_count(account_id, row["id"]),
        }

    def instances(
        self, account_id: str, configuration_id: str, limit: int | None, marker: str | None
    ) -> tuple[list[dict], str | None]:
        """One page of (id, name) of the instances using a group, and the next marker."""
        row = self.must_get_row(account_id, configuration_id)
        limit = PAGE_SIZE if not limit or limit <= 0 else min(limit, PAGE_SIZE)
        rows = self.repo.instances_page(account_id, row["id"], limit, marker)
        next_marker = rows[limit - 1]["id"] if len(rows) > limit else None
        return rows[:limit], next_marker

    def names(self, configuration_ids: set[str]) -> dict[str, str]:
        """id -> name of these groups, for the views of the instances that use them."""
        return self.repo.names({c for c in configuration_ids if c})

    # writing ---------------------------------------------------------------------------------
    def create(self, account_id: str, body: Any) -> dict:
        """POST /configurations: a group for a datastore version (the default one when not named), 200."""
        validate("configuration_create", body)
        spec = body["configuration"]
        datastore = spec.get("datastore") or {}
        version = catalog.resolve_datastore(datastore.get("type"), datastore.get("version"))
        values = self.check_values(spec["values"], version)
        now = api_time(self.backend.now())
        row = {
            "id": self.backend.ids.uuid(taken=self.repo.exists),
            "account_id": account_id,
            "name": spec["name"],
            "description": spec.get("description"),
            "datastore_version_id": version.id,
            "created": now,
            "updated": now,
        }
        self.repo.insert(row, values)
        return {**self.model(row), "values": dict(sorted(values.items())), "instance_count": 0}

    def edit(self, account_id: str, configuration_id: str, body: Any) -> None:
        """PATCH: merge the given values into the group (200); attached instances take them at once, or wait for a
        restart when one of them needs it."""
        validate("configuration_edit", body)
        row = self.must_get_row(account_id, configuration_id)
        values = self.check_values(body["configuration"]["values"], catalog.find_version(row["datastore_version_id"]))
        before = self.repo.values(row["id"])
        given = {k.lower() for k in values}  # a value given again in another case replaces the one kept
        self.repo.replace_values(row["id"], {**{k: v for k, v in before.items() if k.lower() not in given}, **values})
        self.repo.update(row["id"], {"updated": api_time(self.backend.now())})
        self._changed(row, before, {**before, **values})

    def replace(self, account_id: str, configuration_id: str, body: Any) -> None:
        """PUT: the group holds exactly the given values (none when `values` is left out, as in Trove), and takes
        a new name or description when given (202)."""
        validate("configuration_update", body)
        row = self.must_get_row(account_id, configuration_id)
        spec = body["configuration"]
        values = self.check_values(spec.get("values") or {}, catalog.find_version(row["datastore_version_id"]))
        before = self.repo.values(row["id"])
        changes = {k: spec[k] for k in ("name", "description") if k in spec}
        self.repo.replace_values(row["id"], values)
        self.repo.update(row["id"], {**changes, "updated": api_time(self.backend.now())})
        self._changed(row, before, values)

    def delete(self, account_id: str, configuration_id: str) -> None:
        """DELETE: 202; refused while any instance (even one being deleted) still uses the group."""
        row = self.must_get_row(account_id, configuration_id)
        if self.repo.instance_count(account_id, row["id"]):
            raise BadRequest(
                "A configuration group cannot be deleted if it is associated with one or more "
                "non-terminated instances. Detach the configuration group from all non-terminated "
                "instances and please try again."
            )
        self.repo.delete(row["id"])

    def _changed(self, row: dict, before: dict, after: dict) -> None:
        """A group's values went from before to after: when a changed one needs a restart, every attached
        instance that is running (no task of its own) waits for one."""
        changed = {k for k in before.keys() | after.keys() if before.get(k, object()) != after.get(k, object())}
        if not self.needs_restart(changed, row["datastore_version_id"]):
            return
        for instance in self.repo.attached(row["account_id"], row["id"]):
            if instance["task"] is None and instance["status"] == "ACTIVE":
                self.backend.store.instances.update(instance["id"], {"task": RESTART_REQUIRED})

    # values ----------------------------------------------------------------------------------
    @staticmethod
    def check_values(values: dict, version: catalog.DatastoreVersion) -> dict:
        """Trove's checks of a group's values against the version's parameters (422 on the first bad one); the
        values with each parameter once, as MySQL matches a variable's name whatever its case (under the first
        spelling given, as Trove keeps a key as typed; 422 when one is given twice with different values)."""
        params = {name.lower(): p for name, p in parameters_of(version.id).items()}
        once: dict[str, tuple[str, Any]] = {}
        if not params:
            raise UnprocessableEntity(
                f"Configuration groups are not supported for this datastore: {version.datastore_name} {version.name}"
            )
        for key, value in values.items():
            param = params.get(key.lower())
            if param is None:
                raise UnprocessableEntity(
                    f"The configuration parameter {key} is not supported for this "
                    f"datastore: {version.datastore_name} {version.name}."
                )
            first = once.setdefault(key.lower(), (key, value))
            if first[1] != value:
                raise UnprocessableEntity(
                    f"The configuration parameter {first[0]} is given twice (as {first[0]} and {key}: names are "
                    f"matched whatever their case) with different values."
                )
            is_int = isinstance(value, int) and not isinstance(value, bool)
            if not (is_int if param.type == "integer" else isinstance(value, str)):
                raise UnprocessableEntity(
                    f"The value provided for the configuration parameter {key} is not of type {param.type}."
                )
            if is_int and param.min is not None and value < param.min:
                raise UnprocessableEntity(
                    f"The value for the configuration parameter {key} is less than the minimum allowed: {param.min}"
                )
            if is_int and param.max is not None and value > param.max:
                raise UnprocessableEntity(
                    f"The value for the configuration parameter {key} is greater than the maximum allowed: {param.max}"
                )
        return dict(once.values())

    @staticmethod
    def needs_restart(names: Iterable[str], version_id: str) -> bool:
        """Whether setting (or unsetting) any of these parameters needs a restart of the database."""
        params = {name.lower(): p for name, p in parameters_of(version_id).items()}
        return any(params[n.lower()].restart_required for n in names if n.lower() in params)

    # parameters ------------------------------------------------------------------------------
    @staticmethod
    def version(datastore_ref: str | None, version_ref: str) -> catalog.DatastoreVersion:
        """A datastore version by datastore and version (ids or names), or by version id alone; 404 otherwise."""
        if datastore_ref is None:
            return catalog.find_version(version_ref)
        return catalog.get_version(catalog.get_datastore(datastore_ref), version_ref)

    def parameters(self, datastore_ref: str | None, version_ref: str) -> list[Parameter]:
        """Every parameter a group of this version may set."""
        return list(parameters_of(self.version(datastore_ref, version_ref).id).values())

    def parameter(self, datastore_ref: str | None, version_ref: str, name: str) -> Parameter:
        """One parameter of the version by its name; 404 otherwise."""
        param = parameters_of(self.version(datastore_ref, version_ref).id).get(name)
        if param is None:
            raise not_found(name)
        return param

    def version_defaults(
        self, version_id: str, flavor_ref: str
    ) -> tuple[catalog.DatastoreVersion, catalog.Flavor, dict[str, dict]]:
        """GET /datastore/version/{v}/configuration/{flavor}: each default with its parameter's details."""
        version = catalog.find_version(version_id)
        flavor = catalog.get_flavor(flavor_ref)
        params = parameters_of(version.id)
        out: dict[str, dict] = {}
        for key, default in flavor_defaults(version, flavor, None).items():
            param = params.get(key)
            out[key] = {"default": default}
            if param is not None:
                out[key].update({"type": param.type, "restart_required": param.restart_required})
                out[key].update({k: v for k, v in (("min", param.min), ("max", param.max)) if v is not None})
        return version, flavor, out

    # instances -------------------------------------------------------------------------------
    def check_upgrade(self, instance: dict, target: catalog.DatastoreVersion) -> None:
        """An upgrade may not leave a group of another version attached (attaching it would be refused): 400, as
        attaching that group to an instance of the target version is refused."""
        group_id = instance.get("configuration_id")
        if group_id:
            row = self.repo.get(instance["account_id"], group_id)
            if row is not None and row["datastore_version_id"] != target.id:
                raise BadRequest(
                    f"Configuration group {group_id} is for another datastore version: detach it before upgrading "
                    f"(Datastore Version on Configuration {row['datastore_version_id']} does not match the "
                    f"Datastore Version on the instance {target.id})."
                )

    def check_for_instance(self, account_id: str, configuration_id: str, version_id: str) -> dict:
        """The group an instance of this datastore version may take: 404 unknown, 400 another version."""
        row = self.repo.get(account_id, configuration_id)
        if row is None:
            raise ItemNotFound(f"Configuration group id: {configuration_id} could not be found.")
        if row["datastore_version_id"] != version_id:
            raise BadRequest(
                f"Datastore Version on Configuration {row['datastore_version_id']} does not match "
                f"the Datastore Version on the instance {version_id}."
            )
        return row

    def check_assign_state(self, instance: dict, task_word: str | None) -> None:
        """Attach and detach need a running instance with no task, not even RESTART_REQUIRED (Trove's 400)."""
        status = task_word if instance["task"] else (instance["status"] if instance["status"] != "ACTIVE" else None)
        if status:
            raise BadRequest(
                f"The operation you have requested cannot be executed because the instance status "
                f"is currently: {status}."
            )

    def attach(self, instance: dict, configuration_id: str, task_word: str | None) -> None:
        """PUT/PATCH {"instance": {"configuration": id}}: the group's values apply at once, or the instance waits in
        RESTART_REQUIRED when one of them needs a restart."""
        if instance["configuration_id"]:
            raise BadRequest(
                f"Instance {instance['id']} already has a Configuration Group attached: {instance['configuration_id']}."
            )
        self.check_assign_state(instance, task_word)
        row = self.check_for_instance(instance["account_id"], configuration_id, instance["datastore_version_id"])
        changes: dict = {"configuration_id": row["id"]}
        if self.needs_restart(self.repo.values(row["id"]), row["datastore_version_id"]):
            changes["task"] = RESTART_REQUIRED
        self.backend.store.instances.update(instance["id"], changes)

    def detach(self, instance: dict, task_word: str | None) -> None:
        """{"configuration": "" or null}: the defaults come back at once when every value has a default and none
        needs a restart; otherwise the instance waits in RESTART_REQUIRED (Trove's reset_configuration). An
        instance without a group stays as it is."""
        if not instance["configuration_id"]:
            return
        self.check_assign_state(instance, task_word)
        values = self.repo.values(instance["configuration_id"])
        defaults = self.instance_defaults(instance, with_group=False)
        changes: dict = {"configuration_id": None}
        if self.needs_restart(values, instance["datastore_version_id"]) or not set(values) <= set(defaults):
            changes["task"] = RESTART_REQUIRED
        self.backend.store.instances.update(instance["id"], changes)

    def defaults_of(self, account_id: str, instance_id: str) -> dict[str, str]:
        """GET /instances/{id}/configuration of an instance of the account (404 otherwise)."""
        return self.instance_defaults(self.backend.instances.must_get_row(account_id, instance_id))

    def instance_defaults(self, instance: dict, with_group: bool = True) -> dict[str, str]:
        """GET /instances/{id}/configuration: what the flavor implies, overlaid with the attached group's values
        (all strings, as the template renders them)."""
        version = catalog.find_version(instance["datastore_version_id"])
        values = flavor_defaults(version, catalog.get_flavor(instance["flavor_id"]), instance["id"])
        if with_group and instance.get("configuration_id"):
            values.update({k: str(v) for k, v in self.repo.values(instance["configuration_id"]).items()})
        return dict(sorted(values.items()))

    def fail(self, account_id: str, instance_ids: list[str], message: str) -> list[str]:
        """Model fault: the configuration change leaves these instances (of the account) in ERROR: at once, or when
        the task the change started (an upgrade) ends."""
        failed = []
        for instance_id in instance_ids:
            row = self.backend.store.instances.get(account_id, instance_id)
            if row is None:
                continue
            if row["task_until"] is not None:
                self.backend.instances.mark_fault(instance_id, message)
            else:
                self.backend.store.instances.update(instance_id, {"status": "ERROR", "task": None, "fault": message})
            failed.append(instance_id)
        return failed

    def seed_demo(self, account_id: str, instance_id: str, configuration_id: str) -> None:
        """The sandbox's demo group (the name the docs' create example shows), attached to the demo instance; its
        id is fixed, so the seed page's restore still draws the id it documents."""
        instance = self.backend.instances.must_get_row(account_id, instance_id)
        now = api_time(self.backend.now())
        self.repo.insert(
            {
                "id": configuration_id,
                "account_id": account_id,
                "name": "MySQL Tuned Config",
                "description": "Dynamic settings: applied without a restart",
                "datastore_version_id": instance["datastore_version_id"],
                "created": now,
                "updated": now,
            },
            {"connect_timeout": 120, "max_connections": 80},
        )
        self.backend.store.instances.update(instance_id, {"configuration_id": configuration_id})

    def attached_ids(self, account_id: str, configuration_id: str) -> list[str]:
        return [r["id"] for r in self.repo.attached(account_id, configuration_id)]
