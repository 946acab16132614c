"""Scenario sources (a shipped name, a file, YAML or JSON text, a mapping) read within bounds and built by the
checker; errors name file, rule and field."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from simulator.errors import BadRequest
from simulator.faults.checker import Scenario, ScenarioChecker, not_a_mapping
from simulator.faults.documents import DocumentError, check_bounds, parse_yaml, read_text_file
from simulator.shipped import SCENARIOS_DIR

#: Where the shipped scenarios live: package data (the repository's top-level scenarios/ folder in a checkout).
SHIPPED_DIR = SCENARIOS_DIR


class ScenarioError(BadRequest):
    """A scenario that cannot be loaded; `problems` lists each place ("file: rules[1] 'name': field: what")."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        head = problems[0] if len(problems) == 1 else f"{len(problems)} problems: " + "; ".join(problems)
        super().__init__(f"Invalid scenario: {head}")


def shipped_scenarios(directory: Path = SHIPPED_DIR) -> dict[str, Path]:
    """The shipped scenarios by name (file stem)."""
    if not directory.is_dir():
        return {}
    return {p.stem: p for p in sorted(directory.glob("*.yaml"))}


def read_source(source: str | dict | Path, origin: str | None = None) -> tuple[Any, str]:
    """(parsed document, origin) from a mapping, a file path, a shipped scenario's name or YAML/JSON text; a
    document over the bounds of simulator.faults.documents is refused before it is expanded."""
    try:
        document, origin = _read_source(source, origin)
        check_bounds(document, origin)
    except DocumentError as exc:
        raise ScenarioError([str(exc)]) from None
    return document, origin


async def parse_scenario(source: str | dict | Path, origin: str | None = None) -> tuple[dict, str]:
    """read_source in a worker thread, so reading a file and parsing YAML never hold the event loop; then load the
    mapping with engine.load_entry(document, account_id, origin=origin). Only for a caller outside a store
    transaction: an await inside one lets other requests' writes into it (and a rollback out of it)."""
    document, where = await asyncio.to_thread(read_source, source, origin)
    if not isinstance(document, dict):
        raise ScenarioError([not_a_mapping(where, document)])
    return document, where


def _read_source(source: str | dict | Path, origin: str | None) -> tuple[Any, str]:
    if isinstance(source, dict):
        return source, origin or "<scenario>"
    if isinstance(source, Path):
        return _read_file(source)
    if not isinstance(source, str):
        raise ScenarioError(
            [
                f"{origin or '<scenario>'}: a scenario is a mapping, a path, a name or YAML text, "
                f"not {type(source).__name__}"
            ]
        )
    shipped = shipped_scenarios()
    if source in shipped:
        return _read_file(shipped[source])
    if "\n" not in source and not source.lstrip().startswith("{") and _is_file(source):
        return _read_file(Path(source))
    origin = origin or "<text>"
    document = _parse(source, origin)
    if not isinstance(document, dict) and "\n" not in source.strip():
        names = ", ".join(shipped) or "none"
        shown = source if len(source) <= 60 else source[:57] + "..."
        raise ScenarioError(
            [f"{shown!r} is not a shipped scenario (shipped: {names}), not a file, and not the text of a scenario"]
        )
    return document, origin


def _is_file(text: str) -> bool:
    try:
        return Path(text).is_file()
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte: text, not a path
        return False


def _read_file(path: Path) -> tuple[Any, str]:
    return _parse(read_text_file(path), str(path)), str(path)


def _parse(text: str, origin: str) -> Any:
    import yaml  # parse_yaml's: imported when a document is read

    try:
        return parse_yaml(text, origin)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError([f"{origin}: not valid YAML{where}: {problem}"]) from None


def load_scenario(source: str | dict | Path, routes: set[str], origin: str | None = None) -> Scenario:
    """Read and validate a scenario; raises ScenarioError listing every problem found."""
    document, origin = read_source(source, origin)
    return build_scenario(document, routes, origin)


def build_scenario(document: Any, routes: set[str], origin: str) -> Scenario:
    """Validate a parsed scenario document against the route table and build it."""
    checker = ScenarioChecker(origin, routes)
    scenario = checker.scenario(document)
    if checker.problems or scenario is None:
        raise ScenarioError(checker.problems)
    return scenario
