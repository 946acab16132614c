"""Shared fixtures: an in-process app with a manual clock and the seed's account 1234."""
from __future__ import annotations

import pytest

from simulator import DemoAccount, SimulatorConfig, create_app
from support import ACCOUNT, TOKEN, Api

pytest_plugins = ["pytester"]


@pytest.fixture
def sim_config() -> SimulatorConfig:
    """Override to change the simulator's configuration for a module of tests."""
    return SimulatorConfig(seed=7, bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN))


@pytest.fixture
async def api(aiohttp_client, sim_config) -> Api:
    """An in-process simulator (in-memory database, manual clock) and a client for account 1234."""
    client = await aiohttp_client(create_app(sim_config))
    return Api(client)

