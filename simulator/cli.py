"""The `cdbsim` command: serve the sandbox, add accounts; feature modules add their own subcommands."""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from aiohttp import web

from simulator.modules import present_modules
from simulator.config import SANDBOX_DURATIONS, DemoAccount, SimulatorConfig

#: Modules that add subcommands through register(subparsers).
COMMAND_MODULES = ["simulator.replay.commands", "simulator.demo"]


def add_serve_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by every command that runs a server."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8779, help="port (default 8779; 0 picks a free one)")
    parser.add_argument("--db", default="cdbsim.db",
                        help="SQLite file that keeps the state across restarts (':memory:' for none)")
    parser.add_argument("--seed", type=int, default=0, help="seed for ids and random draws (default 0)")
    parser.add_argument("--clock", choices=["real", "manual"], default="real",
                        help="real time (default) or a manual clock moved with POST /_sim/clock/advance")
    parser.add_argument("--time-scale", type=float, default=1.0,
                        help="multiply every lifecycle duration (0 makes BUILD, RESIZE, ... immediate)")
    parser.add_argument("--no-rate-limits", action="store_true", help="turn off the per-minute rate limits")
    parser.add_argument("--public-url", help="base URL to put in links and the service catalog")
    parser.add_argument("--admin-token", help="token that allows /_sim/ calls from non-loopback addresses")
    parser.add_argument("--account-id", default="1234", help="demo account id (default 1234)")
    parser.add_argument("--username", default="demo", help="demo user name (default demo)")
    parser.add_argument("--api-key", default="demo-api-key", help="demo user's API key")
    parser.add_argument("--password", default="demo-password", help="demo user's password")
    parser.add_argument("--token", default=DemoAccount().token,
                        help="a fixed token for the demo user (default: the seed page's token)")
    parser.add_argument("--scenario", action="append", default=[], metavar="FILE",
                        help="load a fault scenario (repeatable)")
    parser.add_argument("--record", metavar="FILE", help="record every exchange to a HAR file")
    parser.add_argument("--replay", metavar="FILE", help="answer from a HAR recording")
    parser.add_argument("--replay-mode", choices=["strict", "fallthrough"], default="strict")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.add_argument("--journal-limit", type=int, default=10_000,
                        help="newest journal entries kept (default 10000; older ones are dropped)")
    parser.add_argument("--demo", action="store_true",
                        help="on first start, add faker-made demo accounts, instances and backup chains (--seed)")


def config_from_args(args: argparse.Namespace) -> SimulatorConfig:
    """The SimulatorConfig a `serve` command line asks for."""
    return SimulatorConfig(
        db_path=args.db, seed=args.seed, clock=args.clock,
        durations=SANDBOX_DURATIONS.scaled(args.time_scale), rate_limits=not args.no_rate_limits,
        public_url=args.public_url, admin_token=args.admin_token,
        bootstrap=DemoAccount(account_id=args.account_id, username=args.username, api_key=args.api_key,
                              password=args.password, token=args.token),
        scenarios=tuple(args.scenario), record_path=args.record, replay_path=args.replay,
        replay_mode=args.replay_mode, log_requests=args.verbose, journal_limit=args.journal_limit, demo=args.demo,
    )


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
    from simulator.app import create_app

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


def cmd_serve(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    from simulator.errors import SimulatorError

    try:
        serve_forever(run_server(config_from_args(args), args.host, args.port))
    except KeyboardInterrupt:
        pass
    except SimulatorError as exc:  # a start-up problem such as a bad --scenario file: its message, no traceback
        print(f"cdbsim: {exc.message}", file=sys.stderr)
        return 2
    return 0


def cmd_add_account(args: argparse.Namespace) -> int:
    """Add an account (with one user) to a sandbox's state file."""
    from simulator.backend import Backend
    from simulator.clock import Clock
    from simulator.errors import SimulatorError
    from simulator.ids import Ids
    from simulator.store import Store

    store = Store.open(args.db)
    config = SimulatorConfig(db_path=args.db)
    backend = Backend(store, Clock("real"), Ids(), config)
    try:
        creds = backend.identity.create_account(args.account_id, username=args.username, api_key=args.api_key,
                                                password=args.password, role=args.role, token=args.token)
    except SimulatorError as exc:
        print(f"cdbsim: {exc.message}", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(f"account {creds['account_id']}: user {creds['username']} role {creds['role']}\n"
          f"  apiKey {creds['api_key']}  password {creds['password']}"
          + (f"  token {creds['token']}" if creds["token"] else ""))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cdbsim", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the sandbox (state kept in --db)")
    add_serve_options(serve)
    serve.set_defaults(func=cmd_serve)
    add = sub.add_parser("add-account", help="add an account with one user to a sandbox's state file")
    add.add_argument("account_id")
    add.add_argument("--db", default="cdbsim.db")
    add.add_argument("--username")
    add.add_argument("--api-key")
    add.add_argument("--password")
    add.add_argument("--token", help="a fixed token for this user")
    add.add_argument("--role", default="dbaas:admin", choices=["dbaas:admin", "dbaas:creator", "dbaas:observer"])
    add.set_defaults(func=cmd_add_account)
    for module in present_modules(COMMAND_MODULES):
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
