"""`cdbsim state export|import`: state documents (backend/state_files.py) of a sandbox's state file, offline."""

from __future__ import annotations

import argparse
import sqlite3
import sys
from pathlib import Path

from simulator.backend import Backend
from simulator.backend.state_files import export_state, load_state, parse_document
from simulator.config import SimulatorConfig
from simulator.errors import SimulatorError
from simulator.serve.options import STATE_FILE
from simulator.serve.server import state_file_problem


def _open(db: str) -> Backend | None:
    try:
        return Backend.open(SimulatorConfig(db_path=db, clock="real"))
    except sqlite3.DatabaseError as exc:
        print(f"cdbsim: {state_file_problem(db, exc)}", file=sys.stderr)
        return None


def cmd_export(args: argparse.Namespace) -> int:
    """Write the state document of every account (or --account's) to --out, or to standard output."""
    backend = _open(args.db)
    if backend is None:
        return 2
    try:
        text = export_state(backend.sandbox, args.account)
    except SimulatorError as exc:
        print(f"cdbsim: {exc.message}", file=sys.stderr)
        return 2
    finally:
        backend.close()
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Load a state document into the state file (all of it, or nothing)."""
    try:
        text = Path(args.file).read_bytes()
    except OSError as exc:
        print(f"cdbsim: cannot read {args.file}: {exc.strerror or exc}.", file=sys.stderr)
        return 2
    backend = _open(args.db)
    if backend is None:
        return 2
    try:
        summary = load_state(backend.sandbox, parse_document(text), as_account=args.as_account)
    except SimulatorError as exc:
        print(f"cdbsim: {args.file}: {exc.message}", file=sys.stderr)
        return 2
    finally:
        backend.close()
    who = f"account {summary['account_id']}" if summary["account_id"] else "every account"
    print(f"loaded {summary['rows']} rows of {who} into {args.db}")
    return 0


def register(subparsers) -> None:
    """Add `cdbsim state export` and `cdbsim state import` to the command line."""
    state = subparsers.add_parser("state", help="export or import a state document (versioned JSON)")
    sub = state.add_subparsers(dest="state_command", required=True)
    export = sub.add_parser("export", help="write every account's state (or one's) as a state document")
    export.add_argument("--db", default=STATE_FILE, help=f"the sandbox's state file (default {STATE_FILE})")
    export.add_argument("--account", help="one account's state only")
    export.add_argument("--out", "-o", help="the file to write (default: standard output)")
    export.set_defaults(func=cmd_export)
    load = sub.add_parser("import", help="load a state document into a state file (all or nothing)")
    load.add_argument("file", help="a state document (from `cdbsim state export` or GET /_sim/state)")
    load.add_argument("--db", default=STATE_FILE, help=f"the sandbox's state file (default {STATE_FILE})")
    load.add_argument("--as-account", help="load an account's document into this existing account instead")
    load.set_defaults(func=cmd_import)
