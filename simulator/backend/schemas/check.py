"""validate(): a body against a named schema, answering 400 'Validation error: ...' in jsonschema's words.

A valid body (the usual case) is checked by plain Python checks compiled from the schema; an invalid one goes
through jsonschema's Draft4Validator, which words the error. jsonschema is imported, and a schema's validator built,
the first time a body needs it: a server start does not pay for them (issue 25)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from simulator.errors import BadRequest
from simulator.reference.secrets import MASK, secret_kind

if TYPE_CHECKING:
    import jsonschema

Check = Callable[[Any], bool]


class _Unsupported(Exception):
    """A keyword the compiled check does not know: that schema is always checked by jsonschema."""


#: Draft 4's types as jsonschema's draft4_type_checker sees them (a bool is neither an integer nor a number).
_TYPES: dict[str, Check] = {
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "string": lambda x: isinstance(x, str),
    "integer": lambda x: isinstance(x, int) and not isinstance(x, bool),
    "number": lambda x: isinstance(x, (int, float)) and not isinstance(x, bool),
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
}


def _all(checks: list[Check]) -> Check:
    if len(checks) == 1:
        return checks[0]

    def run(x: Any) -> bool:
        for c in checks:  # noqa: SIM110 (a plain loop: all() over a generator is slower on every request)
            if not c(x):
                return False
        return True

    return run


def _type(value: Any, schema: dict) -> Check:
    tests = [_TYPES[t] for t in (value if isinstance(value, list) else [value])]
    if len(tests) == 1:
        return tests[0]
    return lambda x: any(t(x) for t in tests)


def _required(value: Any, schema: dict) -> Check:
    names = tuple(value)
    return lambda x: not isinstance(x, dict) or all(n in x for n in names)


def _properties(value: Any, schema: dict) -> Check:
    subs = {name: _compile(sub) for name, sub in value.items()}

    def check(x: Any) -> bool:  # over the body's keys, not every property the schema names
        if not isinstance(x, dict):
            return True
        for name, item in x.items():
            f = subs.get(name)
            if f is not None and not f(item):
                return False
        return True

    return check


def _items(value: Any, schema: dict) -> Check:
    if not isinstance(value, dict):
        raise _Unsupported("items")
    sub = _compile(value)
    return lambda x: not isinstance(x, list) or all(sub(item) for item in x)


def _pattern(value: Any, schema: dict) -> Check:
    search = re.compile(value).search
    return lambda x: not isinstance(x, str) or bool(search(x))


def _minimum(value: Any, schema: dict) -> Check:
    if schema.get("exclusiveMinimum"):
        raise _Unsupported("exclusiveMinimum")
    return lambda x: not _TYPES["number"](x) or not x < value


def _additional(value: Any, schema: dict) -> Check:
    if value is not False or not set(schema) <= {"type", "properties", "additionalProperties", "required"}:
        raise _Unsupported("additionalProperties")
    known = frozenset(schema.get("properties", {}))
    return lambda x: not isinstance(x, dict) or all(k in known for k in x)


def _one_of(value: Any, schema: dict) -> Check:
    subs = [_compile(sub) for sub in value]
    return lambda x: sum(1 for f in subs if f(x)) == 1


#: keyword -> builder of its check (from the keyword's value and the whole schema).
_KEYWORDS: dict[str, Callable[[Any, dict], Check]] = {
    "type": _type,
    "required": _required,
    "properties": _properties,
    "items": _items,
    "pattern": _pattern,
    "minimum": _minimum,
    "additionalProperties": _additional,
    "oneOf": _one_of,
    "minLength": lambda n, _: lambda x: not isinstance(x, str) or len(x) >= n,
    "maxLength": lambda n, _: lambda x: not isinstance(x, str) or len(x) <= n,
    "minItems": lambda n, _: lambda x: not isinstance(x, list) or len(x) >= n,
    "minProperties": lambda n, _: lambda x: not isinstance(x, dict) or len(x) >= n,
    "maxProperties": lambda n, _: lambda x: not isinstance(x, dict) or len(x) <= n,
}


def _string(schema: dict) -> Check:
    """A string schema's type, lengths and pattern in one call (what _all of their four checks says)."""
    low, high = schema.get("minLength", 0), schema.get("maxLength")
    search = re.compile(schema["pattern"]).search if "pattern" in schema else None

    def check(x: Any) -> bool:
        if not isinstance(x, str) or len(x) < low or (high is not None and len(x) > high):
            return False
        return search is None or search(x) is not None

    return check


