"""Feature modules that may or may not be present (control routes, CLI subcommands), imported by name."""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import Iterator


def present_modules(names: list[str]) -> Iterator[ModuleType]:
    """Each named module that exists, imported; an import error inside a module still raises."""
    for name in names:
        try:
            yield importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
