"""Python's bytecode caches for every process of a test run, even where PYTHONDONTWRITEBYTECODE is set.

Loaded first of all plugins (pyproject.toml's addopts: `-p bytecode_caches`, tests/ being on pytest's pythonpath),
before pytest imports the installed plugins' packages and the conftest files. A machine of this project's (and its
CI) sets PYTHONDONTWRITEBYTECODE; without caches every pytest process compiles again, and pytest rewrites again, the
~700 modules a run imports (the test modules, the simulator, and the whole packages of the pytest plugins:
hypothesis, schemathesis, anyio...), 2-4 s of CPU a process. Dropped this early, the main process writes the caches
of what it imports itself (the plugins' packages, conftest and the simulator) before xdist starts its workers, and
the workers and every process a test starts (`cdbsim serve`, the pytester runs, the README's modules) inherit the
change, so a fresh clone compiles each module about once instead of once per process. The caches go where Python
puts them (__pycache__ beside each module, which git and the container's build context ignore).
"""

from __future__ import annotations

import os
import sys

os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False
