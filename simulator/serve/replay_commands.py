"""`cdbsim record`, `replay`, `verify` and `import-vcr`: the replay subcommands."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from dataclasses import replace

from simulator.replay.cassette import RecordMode, exists, validate_record_mode
from simulator.replay.har import HarError
from simulator.replay.matchers import DEFAULT_MATCH_ON, validate_match_on
from simulator.replay.player import MODES
from simulator.serve.options import add_serve_options, config_from_args
from simulator.serve.server import run_server, serve_forever


def _match_on(text: str) -> tuple[str, ...]:
    try:
        return validate_match_on(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _record_mode(text: str) -> RecordMode:
    try:
        return validate_record_mode(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def replay_config(args: argparse.Namespace):
    """The SimulatorConfig for `cdbsim replay`: the serve options plus what the record mode means for FILE."""
    config = config_from_args(args)
    mode = args.record_mode
    if mode is RecordMode.ONCE:
        mode = RecordMode.NONE if exists(args.file) else RecordMode.ALL
    if mode is RecordMode.NEW_EPISODES and not exists(args.file):
        mode = RecordMode.ALL
    if mode is RecordMode.ALL:
        return replace(config, replay_path=None, record_path=args.file)
    if mode is RecordMode.NEW_EPISODES:
        return replace(
            config, replay_path=args.file, record_path=args.file, replay_mode="fallthrough", replay_match=args.match
        )
    return replace(config, replay_path=args.file, replay_mode=args.mode, replay_match=args.match)


def cmd_replay(args: argparse.Namespace) -> int:
    """Serve FILE: recorded answers first; misses are faults (strict) or go to the model (fallthrough)."""
    if args.replay:
        print("cdbsim replay: give the recording as FILE, not --replay", file=sys.stderr)
        return 2
    if args.record and args.record_mode in (RecordMode.NEW_EPISODES, RecordMode.ALL):
        print("cdbsim replay: --record-mode new_episodes/all already record into FILE; drop --record", file=sys.stderr)
        return 2
    config = replay_config(args)
    if config.replay_path and not exists(config.replay_path):
        print(f"cdbsim replay: no recording at {config.replay_path}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    what = (
        f"replaying {config.replay_path} ({config.replay_mode}, matching {','.join(config.replay_match)})"
        if config.replay_path
        else ""
    )
    if config.record_path:
        what += (" and " if what else "") + f"recording to {config.record_path}"
    try:
        serve_forever(run_server(config, args.host, args.port, announce=lambda text: print(f"{what}\n{text}")))
    except KeyboardInterrupt:
        pass
    except (HarError, OSError) as exc:
        print(f"cdbsim replay: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_record(args: argparse.Namespace) -> int:
    """Run a recording proxy in front of a real service."""
    from simulator.replay.proxy import run_proxy

    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    try:
        asyncio.run(run_proxy(args.upstream, args.out, args.host, args.port, public_url=args.public_url))
    except KeyboardInterrupt:
        pass
    except ValueError as exc:
        print(f"cdbsim record: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Replay FILE against a fresh model; 0 when every exchange agrees, 1 on drift, 2 when FILE is unreadable."""
    from simulator.serve.verify import verify_file

    try:
        report = verify_file(args.file, seed=args.seed)
    except (HarError, OSError) as exc:
        print(f"cdbsim verify: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(report.as_dict(), indent=2) if args.json else report.table())
    return 1 if report.drift else 0


def cmd_import_vcr(args: argparse.Namespace) -> int:
    """Convert a VCR.py cassette to a HAR recording."""
    from simulator.replay.vcr import VcrError, import_vcr

    try:
        count = import_vcr(args.cassette, args.out)
    except (VcrError, OSError) as exc:
        print(f"cdbsim import-vcr: {exc}", file=sys.stderr)
        return 2
    print(f"imported {count} interactions from {args.cassette} into {args.out}")
    return 0


def register(subparsers) -> None:
    """Add the replay subcommands to the `cdbsim` parser."""
    record = subparsers.add_parser("record", help="record a real service through a proxy into a HAR file")
    record.add_argument("--upstream", required=True, help="the service's origin, e.g. https://identity.example")
    record.add_argument("--out", required=True, metavar="FILE", help="HAR file to write (rewritten atomically)")
    record.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    record.add_argument("--port", type=int, default=8780, help="port (default 8780; 0 picks a free one)")
    record.add_argument("--public-url", help="URL clients reach the proxy at (put into rewritten catalogs)")
    record.add_argument("--verbose", action="store_true")
    record.set_defaults(func=cmd_record)

    play = subparsers.add_parser("replay", help="serve answers from a HAR recording")
    play.add_argument("file", metavar="FILE", help="HAR recording")
    add_serve_options(play)
    play.add_argument(
        "--mode",
        choices=MODES,
        default="strict",
        help="strict: a request with no recorded answer is a replayMiss fault (502); fallthrough: the model answers it",
    )
    play.add_argument(
        "--match",
        type=_match_on,
        default=DEFAULT_MATCH_ON,
        metavar="MATCHERS",
        help="comma-separated matchers (default method,path,query,body)",
    )
    play.add_argument(
        "--record-mode",
        type=_record_mode,
        default=RecordMode.NONE,
        metavar="MODE",
        help="VCR.py record mode: none (default), once, new_episodes, all",
    )
    play.set_defaults(func=cmd_replay, db=":memory:")

    verify = subparsers.add_parser("verify", help="check a HAR recording against a fresh model (drift check)")
    verify.add_argument("file", metavar="FILE", help="HAR recording")
    verify.add_argument("--seed", type=int, default=0, help="seed of the fresh model (default 0)")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.set_defaults(func=cmd_verify)

    vcr = subparsers.add_parser("import-vcr", help="convert a VCR.py cassette (YAML) to a HAR recording")
    vcr.add_argument("cassette", metavar="CASSETTE", help="VCR.py cassette file")
    vcr.add_argument("--out", required=True, metavar="FILE", help="HAR file to write")
    vcr.set_defaults(func=cmd_import_vcr)
