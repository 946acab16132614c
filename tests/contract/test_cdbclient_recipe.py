"""docs/clients.md shows the recipe the contract tests use to install cdbclient (not run: it needs the network)."""

from __future__ import annotations

from pathlib import Path

from contract.cdbclient_env import RECIPE

CLIENTS_PAGE = (Path(__file__).resolve().parents[2] / "docs" / "clients.md").read_text()


def test_clients_page_shows_the_install_recipe_the_contract_tests_use():
    for step in RECIPE:
        shown = " ".join(arg for arg in step if arg != "-q")
        assert f"cdbclient-venv/bin/python -m pip {shown}" in CLIENTS_PAGE, shown
