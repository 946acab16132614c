"""Target (b) with state: `cdbsim serve` (same options, same create_app) that first fills account 1234.

The instances (and backups, when the backups module is there) are created through the backend in this process,
with the same rules as POST /instances, so a list or memory measurement sees realistic rows. Prints
"SEED {json}" then "READY <port>".

    python sim_server.py --port 0 --db :memory: --time-scale 0 --no-rate-limits --instances 10000 --backups 50000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from aiohttp import web

from simulator.app import create_app
from simulator.serve.options import add_serve_options, config_from_args
from simulator.keys import BACKEND, STORE

BIG = 10**9


async def serve_until_stopped(app: web.Application, host: str, port: int) -> None:
    """Serve app on host:port, print READY <port> for the benchmark, and serve until the process is stopped."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    print(f"READY {runner.addresses[0][1]}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def raise_quotas(backend, account_id: str) -> None:
    """Lift the account's instance and backup quotas (25 and 50 by default) so a big account can exist."""
    account = backend.store.accounts.get(account_id)
    settings = dict(account["settings"])
    settings["quotas"] = {**settings.get("quotas", {}), "instances": BIG, "backups": BIG}
    backend.store.accounts.update_settings(account_id, settings=settings)


def seed_instances(backend, account_id: str, count: int) -> list[str]:
    """count instances through Instances.create (validation, catalog, quota), in batches of 1,000 per transaction."""
    ids = []
    for start in range(0, count, 1000):
        with backend.store.atomic():
            for i in range(start, min(count, start + 1000)):
                body = {"instance": {"name": f"bench-{i:06d}", "flavorRef": 1 + i % 8, "volume": {"size": 2}}}
                ids.append(backend.instances.create(account_id, body)["id"])
                backend.settle()  # time scale 0: ACTIVE at once (one due row at a time keeps settle cheap)
    return ids


def seed_backups(backend, account_id: str, instance_ids: list[str], count: int, through_rules: int) -> dict:
    """count backups over the instances: the first through_rules by Backups.create (the real path, timed), the
    rest as copies of those rows (fresh id, seq, name and instance) inserted through the backups repo.

    Creating all of them through the rules would only make the fill slower; the memory figure only needs rows of
    the real shape.
    """
    backups = getattr(backend, "backups", None)
    if backups is None:
        return {"backups": 0, "backups_unavailable": "the backups module is not in this checkout (no backend.backups)"}
    if not instance_ids:
        return {"backups": 0, "backups_unavailable": "no instances to back up"}
    made, rows = 0, []
    t0 = time.perf_counter()
    try:
        for k in range(min(count, through_rules)):
            with backend.store.atomic():
                rows.append(
                    backups.create(
                        account_id,
                        {"backup": {"instance": instance_ids[k % len(instance_ids)], "name": f"bench-b{k:06d}"}},
                    )
                )
                backend.settle()  # time scale 0: COMPLETED at once, so the instance may take the next one
            made += 1
    except Exception as exc:  # report how far it got; never pretend
        return {"backups": made, "backups_unavailable": f"backup #{made} failed: {type(exc).__name__}: {exc}"}
    out = {"backups_through_rules": made, "backups_through_rules_s": round(time.perf_counter() - t0, 2)}
    repo = backend.store.backups
    seq = repo.next_seq()
    with backend.store.atomic():
        for k in range(made, count):
            row = dict(repo.get(account_id, rows[k % len(rows)]["id"]))
            row.update(
                id=backend.ids.uuid(), seq=seq, name=f"bench-b{k:06d}", instance_id=instance_ids[k % len(instance_ids)]
            )
            seq += 1
            repo.insert(row)
            made += 1
    out["backups"] = made
    return out


async def serve(args) -> None:
    config = config_from_args(args)
    t0 = time.perf_counter()
    app = create_app(config)
    backend = app[BACKEND]
    account_id = config.bootstrap.account_id
    seed = {"create_app_s": round(time.perf_counter() - t0, 3)}
    if args.instances or args.backups or args.raise_quotas:
        raise_quotas(backend, account_id)
    t1 = time.perf_counter()
    instance_ids = seed_instances(backend, account_id, args.instances) if args.instances else []
    seed["instances"] = len(instance_ids)
    seed["instances_s"] = round(time.perf_counter() - t1, 2)
    if args.backups:
        t2 = time.perf_counter()
        seed.update(seed_backups(backend, account_id, instance_ids, args.backups, args.backups_through_rules))
        seed["backups_s"] = round(time.perf_counter() - t2, 2)
    seed["first_instance"] = instance_ids[0] if instance_ids else None
    ordered = sorted(instance_ids)
    seed["markers"] = ordered[:: max(1, len(ordered) // 50)][1:]  # page markers spread over the account
    seed["instance_ids"] = instance_ids  # GETs of distinct instances miss the read cache
    seed["rows"] = {t: app[STORE].db[t].count for t in app[STORE].db.table_names()}
    print("SEED " + json.dumps(seed), flush=True)
    await serve_until_stopped(app, args.host, args.port)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_serve_options(parser)
    parser.add_argument("--instances", type=int, default=0, help="instances to create in the demo account")
    parser.add_argument("--backups", type=int, default=0, help="backups to create over those instances")
    parser.add_argument(
        "--backups-through-rules",
        type=int,
        default=1000,
        help="how many of the backups go through Backups.create (the rest are copies)",
    )
    parser.add_argument("--raise-quotas", action="store_true", help="lift the demo account's quotas")
    args = parser.parse_args()
    try:
        from simulator.serve.server import serve_forever

        serve_forever(serve(args))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
