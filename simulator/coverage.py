"""What a test suite exercised of the simulated API, read from the journal: operations (route names), lifecycle
transitions, error answers and fault rules, and, as important, what it never did (pytest --cdbsim-coverage)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from simulator.faults.scenario import shipped_scenarios
from simulator.http import is_control_path
from simulator.reference.lifecycle import ACTION_TASKS, HA_ACTION_STATES, LIFECYCLE
from simulator.routes import ROUTES

#: Instance statuses that end a task: seeing one after a task status is the task's end.
SETTLED = ("ACTIVE", "ERROR")


def api_operations() -> list[str]:
    """Every operation of the simulated API: the API table's route names (the control plane is not in it)."""
    names = []
    for route in ROUTES:
        name = getattr(route, "kwargs", {}).get("name")
        if name and not name.startswith("sim_") and name not in names:
            names.append(name)
    return names


class _Test:
    """What one test's journal says happened to each resource, in order."""

    def __init__(self, coverage: Coverage) -> None:
        self.coverage = coverage
        self.instances: dict[str, str] = {}  # id -> last status seen or started
        self.restores: dict[str, str] = {}  # restored instance id -> "full" | "incremental" | "unknown"
        self.backups: dict[str, str] = {}  # id -> last status
        self.backup_kind: dict[str, str] = {}  # id -> "full" | "incremental"
        self.replicas: set[str] = set()  # ids of instances created as replicas
        self.groups: dict[str, str] = {}  # HA group id -> last state seen or started

    def saw(self, label: str) -> None:
        self.coverage.lifecycle[label] += 1

    def instance(self, instance_id: str, status: str) -> None:
        before = self.instances.get(instance_id)
        self.instances[instance_id] = status
        if before is None or before == status:
            return
        if instance_id in self.replicas and before == "BUILD" and status == "ACTIVE":
            self.saw("replica BUILD -> ACTIVE")
        kind = self.restores.get(instance_id)
        if kind is not None and before == "BUILD" and status in SETTLED:
            if status == "ACTIVE" and kind != "unknown":
                self.saw(f"restore from {kind} backup: BUILD -> ACTIVE")
            elif status == "ERROR":
                self.saw("restore: BUILD -> ERROR")
        self.saw(f"instance {before} -> {status}")

    def backup(self, view: dict) -> None:
        backup_id, status = view.get("id"), view.get("status")
        if not isinstance(backup_id, str) or not isinstance(status, str):
            return
        kind = view.get("type") or ("incremental" if view.get("parent_id") else "full")
        self.backup_kind[backup_id] = kind if kind in ("full", "incremental") else "full"
        before = self.backups.get(backup_id)
        self.backups[backup_id] = status
        if before in ("NEW", "BUILDING") and status == "COMPLETED":
            self.saw(f"backup ({self.backup_kind[backup_id]}) NEW -> COMPLETED")
        elif before in ("NEW", "BUILDING") and status == "FAILED":
            self.saw("backup NEW -> FAILED")

    def group(self, group_id, state) -> None:
        """An HA group's state seen (or started by an accepted action)."""
        if not isinstance(group_id, str) or not isinstance(state, str):
            return
        before = self.groups.get(group_id)
        self.groups[group_id] = state
        if before is not None and before != state:
            self.saw(f"ha {before} -> {state}")

    def gone(self, kind: str, resource_id: str) -> None:
        if kind == "instances" and self.instances.get(resource_id) == "SHUTDOWN":
            self.instances.pop(resource_id)
            self.saw("instance SHUTDOWN -> deleted")
        if kind == "ha" and self.groups.get(resource_id) == "DELETING":
            self.groups.pop(resource_id)
            self.saw("ha DELETING -> deleted")

    def replication(self, route, status: int, req, body, target) -> None:
        """What replication and HA calls start: replicas created, detaches, HA states (seen and started)."""
        if route == "create_instance" and status == 200 and isinstance(body, dict):
            view = body.get("instance")
            if isinstance(view, dict) and isinstance(view.get("replica_of"), dict) and isinstance(view.get("id"), str):
                self.replicas.add(view["id"])
                source = view["replica_of"].get("id")
                if isinstance(source, str) and source in self.instances:  # it restarts while the replica builds
                    self.instance(source, "RESTART")
        if (
            route in ("patch_instance", "put_instance")
            and status == 202
            and target
            and isinstance(req, dict)
            and isinstance(req.get("instance"), dict)
            and {"replica_of", "slave_of"} & set(req["instance"])
        ):
            self.instance(target, "DETACH_REPLICA")
        if isinstance(body, dict):
            found = body.get("ha_instance")
            for view in [found] if isinstance(found, dict) else body.get("ha_instances") or []:
                if isinstance(view, dict):
                    self.group(view.get("id"), view.get("state"))
        if route == "ha_action" and status == 202 and target and isinstance(req, dict) and len(req) == 1:
            state = HA_ACTION_STATES.get(next(iter(req)))
            if state:
                self.group(target, state)
        elif route == "delete_ha_instance" and status == 202 and target:
            self.group(target, "DELETING")
        elif route == "show_ha_instance" and status == 404 and target:
            self.gone("ha", target)

    def entry(self, e: dict) -> None:
        route, status = e.get("route"), e.get("status") or 0
        req = (e.get("request") or {}).get("body")
        body = (e.get("response") or {}).get("body")
        parts = (e.get("path") or "").strip("/").split("/")
        parts = parts[1:] if parts[0] != "v1.0" else parts  # another region's path: /<region>/v1.0/...
        target = parts[3] if len(parts) > 3 else None
        if route == "create_instance" and isinstance(req, dict):
            ref = (
                ((req.get("instance") or {}).get("restorePoint") or {}).get("backupRef")
                if isinstance(req.get("instance"), dict)
                else None
            )
            if ref is not None and 400 <= status < 500:
                self.saw("restore refused (4xx)")
            if ref is not None and status == 200 and isinstance(body, dict):
                ref_id = str(ref).rstrip("/").rsplit("/", 1)[-1]
                restored = (body.get("instance") or {}).get("id")
                if isinstance(restored, str):
                    self.restores[restored] = self.backup_kind.get(ref_id, "unknown")
        if isinstance(body, dict):
            found = body.get("instance")
            for view in [found] if isinstance(found, dict) else body.get("instances") or []:
                if isinstance(view, dict) and isinstance(view.get("id"), str) and isinstance(view.get("status"), str):
                    self.instance(view["id"], view["status"])
            found = body.get("backup")
            for view in [found] if isinstance(found, dict) else body.get("backups") or []:
                if isinstance(view, dict):
                    self.backup(view)
        self.replication(route, status, req, body, target)
        if status == 202 and route == "instance_action" and isinstance(req, dict) and target and len(req) == 1:
            task = ACTION_TASKS.get(next(iter(req)))
            if task:
                self.instance(target, task)
        elif (
            status == 202
            and route in ("patch_instance", "put_instance")
            and target
            and isinstance(req, dict)
            and isinstance(req.get("instance"), dict)
            and "datastore_version" in req["instance"]
        ):
            self.instance(target, "UPGRADE")
        elif status == 202 and route == "delete_instance" and target:
            self.instance(target, "SHUTDOWN")
        elif status == 202 and route == "create_backup" and isinstance(body, dict):
            instance_id = (body.get("backup") or {}).get("instance_id")
            if isinstance(instance_id, str) and self.instances.get(instance_id) == "ACTIVE":
                self.instance(instance_id, "BACKUP")
        elif status == 202 and route == "delete_backup" and target:
            if self.backups.pop(target, None) == "COMPLETED":
                self.saw("backup COMPLETED -> deleted")
        elif status == 404 and route == "show_instance" and target:
            self.gone("instances", target)