def _object(schema: dict) -> Check:
    """An object schema's type, required names and properties in one call (what _all of their checks says)."""
    names = tuple(schema.get("required", ()))
    subs = {name: _compile(sub) for name, sub in schema.get("properties", {}).items()}

    def check(x: Any) -> bool:
        if not isinstance(x, dict):
            return False
        for name in names:
            if name not in x:
                return False
        for name, item in x.items():  # over the body's keys, not every property the schema names
            f = subs.get(name)
            if f is not None and not f(item):
                return False
        return True

    return check


#: Schema shapes checked by one function each instead of one per keyword (a body's every string and object: a
#: restore's body is ~40 keyword checks, one Python call each, issue 25).
_STRING_KEYS = frozenset({"type", "minLength", "maxLength", "pattern"})
_OBJECT_KEYS = frozenset({"type", "required", "properties"})


def _compile(schema: dict) -> Check:
    """A function that says whether an instance is valid under schema, exactly as Draft4Validator.is_valid does,
    for the keywords our schemas use (anything else raises _Unsupported). Not fastjsonschema: its patterns and types
    give other verdicts than jsonschema's (e.g. '1\\n' against '^...$'), and Trove answers with jsonschema's."""
    if schema.get("type") == "string" and schema.keys() <= _STRING_KEYS:
        return _string(schema)
    if schema.get("type") == "object" and schema.keys() <= _OBJECT_KEYS:
        return _object(schema)
    checks = []
    for key, value in schema.items():
        build = _KEYWORDS.get(key)
        if build is None:
            raise _Unsupported(key)
        checks.append(build(value, schema))
    return _all(checks)


def fast_check(schema: dict) -> Check | None:
    """The compiled check of schema, or None when it uses a keyword the compiler does not know."""
    try:
        return _compile(schema)
    except _Unsupported:
        return None


def _path(error: jsonschema.ValidationError) -> str:
    parts = list(error.absolute_path)
    if not parts:
        return ""
    text = str(parts[0])
    for part in parts[1:]:
        text += f"[{part!r}]" if isinstance(part, str) else f"[{part}]"
    return text


def _message(error: jsonschema.ValidationError) -> str:
    """The error's message, with the value it quotes masked when the value is (or is inside) a secret field."""
    if not any(isinstance(part, str) and secret_kind(part) for part in error.absolute_path):
        return error.message
    return error.message.replace(repr(error.instance), MASK)


def _describe(error: jsonschema.ValidationError) -> str:
    text = f"{_path(error)} {_message(error)}".strip()
    if error.context:
        text += "".join(f"; {_message(sub)}" for sub in error.context)
    return text


class Validator:
    """The named schemas, each with its jsonschema validator and (where it compiles) its fast check."""

    def __init__(self, schemas: Mapping[str, dict]) -> None:
        self.schemas = dict(schemas)
        self.fast = {name: fast_check(schema) for name, schema in schemas.items()}
        #: jsonschema's validators, each built the first time a body fails its fast check (or has none).
        self.slow: dict[str, jsonschema.Draft4Validator] = {}

    def validate(self, schema_name: str, body: Any) -> None:
        """Raise 400 badRequest 'Validation error: ...' when body does not fit the named schema."""
        fast = self.fast[schema_name]
        if fast is not None and fast(body):
            return
        errors = sorted(self.slow_validator(schema_name).iter_errors(body), key=lambda e: list(e.absolute_path))
        if errors:
            raise BadRequest("Validation error: " + "; ".join(_describe(e) for e in errors))

    def slow_validator(self, schema_name: str) -> jsonschema.Draft4Validator:
        """jsonschema's validator of the named schema (built, and jsonschema imported, on first use)."""
        slow = self.slow.get(schema_name)
        if slow is None:
            import jsonschema

            slow = self.slow[schema_name] = jsonschema.Draft4Validator(self.schemas[schema_name])
        return slow
