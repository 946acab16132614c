"""The package's imports form no loop (function-level imports included) and name no module by string.

Imports under `if TYPE_CHECKING:` are for annotations only (with `from __future__ import annotations` they never run):
the rule modules name their facade's type, Backend, that way, and they are not part of the graph."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import simulator

PACKAGE = Path(simulator.__file__).parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def type_checking_only(tree: ast.AST) -> set[ast.AST]:
    """The import nodes inside `if TYPE_CHECKING:` blocks (never run)."""
    out: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            out.update(n for stmt in node.body for n in ast.walk(stmt))
    return out


@functools.cache  # three tests read it: the package's ~160 modules are parsed once per process, not per test
def import_graph() -> dict[str, set[str]]:
    """module -> the simulator modules it imports anywhere in its body, but for annotations only (`from a import b`
    counts a.b when b is a module, else a). Callers only read it."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(), str(path))
        skip = type_checking_only(tree)
        for node in ast.walk(tree):
            targets: list[str] = []
            if node in skip:
                continue
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = name.split(".") if is_package else name.split(".")[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            for target in targets:
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import loop, as the list of modules along it, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_package_has_no_import_loop():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import loop: " + " -> ".join(cycle or [])


def test_an_annotation_only_import_is_not_an_edge():
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from a import B\nimport c\n")
    skipped = type_checking_only(tree)
    assert [n.module for n in skipped if isinstance(n, ast.ImportFrom)] == ["a"]
    assert not any(isinstance(n, ast.Import) for n in skipped)


def test_a_planted_loop_is_found():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_module_is_imported_by_name():
    offenders = [
        str(p.relative_to(PACKAGE.parent))
        for p in PACKAGE.rglob("*.py")
        if "import_module" in p.read_text() or "__import__" in p.read_text()
    ]
    assert not offenders


#: The layers, lowest first. A module may import its own layer and the ones below, never one above: reference data
#: and the shared basics know nothing of SQL; repositories know nothing of rules; the backend's rules know nothing
#: of HTTP; views render models; the web layer (pipeline, handlers, control plane, faults, replay, dashboard) turns
#: HTTP into backend calls; the app wires it; the process's face (serve, testing, the plugin) runs it.
LAYERS: list[tuple[str, ...]] = [
    ("errors", "clock", "ids", "hashing", "config", "shipped", "reference", "version"),
    ("repos",),
    ("backend", "demo"),
    ("views",),
    (
        "http",
        "keys",
        "pipeline",
        "handlers",
        "faults",
        "replay",
        "control",
        "dashboard",
        "coverage",
        "routes",
        "route_index",
    ),
    ("app",),
    ("serve", "testing", "pytest_plugin", "__main__", ""),
]


def layer_of(module: str) -> int:
    part = module.split(".")[1] if "." in module else ""
    return next(i for i, names in enumerate(LAYERS) if part in names)


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    return sorted(f"{a} -> {b}" for a, targets in graph.items() for b in targets if layer_of(b) > layer_of(a))


def test_every_module_has_a_layer():
    assert all(layer_of(m) >= 0 for m in import_graph())


def test_no_import_runs_back_up_a_layer():
    assert upward_imports(import_graph()) == []


def test_an_upward_import_is_found():
    assert upward_imports({"simulator.backend.x": {"simulator.handlers.y"}, "simulator.handlers.y": set()}) == [
        "simulator.backend.x -> simulator.handlers.y"
    ]
