"""The command-line options of every command that runs a sandbox, and the SimulatorConfig they ask for.

Defaults come from config.py; only what differs for a person at a terminal (a state file, the real clock, rate
limits on, sandbox lifecycle durations) is set here."""

from __future__ import annotations

import argparse
import os

from simulator.config import SANDBOX_DURATIONS, DemoAccount, SimulatorConfig
from simulator.pipeline.trust import ALLOWED_HOSTS_ENV
from simulator.reference.regions import REGIONS

#: The sandbox's port, and the state file that keeps it across restarts.
DEFAULT_PORT = 8779
STATE_FILE = "cdbsim.db"


def add_serve_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by every command that runs a server (defaults: the config's, for the sandbox), in groups."""
    config, demo = SimulatorConfig(), DemoAccount()
    _server_options(parser.add_argument_group("server"), config)
    _trust_options(parser.add_argument_group("what the sandbox trusts (docs/security.md)"))
    _account_options(parser.add_argument_group("the demo account"), demo)
    _traffic_options(parser.add_argument_group("faults, recording and replay"), config)
    _state_options(parser.add_argument_group("logs, journal and state"), config)


def _server_options(group: argparse._ArgumentGroup, config: SimulatorConfig) -> None:
    group.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    group.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 picks a free one)"
    )
    group.add_argument(
        "--db", default=STATE_FILE, help="SQLite file that keeps the state across restarts (':memory:' for none)"
    )
    group.add_argument(
        "--seed", type=int, default=config.seed, help=f"seed for ids and random draws (default {config.seed})"
    )
    group.add_argument(
        "--clock",
        choices=["real", "manual"],
        default="real",
        help="real time (default) or a manual clock moved with POST /_sim/clock/advance",
    )
    group.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="multiply every lifecycle duration (0 makes BUILD, RESIZE, ... immediate)",
    )
    group.add_argument("--no-rate-limits", action="store_true", help="turn off the per-minute rate limits")
    group.add_argument(
        "--region",
        choices=REGIONS,
        default=config.region,
        help=f"the region served at /v1.0/{{account}} (default {config.region}); every other one is served under "
        "its lower-case prefix, /iad/v1.0/{account}",
    )


def _trust_options(group: argparse._ArgumentGroup) -> None:
    group.add_argument("--public-url", help="base URL to put in links and the service catalog")
    group.add_argument("--admin-token", help="token that allows /_sim/ calls from non-loopback addresses")
    group.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help=f"a Host name to answer besides loopback and the --public-url host, e.g. a container's service name "
        f"(repeatable; also {ALLOWED_HOSTS_ENV}=a,b; '*' answers any name and gives up the DNS-rebinding defence)",
    )
    group.add_argument(
        "--trust-proxy",
        action="store_true",
        help="treat a loopback caller that sends Forwarded / X-Forwarded-For (a local reverse proxy) as loopback",
    )


def _account_options(group: argparse._ArgumentGroup, demo: DemoAccount) -> None:
    group.add_argument("--account-id", default=demo.account_id, help=f"demo account id (default {demo.account_id})")
    group.add_argument("--username", default=demo.username, help=f"demo user name (default {demo.username})")
    group.add_argument("--api-key", default=demo.api_key, help="demo user's API key")
    group.add_argument("--password", default=demo.password, help="demo user's password")
    group.add_argument(
        "--token", default=demo.token, help="a fixed token for the demo user (default: the seed page's token)"
    )


def _traffic_options(group: argparse._ArgumentGroup, config: SimulatorConfig) -> None:
    group.add_argument(
        "--scenario", action="append", default=[], metavar="FILE", help="load a fault scenario (repeatable)"
    )
    group.add_argument("--record", metavar="FILE", help="record every exchange to a HAR file")
    group.add_argument("--replay", metavar="FILE", help="answer from a HAR recording")
    group.add_argument(
        "--recordings-dir",
        metavar="DIR",
        help="the only directory PUT /_sim/replay may write recordings in (default: the working directory)",
    )
    group.add_argument("--replay-mode", choices=["strict", "fallthrough"], default=config.replay_mode)


def _state_options(group: argparse._ArgumentGroup, config: SimulatorConfig) -> None:
    group.add_argument(
        "--quiet", action="store_true", help="no request log (one line per request on stderr, on by default)"
    )
    group.add_argument("--verbose", action="store_true", help="also log the simulator's own messages (INFO)")
    group.add_argument(
        "--journal-limit",
        type=int,
        default=config.journal_limit,
        help=f"newest journal entries kept (default {config.journal_limit}; older ones are dropped)",
    )
    group.add_argument(
        "--journal-bytes",
        type=int,
        default=config.journal_bytes,
        help=f"bytes of requests and answers the journal keeps at most (default {config.journal_bytes}; 0: no budget)",
    )
    group.add_argument(
        "--state",
        metavar="FILE",
        help="load this state document (`cdbsim state export`, GET /_sim/state) at every start",
    )
    group.add_argument(
        "--demo",
        action="store_true",
        help="on first start, add faker-made demo accounts, instances and backup chains (--seed)",
    )


def config_from_args(args: argparse.Namespace) -> SimulatorConfig:
    """The SimulatorConfig a `serve` command line asks for."""
    return SimulatorConfig(
        db_path=args.db,
        seed=args.seed,
        clock=args.clock,
        durations=SANDBOX_DURATIONS.scaled(args.time_scale),
        rate_limits=not args.no_rate_limits,
        region=args.region,
        public_url=args.public_url,
        admin_token=args.admin_token,
        allowed_hosts=allowed_hosts_of(args),
        trust_proxy=args.trust_proxy,
        bootstrap=DemoAccount(
            account_id=args.account_id,
            username=args.username,
            api_key=args.api_key,
            password=args.password,
            token=args.token,
        ),
        scenarios=tuple(args.scenario),
        record_path=args.record,
        replay_path=args.replay,
        recordings_dir=args.recordings_dir,
        replay_mode=args.replay_mode,
        log_requests=not args.quiet,
        journal_limit=args.journal_limit,
        journal_bytes=args.journal_bytes,
        demo=args.demo,
        state_file=args.state,
    )


def allowed_hosts_of(args: argparse.Namespace) -> tuple[str, ...]:
    """The --allowed-host names, then those of the environment variable (comma-separated)."""
    from_env = [name.strip() for name in os.environ.get(ALLOWED_HOSTS_ENV, "").split(",") if name.strip()]
    return (*args.allowed_host, *from_env)
