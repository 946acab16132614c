"""Shared fixtures: an in-process app with a manual clock and the seed's account 1234."""

from __future__ import annotations

import functools
import itertools
import os
import re
import sys
from pathlib import Path

import pytest
from _pytest.mark.expression import Expression
from support import ACCOUNT, TOKEN, Api

from simulator import DemoAccount, SimulatorConfig, create_app
from simulator.repos.template import SchemaTemplate

pytest_plugins = ["pytester"]

#: Folders whose tests drive the real clients: marked `contract`, so the fast loop can leave them out.
CONTRACT_FOLDERS = ("contract",)


def pytest_configure(config: pytest.Config) -> None:
    """Keep Python's bytecode caches, pytest's rewritten modules among them, even where PYTHONDONTWRITEBYTECODE is
    set (a machine of this project's sets it): without them every pytest process (each xdist worker, each pytest or
    `cdbsim serve` a test starts) compiles again the ~700 modules pytest rewrites (the test modules and the plugins'
    packages, hypothesis and schemathesis among them), 6-7 s of CPU a process. Set here, before xdist starts its
    workers, so they and every process a test starts inherit it; the caches go where Python puts them
    (__pycache__, which git ignores)."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.dont_write_bytecode = False


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Do not even import a contract folder when -m deselects every contract test whatever its other marks (the
    fast loop): its modules import the real clients (python-troveclient, the openstack CLI), which every worker
    would otherwise load to deselect them."""
    if collection_path.name not in CONTRACT_FOLDERS or not collection_path.is_dir():
        return None
    markexpr = config.getoption("markexpr", "")
    if not markexpr:
        return None
    expression = Expression.compile(markexpr)
    others = sorted(set(re.findall(r"[A-Za-z_][\w.]*", markexpr)) - {"and", "or", "not", "contract"})
    for values in itertools.product((False, True), repeat=len(others)):
        marks = {"contract", *(name for name, on in zip(others, values, strict=True) if on)}
        if expression.evaluate(functools.partial(_marked, marks)):
            return None  # some contract test could be selected
    return True


def _marked(marks: set[str], name: str, /, **_: object) -> bool:
    """Whether a mark expression's name is among marks (a matcher for Expression.evaluate)."""
    return name in marks


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the real-client tests `contract` by folder (the fast loop: pytest -m "not slow and not contract"), then
    run the long tests first: the contract tests, then the other `slow` ones, then the rest, each group in its
    collection order. pytest-xdist hands tests out in this order, so the long ones start early on both workers and
    the run ends on short tests instead of one worker finishing a long one while the other is idle."""
    for item in items:
        if item.path.parent.name in CONTRACT_FOLDERS:
            item.add_marker(pytest.mark.contract)
    items.sort(key=_start_order)


def _start_order(item: pytest.Item) -> int:
    """0 for a contract test, 1 for another slow one, 2 for the rest (list.sort keeps each group's order)."""
    if item.get_closest_marker("contract"):
        return 0
    return 1 if item.get_closest_marker("slow") else 2


@pytest.fixture
def sim_config() -> SimulatorConfig:
    """Override to change the simulator's configuration for a module of tests."""
    return SimulatorConfig(seed=7, bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN))


@pytest.fixture(scope="session")
def schema_template() -> SchemaTemplate:
    """One schema cache for the run's in-memory stores (the repositories' sources hashed once, not per test)."""
    return SchemaTemplate()


@pytest.fixture
async def api(aiohttp_client, sim_config, schema_template) -> Api:
    """An in-process simulator (in-memory database, manual clock) and a client for account 1234."""
    client = await aiohttp_client(create_app(sim_config, template=schema_template))
    return Api(client)
