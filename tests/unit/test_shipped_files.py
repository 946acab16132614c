"""The shipped scenarios and the seed recording are package data that follows the top-level folders (one copy)."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest

import simulator
from simulator.faults.scenario import SHIPPED_DIR, shipped_scenarios
from simulator.shipped import SCENARIOS_DIR, SEED_RECORDING

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(simulator.__file__).parent
tomllib = pytest.importorskip("tomllib")


def package_data() -> list[str]:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)["tool"]["setuptools"]["package-data"]["simulator"]


def test_the_package_links_to_the_top_level_folders_so_there_is_one_copy():
    for name in ("scenarios", "recordings"):
        assert (PACKAGE / name).is_symlink(), f"simulator/{name} must be a link to ../{name}, not a copy"
        assert (PACKAGE / name).resolve() == ROOT / name


def test_shipped_scenarios_and_the_seed_recording_are_read_through_the_package():
    assert SHIPPED_DIR == SCENARIOS_DIR == ROOT / "scenarios"
    assert SEED_RECORDING == ROOT / "recordings" / "restore-backup.har" and SEED_RECORDING.is_file()
    assert set(shipped_scenarios()) == {p.stem for p in (ROOT / "scenarios").glob("*.yaml")}
    assert "restore_over_limit" in shipped_scenarios()


def test_every_shipped_file_is_package_data_of_the_wheel():
    shipped = [f"scenarios/{p.name}" for p in (ROOT / "scenarios").iterdir()]
    shipped += ["recordings/restore-backup.har", "recordings/README.md"]
    left_out = [name for name in shipped if not any(fnmatch.fnmatch(name, glob) for glob in package_data())]
    assert not left_out, f"not in pyproject's [tool.setuptools.package-data]: {left_out}"
