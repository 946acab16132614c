"""Where the files cdbsim ships inside its package are (fault scenarios, the seed recording), checkout or wheel."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

# The repository keeps these files in its top-level scenarios/ and recordings/ folders; simulator/scenarios and
# simulator/recordings are symbolic links to them, so an editable install reads them in place and a built wheel
# holds copies as package data (pyproject.toml). The package is always installed as plain files (never zipped),
# so its resources are paths.
_PACKAGE = Path(str(files("simulator"))).resolve()

#: The shipped fault scenarios (<name>.yaml) and their format (README.md).
SCENARIOS_DIR = (_PACKAGE / "scenarios").resolve()

#: The seed page's Restore backup exchange as a HAR recording.
SEED_RECORDING = (_PACKAGE / "recordings" / "restore-backup.har").resolve()
