"""A `cdbsim serve` (same options, same create_app) holding a small or a large state of one dimension, for scaling.py.

Both states start alike: account 1234 with its quotas lifted, 25 ACTIVE instances made by Instances.create, a
"target" instance, 25 COMPLETED backups made by Backups.create (and in the dbusers dimension 120 databases and 120 users
on the target). So every first page of a list is full on the small side too (20 instances, 20 backups, 100 databases,
20 users, each with a link to the next page): both sides answer pages of the same size and shape, and the ratio
measures the state, not the page. The large state then grows one dimension by writing rows through the repositories
(bulk inserts: copies of the rows the rules made, with fresh ids), so a large state takes seconds to build, not
10,000 HTTP calls:

    instances  +9,974 instances on the account (10,000)
    dbusers    +9,880 databases and +9,880 users on the target instance (10,000 of each)
    backups    +9,974 backups on the account (10,000)
    accounts   +999 accounts, each with its user and 3 instances (1,000 accounts in the store)
    journal    200,000 answered requests journalled (the journal keeps its newest 10,000, as a long run would)
    chain      the target's full backup followed by 100 incrementals, each after a change (the small state: the
               full backup alone); built through Backups.create, as the chain's contents must be real

Prints "SEED {json}" (the ids scaling.py needs) then "READY <port>".

    python scaling_server.py --dimension backups --size large --db state.db --time-scale 0 --no-rate-limits --port 0
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

from sim_server import raise_quotas, serve_until_stopped

from simulator.app import create_app
from simulator.backend.cache import ModelCache
from simulator.keys import BACKEND, JOURNAL, READS, STORE
from simulator.repos import sql
from simulator.serve.options import add_serve_options, config_from_args

DIMENSIONS = ("instances", "dbusers", "backups", "accounts", "journal", "chain")
LARGE = {"instances": 10_000, "dbusers": 10_000, "backups": 10_000, "accounts": 1_000, "journal": 200_000, "chain": 100}
SMALL_INSTANCES = SMALL_BACKUPS = 25
#: Databases and users on the target in both states: more than a page of each (100 databases, 20 users).
SMALL_DBUSERS = 120


def make_instances(backend, account_id: str, count: int, prefix: str = "bench") -> list[str]:
    ids = []
    with backend.store.atomic():
        for i in range(count):
            body = {"instance": {"name": f"{prefix}-{i:06d}", "flavorRef": 1 + i % 8, "volume": {"size": 2}}}
            ids.append(backend.instances.create(account_id, body)["id"])
            backend.settle()  # time scale 0: ACTIVE at once
    return ids


def make_backup(backend, account_id: str, instance_id: str, name: str, incremental: bool = False) -> str:
    with backend.store.atomic():
        spec = {"instance": instance_id, "name": name, **({"incremental": 1} if incremental else {})}
        row = backend.backups.create(account_id, {"backup": spec})
    backend.settle()  # COMPLETED at once
    return row["id"]


def copy_instances(backend, account_id: str, template_id: str, count: int, start: int) -> None:
    """count more instance rows like the template (fresh id, seq, name, hostname), in bulk."""
    store = backend.store
    template = store.instances.get(account_id, template_id)
    seq = store.instances.next_seq()
    rows = []
    for k in range(count):
        iid = backend.ids.uuid()
        rows.append(
            {
                **template,
                "id": iid,
                "seq": seq + k,
                "name": f"bench-{start + k:06d}",
                "hostname": template["hostname"].replace(template_id, iid) if template["hostname"] else None,
            }
        )
    with store.atomic():
        sql.insert_many(store.db, "instances", rows)


def copy_backups(backend, account_id: str, template_ids: list[str], instance_ids: list[str], count: int) -> None:
    store = backend.store
    repo = store.backups
    templates = [repo.get(account_id, b) for b in template_ids]
    seq = repo.next_seq()
    with store.atomic():
        for k in range(count):
            row = dict(templates[k % len(templates)])
            row.update(
                id=backend.ids.uuid(),
                seq=seq + k,
                name=f"bench-b{k:06d}",
                instance_id=instance_ids[k % len(instance_ids)],
            )
            repo.insert(row)


def fill_dbusers(backend, instance_id: str, count: int, start: int = 0) -> None:
    """count databases and users on the instance, numbered from start (user k is granted database k)."""
    store = backend.store
    with store.atomic():
        store.instances.insert_databases(
            [
                {
                    "instance_id": instance_id,
                    "name": f"db{k:06d}",
                    "character_set": "utf8",
                    "collate": "utf8_general_ci",
                }
                for k in range(start, start + count)
            ]
        )
        store.instances.insert_users(
            instance_id,
            [
                {"name": f"user{k:06d}", "host": "%", "password_hash": "salt$" + "0" * 64, "databases": [f"db{k:06d}"]}
                for k in range(start, start + count)
            ],
        )


def fill_accounts(backend, count: int) -> None:
    for k in range(count):
        account_id = f"{900000 + k}"
        backend.identity.create_account(account_id)
        make_instances(backend, account_id, 3, prefix=f"acct{k}")


def fill_journal(app, count: int) -> None:
    """count answered requests in the journal, as the journal writes and prunes them (batches, newest kept)."""
    journal = app[JOURNAL]
    store = app[STORE]
    from simulator.pipeline.journal import COLUMNS, PRUNE_EVERY

    values = {
        "account_id": "1234",
        "time": "2026-01-01T00:00:00",
        "method": "GET",
        "path": "/v1.0/1234/instances/x",
        "query": "",
        "route": "show_instance",
        "status": 200,
        "duration_ms": 0.5,
        "request": '{"headers": {"Accept": "application/json"}, "body": null}',
        "response": '{"headers": {"Content-Type": "application/json"}, "body": {"instance": {"id": "x"}}}',
    }
    row = tuple(values.get(column) for column in COLUMNS)  # the columns the journal writes now, in its order

    with app[BACKEND].bookkeeping():
        for start in range(0, count, PRUNE_EVERY):
            seq = store.journal.append_many(COLUMNS, [row] * min(PRUNE_EVERY, count - start))
            if journal.limit:
                store.journal.prune(before=seq - journal.limit)


def fill_chain(backend, account_id: str, instance_id: str, links: int) -> str:
    """links incrementals after the target's full backup, each holding one more database; the newest's id."""
    newest = None
    for k in range(links):
        with backend.store.atomic():
            backend.databases.create(account_id, instance_id, {"databases": [{"name": f"chain{k:03d}"}]})
        newest = make_backup(backend, account_id, instance_id, f"link-{k:03d}", incremental=True)
    return newest


def build(app, dimension: str, large: bool) -> dict:
    backend = app[BACKEND]
    account_id = app[BACKEND].config.bootstrap.account_id
    raise_quotas(backend, account_id)
    seed: dict = {"dimension": dimension, "state": "large" if large else "small"}
    t0 = time.perf_counter()
    instance_ids = make_instances(backend, account_id, SMALL_INSTANCES)
    target = make_instances(backend, account_id, 1, prefix="target")[0]
    backups = [make_backup(backend, account_id, instance_ids[k], f"small-{k}") for k in range(SMALL_BACKUPS)]
    full = make_backup(backend, account_id, target, "target-full")
    if dimension == "dbusers":
        fill_dbusers(backend, target, SMALL_DBUSERS)
    seed.update(instances=instance_ids, target=target, backups=backups, restore_from=full)
    if large:
        n = LARGE[dimension]
        if dimension == "instances":
            copy_instances(backend, account_id, instance_ids[0], n - SMALL_INSTANCES - 1, SMALL_INSTANCES)
        elif dimension == "dbusers":
            fill_dbusers(backend, target, n - SMALL_DBUSERS, start=SMALL_DBUSERS)
        elif dimension == "backups":
            copy_backups(backend, account_id, backups, instance_ids, n - SMALL_BACKUPS - 1)
        elif dimension == "accounts":
            fill_accounts(backend, n - 1)
        elif dimension == "journal":
            fill_journal(app, n)
        elif dimension == "chain":
            seed["restore_from"] = fill_chain(backend, account_id, target, n)
    app[JOURNAL].flush()
    seed["build_s"] = round(time.perf_counter() - t0, 2)
    counts = {}
    for table in ("accounts", "instances", "databases", "db_users", "backups", "journal"):
        counts[table] = app[STORE].db.execute(f"select count(*) from {table}").fetchone()[0]
    seed["rows"] = counts
    seed["journal_last_seq"] = app[STORE].journal.last_seq()
    return seed


async def serve(args) -> None:
    config = config_from_args(args)
    app = create_app(config)
    if args.no_read_cache:  # every read takes the full path (a cached answer costs the same whatever the state)
        app[READS] = ModelCache(app[BACKEND].model_version, budget=0, size=len)
    seed = build(app, args.dimension, args.size == "large")
    if args.trace:
        import scaling_trace

        scaling_trace.install(app, Path(args.trace))
    if args.gc_freeze:
        gc.collect()
        gc.freeze()
    print("SEED " + json.dumps(seed), flush=True)
    await serve_until_stopped(app, args.host, args.port)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_serve_options(parser)
    parser.add_argument("--dimension", choices=DIMENSIONS, required=True)
    parser.add_argument("--size", choices=("small", "large"), required=True, help="which state to build")
    parser.add_argument("--no-read-cache", action="store_true", help="answer every read through the model")
    parser.add_argument("--trace", help="record what happens inside (scaling_trace.py) to this JSON file at exit")
    parser.add_argument("--gc-freeze", action="store_true", help="gc.freeze() once the state is built (a candidate)")
    args = parser.parse_args()
    try:
        from simulator.serve.server import serve_forever

        serve_forever(serve(args))
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
