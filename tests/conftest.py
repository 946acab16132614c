"""Shared fixtures: an in-process app with a manual clock and the seed's account 1234."""
from __future__ import annotations

import pytest
from support import ACCOUNT, TOKEN, Api

from simulator import DemoAccount, SimulatorConfig, create_app

pytest_plugins = ["pytester"]

#: Folders whose tests drive the real clients: marked `contract`, so the fast loop can leave them out.
CONTRACT_FOLDERS = ("contract",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the real-client tests `contract` by folder (the fast loop: pytest -m "not slow and not contract")."""
    for item in items:
        if item.path.parent.name in CONTRACT_FOLDERS:
            item.add_marker(pytest.mark.contract)


@pytest.fixture
def sim_config() -> SimulatorConfig:
    """Override to change the simulator's configuration for a module of tests."""
    return SimulatorConfig(seed=7, bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN))


@pytest.fixture
async def api(aiohttp_client, sim_config) -> Api:
    """An in-process simulator (in-memory database, manual clock) and a client for account 1234."""
    client = await aiohttp_client(create_app(sim_config))
    return Api(client)

