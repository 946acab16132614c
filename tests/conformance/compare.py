"""How a documented example is compared with the simulator's answer: every key path the docs show must be there
with the JSON type they show, and where a value is one a client branches on (a status, a state, a type, a link's
rel) the documented value must be the answer's (in a list: some documented value must be among the answer's)."""

from __future__ import annotations

from typing import Any

from simulator.serve.verify import json_type

#: Keys whose values are an enumeration a client can branch on: compared by value, not only by type.
ENUM_KEYS = ("status", "state", "type", "rel", "access", "network")


def shape(value: Any, path: str = "", types: dict | None = None, values: dict | None = None) -> tuple[dict, dict]:
    """Every key path of a JSON value (list items as `[]`) with the JSON types and enumeration values seen there."""
    types = {} if types is None else types
    values = {} if values is None else values
    types.setdefault(path, set()).add(json_type(value))
    if isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}"
            if key in ENUM_KEYS and isinstance(item, (str, int)) and not isinstance(item, bool):
                values.setdefault(sub, set()).add(item)
            shape(item, sub, types, values)
    elif isinstance(value, list):
        for item in value:
            shape(item, path + "[]", types, values)
    return types, values


def _under(path: str, prefixes) -> bool:
    return any(path == p or path.startswith((p + ".", p + "[]")) for p in prefixes)


def differences(documented: Any, actual: Any, ignore=(), loose_values=()) -> list[str]:
    """What the answer lacks or shows otherwise: missing paths, other types, other enumeration values. A path the
    docs show as null may have any type (the docs show a value that is not set yet). Paths under `ignore` are not
    compared; under `loose_values` only their types are."""
    doc_types, doc_values = shape(documented)
    got_types, got_values = shape(actual)
    out = []
    for path, types in sorted(doc_types.items()):
        if _under(path, ignore):
            continue
        if path not in got_types:
            out.append(f"missing {path or '<body>'} ({'/'.join(sorted(types))})")
            continue
        wanted = types - {"null"}
        if wanted - got_types[path]:
            out.append(
                f"{path or '<body>'}: docs show {'/'.join(sorted(wanted))}, got {'/'.join(sorted(got_types[path]))}"
            )
    for path, values in sorted(doc_values.items()):
        if _under(path, ignore) or _under(path, loose_values):
            continue
        if path.endswith("datastore.type"):
            continue  # the datastore the caller chose (and the docs' "MySQL" echoes the request's spelling)
        got = got_values.get(path, set())
        # A single value must be the documented one; in a list, some documented value must be there (a page's
        # list shows items in states this run's items need not be in).
        if path in got_values and not (values & got if "[]" in path else values <= got):
            out.append(f"{path}: docs show {sorted(values, key=str)}, got {sorted(got_values[path], key=str)}")
    return out
