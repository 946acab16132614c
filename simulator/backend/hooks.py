"""Where feature modules (backups, schedules, rate limits) plug into the Backend."""
from __future__ import annotations

import importlib

#: (attribute on Backend, module, class, is a settler). Feature packages add their line here.
EXTENSIONS: list[tuple[str, str, str, bool]] = [
    ("backups", "simulator.backend.backups", "Backups", True),
    ("schedules", "simulator.backend.schedules", "Schedules", True),
    ("limits", "simulator.backend.limits", "Limits", False),
]


def load_extensions(backend) -> None:
    """Attach each extension to backend (and to its settlers when it has timed steps)."""
    for attr, module, cls, settles in EXTENSIONS:
        ext = getattr(importlib.import_module(module), cls)(backend)
        setattr(backend, attr, ext)
        if settles:
            backend.settlers.append(ext)
