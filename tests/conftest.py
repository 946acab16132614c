"""Shared fixtures: an in-process app with a manual clock and the seed's account 1234."""

from __future__ import annotations

import ast
import gc
import itertools
import signal
import threading
from collections.abc import Generator
from pathlib import Path

import pytest
from aiohttp import web_app
from support import ACCOUNT, TOKEN, Api

from simulator import DemoAccount, SimulatorConfig, create_app
from simulator.repos.template import SchemaTemplate

pytest_plugins = ["pytester"]

#: Folders whose tests drive the real clients: marked `contract`, so the fast loop can leave them out.
CONTRACT_FOLDERS = ("contract",)


def pytest_configure(config: pytest.Config) -> None:
    """Every process of the run, the main one and each xdist worker, interrupts as from a terminal. (Python's
    bytecode caches are kept from earlier still: tests/bytecode_caches.py, loaded before any plugin.)"""
    interrupt_as_from_a_terminal()


def interrupt_as_from_a_terminal() -> None:
    """Give SIGINT back its default where the shell left it ignored. A shell without job control (a script, `pytest &`,
    nohup, a CI runner's background job) starts pytest with SIGINT ignored, every process pytest starts inherits that,
    and Python keeps an inherited SIG_IGN: a `cdbsim serve` the tests stop with SIGINT, as a person does with Ctrl-C at
    a terminal, then ignored it (test_sigterm_runs_the_same_clean_up_as_ctrl_c[SIGINT] failed, and ServeProcess.stop
    waited 30 s for each server before it killed it). A handler set here is reset to the default in every program a
    test starts, as from a terminal. Called in the main process and in each xdist worker (both configure)."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Do not even import a contract folder when -m deselects every contract test whatever its other marks (the
    fast loop): its modules import the real clients (python-troveclient, the openstack CLI), which every worker
    would otherwise load to deselect them."""
    if collection_path.name not in CONTRACT_FOLDERS or not collection_path.is_dir():
        return None
    markexpr = config.getoption("markexpr", "")
    if not markexpr:
        return None
    return True if contract_never_selected(markexpr) else None


def contract_never_selected(markexpr: str) -> bool:
    """Whether a -m expression is false for every test marked `contract`, whatever its other marks. Only the plain
    form (mark names joined by and, or, not and parentheses, which is Python's syntax too) is decided, by trying
    every combination of the other names; anything else (a mark with arguments, a dotted name) is never decided
    here, so pytest collects the folder and selects as it always does."""
    try:
        tree = ast.parse(markexpr, mode="eval").body
    except SyntaxError:
        return False
    names = _mark_names(tree)
    if names is None:
        return False
    others = sorted(names - {"contract"})
    for values in itertools.product((False, True), repeat=len(others)):
        marks = {"contract", *(name for name, on in zip(others, values, strict=True) if on)}
        if _holds(tree, marks):
            return False  # some contract test could be selected
    return True


def _mark_names(node: ast.expr) -> set[str] | None:
    """The mark names of a plain and/or/not expression; None for anything else."""
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _mark_names(node.operand)
    if not isinstance(node, ast.BoolOp):
        return None
    names: set[str] = set()
    for value in node.values:
        part = _mark_names(value)
        if part is None:
            return None
        names |= part
    return names


def _holds(node: ast.expr, marks: set[str]) -> bool:
    """A plain expression's value for a test carrying marks (only the forms _mark_names accepts reach here)."""
    if isinstance(node, ast.Name):
        return node.id in marks
    if isinstance(node, ast.UnaryOp):
        return not _holds(node.operand, marks)
    assert isinstance(node, ast.BoolOp)
    results = (_holds(value, marks) for value in node.values)
    return all(results) if isinstance(node.op, ast.And) else any(results)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the real-client tests `contract` by folder (the fast loop: pytest -m "not slow and not contract"), then
    run the long tests first: the contract tests, then the other `slow` ones, then the rest, each group in its
    collection order. pytest-xdist (--dist worksteal, pyproject.toml) gives each worker a contiguous half of this
    order and an idle worker steals the back half of the other's queue, so the long ones start early and the run
    ends on short tests instead of one worker finishing a long one while the other is idle."""
    for item in items:
        if item.path.parent.name in CONTRACT_FOLDERS:
            item.add_marker(pytest.mark.contract)
    items.sort(key=_start_order)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Freeze what collection left alive (the imported modules, the plugins' packages, the collected items: ~100k
    objects that live all session, more where hypothesis, schemathesis and the clients are imported) out of the
    garbage collector's view, so its full collections during the run scan only what the tests made (gc.freeze)."""
    gc.collect()
    gc.freeze()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    """Once a test's fixtures are torn down, let the apps it served go (forget_served_apps)."""
    yield
    forget_served_apps()


def forget_served_apps() -> None:
    """aiohttp keeps the middleware chain it built for each (handler, apps) pair in a process-wide LRU cache of 1,024
    entries (web_app._cached_build_middleware, aiohttp PR 9158), which holds every app served in the process alive
    until evicted: with an app per test, 1.3 M live objects and 340 MB after tests/api, which every full garbage
    collection scanned again (13 % of that run's CPU). Clearing it after a test frees them; an app's first request
    per route builds its chain again, as it did for a new app anyway.
    tests/unit/test_served_apps_freed.py checks that a served app is freed (so a renamed cache would be noticed)."""
    cached = getattr(web_app, "_cached_build_middleware", None)
    if cached is not None:
        cached.cache_clear()


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
