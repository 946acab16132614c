"""What a test suite exercised of the simulated API, read from the journal: operations (route names), the lifecycle
transitions the model carried out (each journal entry holds its request's), error answers and fault rules, and, as
important, what it never did (pytest --cdbsim-coverage)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from simulator.faults.scenario import shipped_scenarios
from simulator.http import is_control_path
from simulator.reference.lifecycle import LIFECYCLE, labels
from simulator.routes import OPERATIONS


def api_operations() -> list[str]:
    """Every operation of the simulated API: the API table's route names (the control plane is not in it)."""
    return [op.name for op in OPERATIONS]


def restore_refused(entry: dict) -> bool:
    """A create with a restorePoint that was answered 4xx (an answer, not a transition: read from the exchange)."""
    req = (entry.get("request") or {}).get("body")
    spec = req.get("instance") if isinstance(req, dict) else None
    ref = (spec.get("restorePoint") or {}).get("backupRef") if isinstance(spec, dict) else None
    return entry.get("route") == "create_instance" and ref is not None and 400 <= (entry.get("status") or 0) < 500


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

    def add_test(
        self, entries: list[dict], scenarios: Sequence[dict] = (), transitions: Iterable[dict] | None = None
    ) -> None:
        """One test's journal entries (in order) and the fault scenarios it had loaded (as the engine lists them).

        The lifecycle transitions are those the model carried out, which each entry holds (its request's, a control
        call's too: reference/lifecycle.labels names them), unless transitions gives them; operations and errors
        are the API's answers."""
        self.tests += 1
        for item in transitions if transitions is not None else (i for e in entries for i in e.get("lifecycle") or ()):
            self.lifecycle.update(labels(item))
        for e in entries:
            route = e.get("route")
            if not route or route.startswith("sim_") or is_control_path(e.get("path") or ""):
                continue
            if restore_refused(e):
                self.lifecycle["restore refused (4xx)"] += 1
            self.operations[route] += 1
            status = e.get("status") or 0
            if status >= 400:
                body = (e.get("response") or {}).get("body")
                fault = next(iter(body), "") if isinstance(body, dict) and len(body) == 1 else ""
                self.errors[f"{route} {status} {fault}".rstrip()] += 1
            elif status == 0:
                self.errors[f"{route} connection dropped"] += 1
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
