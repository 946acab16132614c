"""An app served in a test is freed once the test is over (tests/conftest.py forgets aiohttp's cached chains)."""

from __future__ import annotations

import gc
import weakref

from aiohttp.test_utils import TestClient, TestServer
from conftest import forget_served_apps
from support import ACCOUNT, TOKEN

from simulator import create_app


async def test_an_app_that_served_requests_is_freed_once_its_middleware_chains_are_forgotten(sim_config):
    app = create_app(sim_config)
    client = TestClient(TestServer(app))
    await client.start_server()
    answer = await client.get(f"/v1.0/{ACCOUNT}/flavors", headers={"X-Auth-Token": TOKEN})
    assert answer.status == 200
    await client.close()
    freed = weakref.ref(app)
    del app, client, answer
    forget_served_apps()
    gc.collect()
    assert freed() is None
