"""Running the sandbox on a socket: the startup banner, the server loop, uvloop when it is installed."""
from __future__ import annotations

import asyncio
import logging
import sys

from aiohttp import web

from simulator.app import create_app
from simulator.config import DemoAccount, SimulatorConfig


def banner(base: str, config: SimulatorConfig) -> str:
    """What a new user needs to start: URLs, credentials, and copy-paste client examples."""
    demo = config.bootstrap or DemoAccount()
    endpoint = f"{base}/v1.0/{demo.account_id}"
    return f"""cdbsim is serving the Cloud Databases API v1.0 at {base}
  identity (v2.0):  {base}/v2.0
  endpoint:         {endpoint}
  account:          {demo.account_id}
  user:             {demo.username}   password: {demo.password}   apiKey: {demo.api_key}
  fixed token:      {demo.token}
  state file:       {config.db_path}

openstack CLI (fixed token):
  export OS_AUTH_TYPE=admin_token OS_ENDPOINT={endpoint} OS_TOKEN={demo.token}
  openstack database flavor list

openstack CLI (through the fake identity):
  openstack --os-auth-type v2password --os-auth-url {base}/v2.0 --os-username {demo.username} \\
    --os-password {demo.password} --os-project-id {demo.account_id} --os-region-name {config.region} database instance list

python-troveclient:
  from keystoneauth1 import session
  from keystoneauth1.identity import v2
  from troveclient.v1 import client
  auth = v2.Password(auth_url="{base}/v2.0", username="{demo.username}", password="{demo.password}", tenant_id="{demo.account_id}")
  tc = client.Client(session=session.Session(auth=auth), service_type="rax:database", region_name="{config.region}")
  print(tc.flavors.list())
"""


async def run_server(config: SimulatorConfig, host: str, port: int, announce=print) -> None:
    """Serve until cancelled."""
    app = create_app(config)
    runner = web.AppRunner(app, access_log=logging.getLogger("cdbsim.access") if config.log_requests else None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1] if runner.addresses else port
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    announce(banner(config.public_url or f"http://{shown}:{bound}", config))
    sys.stdout.flush()
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def serve_forever(coro) -> None:
    """Run a server coroutine on uvloop where it is installed (a faster event loop), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(coro)
    else:
        uvloop.run(coro)