class Coverage:
    """Counts over a whole session; add one test's journal at a time (resources never span tests)."""

    def __init__(self, operations: list[str] | None = None) -> None:
        self.operations_known = operations if operations is not None else api_operations()
        self.operations: Counter = Counter()
        self.lifecycle: Counter = Counter()
        self.errors: Counter = Counter()  # "route status fault" -> count
        self.rules_fired: Counter = Counter()  # "scenario/rule" -> hits
        self.rules_loaded: set[str] = set()
        self.scenarios_loaded: set[str] = set()
        self.shipped: list[str] = []
        self.tests = 0

    def add_test(self, entries: list[dict], scenarios: Sequence[dict] = ()) -> None:
        """One test's journal entries (in order) and the fault scenarios it had loaded (as the engine lists them)."""
        self.tests += 1
        test = _Test(self)
        for e in entries:
            route = e.get("route")
            if not route or route.startswith("sim_") or is_control_path(e.get("path") or ""):
                continue
            self.operations[route] += 1
            status = e.get("status") or 0
            if status >= 400:
                body = (e.get("response") or {}).get("body")
                fault = next(iter(body), "") if isinstance(body, dict) and len(body) == 1 else ""
                self.errors[f"{route} {status} {fault}".rstrip()] += 1
            elif status == 0:
                self.errors[f"{route} connection dropped"] += 1
            test.entry(e)
        for scenario in scenarios:
            self.scenarios_loaded.add(scenario["name"])
            for rule in scenario.get("rules", []):
                key = f"{scenario['name']}/{rule['name']}"
                self.rules_loaded.add(key)
                if rule.get("hits"):
                    self.rules_fired[key] += rule["hits"]

    # merging (pytest-xdist workers) ---------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The counts, as JSON: what a report needs and what workers send to the controller."""
        return {
            "tests": self.tests,
            "operations": dict(self.operations),
            "lifecycle": dict(self.lifecycle),
            "errors": dict(self.errors),
            "rules_fired": dict(self.rules_fired),
            "rules_loaded": sorted(self.rules_loaded),
            "scenarios_loaded": sorted(self.scenarios_loaded),
        }

    def merge(self, data: dict) -> None:
        self.tests += data.get("tests", 0)
        for name in ("operations", "lifecycle", "errors", "rules_fired"):
            getattr(self, name).update(data.get(name) or {})
        self.rules_loaded.update(data.get("rules_loaded") or [])
        self.scenarios_loaded.update(data.get("scenarios_loaded") or [])

    # reporting ------------------------------------------------------------------------------------------------------
    def report(self) -> dict:
        """Exercised and never-exercised, per kind."""
        operations = [o for o in self.operations_known]
        return {
            "tests": self.tests,
            "operations": {
                "exercised": {o: self.operations[o] for o in operations if self.operations[o]},
                "never": [o for o in operations if not self.operations[o]],
            },
            "lifecycle": {
                "exercised": {t: self.lifecycle[t] for t in LIFECYCLE if self.lifecycle[t]},
                "never": [t for t in LIFECYCLE if not self.lifecycle[t]],
                "other": {t: n for t, n in sorted(self.lifecycle.items()) if t not in LIFECYCLE},
            },
            "errors": dict(sorted(self.errors.items())),
            "faults": {
                "fired": dict(sorted(self.rules_fired.items())),
                "never_fired": sorted(self.rules_loaded - set(self.rules_fired)),
                "shipped_never_loaded": [s for s in shipped_scenarios() if s not in self.scenarios_loaded],
            },
        }

    def render(self) -> list[str]:
        """The report as terminal lines."""
        r = self.report()
        ops, life, faults = r["operations"], r["lifecycle"], r["faults"]
        n_ops = len(ops["exercised"]) + len(ops["never"])
        lines = [
            f"{r['tests']} tests used cdbsim",
            f"operations: {len(ops['exercised'])} of {n_ops} exercised",
            *_listing("exercised", ops["exercised"]),
            *_listing("never", ops["never"]),
            f"lifecycle transitions: {len(life['exercised'])} of {len(LIFECYCLE)} seen",
            *_listing("seen", life["exercised"]),
            *_listing("never", life["never"]),
        ]
        if life["other"]:
            lines += _listing("also seen", life["other"])
        lines.append(f"error answers: {sum(r['errors'].values())}")
        lines += _listing("seen", r["errors"])
        loaded = len(faults["fired"]) + len(faults["never_fired"])
        lines.append(f"fault rules: {len(faults['fired'])} of {loaded} loaded rules fired")
        lines += _listing("fired", faults["fired"]) + _listing("loaded, never fired", faults["never_fired"])
        lines += _listing("shipped scenarios never loaded", faults["shipped_never_loaded"])
        return lines


def _listing(title: str, items) -> list[str]:
    if not items:
        return []
    if isinstance(items, dict):
        text = ", ".join(f"{k} ({v})" for k, v in items.items())
    else:
        text = ", ".join(items)
    return [f"  {title}: {text}"]
