"""Running the sandbox on a socket: the banner, start-up problems in one line, the server loop (uvloop if installed)."""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import os
import signal
import sqlite3
import sys

from aiohttp import web

from simulator.app import create_app
from simulator.config import DemoAccount, SimulatorConfig
from simulator.pipeline.trust import ALLOWED_HOSTS_ENV
from simulator.serve.connections import SandboxRunner, raise_descriptor_limit


class StartupError(Exception):
    """What stops the sandbox from starting, said in one line a person can act on."""


def state_file_problem(path: str, exc: BaseException) -> StartupError:
    """The one-line message for a state file SQLite cannot use (damaged, not a database, a directory)."""
    what = "is a directory" if os.path.isdir(path) else f"cannot be used as a SQLite state file ({exc})"
    return StartupError(f"{path} {what}; move it away, or start with another --db (':memory:' keeps nothing).")


def is_loopback(host: str) -> bool:
    """A host name or address only this machine can reach."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_host(host: str) -> str:
    """The host to put in the banner's URLs for a listening address: a loopback name for "every address" (a name
    the Host allow-list answers), an IPv6 address in brackets."""
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def exposure_warning(host: str, config: SimulatorConfig) -> str | None:
    """What a person must know when the sandbox listens beyond loopback."""
    if is_loopback(host):
        return None
    hosts = "now: " + ", ".join(config.allowed_hosts) if config.allowed_hosts else "none given"
    control = (
        "callers that send X-Admin-Token"
        if config.admin_token
        else "nobody but loopback callers (start with --admin-token TOKEN to allow others)"
    )
    return (
        f"warning: cdbsim listens on {host or 'every address'}, reachable from other machines. The demo "
        f"account's password, API key and token are published (in this banner and the README): anyone who "
        f"reaches this port can use them. The /_sim/ control plane answers {control}. Every request must name "
        f"this server in Host: a loopback name, the --public-url host, or an --allowed-host / {ALLOWED_HOSTS_ENV} "
        f"name ({hosts}; docs/security.md)."
    )


def banner(base: str, config: SimulatorConfig) -> str:
    """What a new user needs to start: URLs, credentials, how to go faster, and copy-paste client examples."""
    demo = config.bootstrap or DemoAccount()
    endpoint = f"{base}/v1.0/{demo.account_id}"
    limits = (
        "on, per minute as documented (start with --no-rate-limits to turn them off)"
        if config.rate_limits
        else "off (--no-rate-limits)"
    )
    d = config.durations
    lifecycles = (
        f"builds take {d.build:g} s, backups {d.backup:g} s + {d.backup_per_gb:g} s per GB (start with "
        f"--time-scale 0 to make them immediate)"
        if d.build or d.backup
        else "immediate (--time-scale 0)"
    )
    return f"""cdbsim is serving the Cloud Databases API v1.0 at {base}
  identity (v2.0):  {base}/v2.0
  dashboard:        {base}/_sim/dashboard   (open it in a browser on this machine)
  endpoint:         {endpoint}
  account:          {demo.account_id}
  user:             {demo.username}   password: {demo.password}   apiKey: {demo.api_key}
  fixed token:      {demo.token}
  state file:       {config.db_path}
  rate limits:      {limits}
  lifecycles:       {lifecycles}

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
    try:
        app = create_app(config)
    except sqlite3.DatabaseError as exc:
        raise state_file_problem(config.db_path, exc) from None
    runner = SandboxRunner(app, max_connections=raise_descriptor_limit(), access_log=None)  # request_log.py
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        if exc.errno == errno.EADDRINUSE:
            raise StartupError(
                f"port {port} on {host} is already in use (another cdbsim?): stop that server, or "
                f"pick another with --port (0 picks a free one)."
            ) from None
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror or exc}.") from None
    bound = runner.addresses[0][1] if runner.addresses else port
    announce(banner(config.public_url or f"http://{url_host(host)}:{bound}", config))
    warning = exposure_warning(host, config)
    if warning:
        print(warning, file=sys.stderr)
    sys.stdout.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)  # `docker stop`, `kill`: the same clean-up as Ctrl-C
    try:
        await stop.wait()
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
        await runner.cleanup()


def serve_forever(coro) -> None:
    """Run a server coroutine on uvloop where it is installed (a faster event loop), else asyncio's."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(coro)
    else:
        uvloop.run(coro)
