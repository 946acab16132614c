"""The `cdbsim` command: serve the sandbox, add accounts, replay and record, make demo data."""

from __future__ import annotations

import argparse
import logging
import sqlite3
import sys

from simulator import demo
from simulator.backend import Backend
from simulator.config import SimulatorConfig
from simulator.errors import SimulatorError
from simulator.serve import replay_commands, state_commands
from simulator.serve.options import STATE_FILE, add_serve_options, config_from_args
from simulator.serve.server import StartupError, run_server, serve_forever, state_file_problem
from simulator.version import installed_version


def cmd_serve(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    try:
        serve_forever(run_server(config_from_args(args), args.host, args.port))
    except KeyboardInterrupt:
        pass
    except SimulatorError as exc:  # a start-up problem such as a bad --scenario file: its message, no traceback
        print(f"cdbsim: {exc.message}", file=sys.stderr)
        return 2
    except StartupError as exc:  # a damaged state file, a busy port: one line that says what to do
        print(f"cdbsim: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_add_account(args: argparse.Namespace) -> int:
    """Add an account (with one user) to a sandbox's state file."""
    try:
        backend = Backend.open(SimulatorConfig(db_path=args.db, clock="real"))
    except sqlite3.DatabaseError as exc:
        print(f"cdbsim: {state_file_problem(args.db, exc)}", file=sys.stderr)
        return 2
    try:
        creds = backend.identity.create_account(
            args.account_id,
            username=args.username,
            api_key=args.api_key,
            password=args.password,
            role=args.role,
            token=args.token,
        )
    except SimulatorError as exc:
        print(f"cdbsim: {exc.message}", file=sys.stderr)
        return 2
    finally:
        backend.close()
    print(
        f"account {creds['account_id']}: user {creds['username']} role {creds['role']}\n"
        f"  apiKey {creds['api_key']}  password {creds['password']}"
        + (f"  token {creds['token']}" if creds["token"] else "")
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cdbsim", description=__doc__)
    parser.add_argument("--version", action="version", version=f"cdbsim {installed_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the sandbox (state kept in --db)")
    add_serve_options(serve)
    serve.set_defaults(func=cmd_serve)
    add = sub.add_parser("add-account", help="add an account with one user to a sandbox's state file")
    add.add_argument("account_id")
    add.add_argument("--db", default=STATE_FILE)
    add.add_argument("--username")
    add.add_argument("--api-key")
    add.add_argument("--password")
    add.add_argument("--token", help="a fixed token for this user")
    add.add_argument("--role", default="dbaas:admin", choices=["dbaas:admin", "dbaas:creator", "dbaas:observer"])
    add.set_defaults(func=cmd_add_account)
    replay_commands.register(sub)
    state_commands.register(sub)
    demo.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
