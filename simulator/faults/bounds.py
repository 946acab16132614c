"""The bounds of one scenario document and the words that name a crossed one (a leaf: simulator.faults.documents
checks them on data, simulator.faults.yaml_bounds while PyYAML composes)."""

from __future__ import annotations

#: The bounds of one scenario document (a shipped one is at most 1.2 KiB, 7 levels deep and 42 values); within them
#: PyYAML parses any document in well under a second.
MAX_BYTES = 256 * 1024
MAX_ALIASES = 1_000
MAX_DEPTH = 32
#: Values (scalars, lists and mappings) once every alias is counted at the size of what it names.
MAX_VALUES = 10_000


def too_many_values(where: str = "") -> str:
    return f"more than {MAX_VALUES} values{where}; a scenario may hold at most {MAX_VALUES} (aliases included)"


def too_deep(where: str = "") -> str:
    return f"nested more than {MAX_DEPTH} levels deep{where}; a scenario may nest at most {MAX_DEPTH} levels"
