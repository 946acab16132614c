"""Demo data for the sandbox: realistic accounts, instances (a replicated pair among them), databases, users, backup
chains with weeks of history and an HA group, made with faker from a seed, so the same seed gives the same data
(`cdbsim seed`, `serve --demo`)."""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import re
import sys
from dataclasses import dataclass

from simulator.backend import Backend
from simulator.clock import Clock
from simulator.config import SANDBOX_DURATIONS, SimulatorConfig
from simulator.errors import BadRequest
from simulator.ids import Ids

#: What `cdbsim seed` and `serve --demo` make when not told otherwise.
DEFAULT_ACCOUNTS, DEFAULT_INSTANCES, DEFAULT_CHAINS, DEFAULT_WEEKS = 3, 3, 2, 6
#: Ceilings, so a typo does not fill a disk.
#: A chain is a full backup and up to 3 incrementals: 12 chains stay inside the default backup quota (50).
MAX_ACCOUNTS, MAX_INSTANCES, MAX_CHAINS, MAX_WEEKS = 50, 25, 12, 52
ROLES_OF_INSTANCES = ("prod", "staging", "dev", "reporting", "analytics", "replica", "archive")
DB_SUFFIXES = ("db", "app", "prod", "data", "store", "log")
DATASTORES = (("mysql", "5.7"), ("mysql", "8.0"), ("percona", "5.7"), ("mariadb", "10.4"), ("mysql", "5.6"))
VOLUME_SIZES = (2, 5, 10, 20, 50)
DAY = dt.timedelta(days=1)
#: The nodes of each demo account's HA group (a source and two replicas).
HA_NODES = 3
_NAME = re.compile(r"[^a-z0-9_]")


@dataclass(frozen=True)
class DemoSpec:
    """How much demo data to make."""

    seed: int = 0
    accounts: int = DEFAULT_ACCOUNTS
    instances: int = DEFAULT_INSTANCES
    chains: int = DEFAULT_CHAINS
    weeks: int = DEFAULT_WEEKS

    def check(self) -> DemoSpec:
        """400 unless every count is an integer in range."""
        limits = {
            "seed": (0, 2**63 - 1),
            "accounts": (1, MAX_ACCOUNTS),
            "instances": (0, MAX_INSTANCES),
            "chains": (0, MAX_CHAINS),
            "weeks": (1, MAX_WEEKS),
        }
        for name, (low, high) in limits.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise BadRequest(f"'{name}' must be an integer from {low} to {high}.")
        if self.chains and not self.instances:
            raise BadRequest("Backup chains need at least one instance per account.")
        return self


def demo_ids_seed(seed: int) -> int:
    """The demo's own id sequence: never the app's (Ids(config.seed)), so later creates cannot collide with it."""
    return int.from_bytes(hashlib.sha256(f"cdbsim-demo:{seed}".encode()).digest()[:8], "big")


class DemoPresent(BadRequest):
    """The demo data of this seed is in the store already."""


class _Names:
    """Faker-made names that are valid for the API and unique where they must be."""

    def __init__(self, faker) -> None:
        self.faker = faker

    def unique(self, make, taken: set[str], exists=lambda name: False) -> str:
        for attempt in range(1000):
            name = make() if attempt < 20 else f"{make()}{attempt}"
            if name not in taken and not exists(name):
                taken.add(name)
                return name
        raise RuntimeError("could not make a unique demo name")

    def word(self) -> str:
        return _NAME.sub("", self.faker.word().lower()) or "data"

    def account_id(self) -> str:
        return str(self.faker.random_int(100000, 9999999))

    def username(self) -> str:
        return _NAME.sub("", self.faker.user_name().lower())[:24] or "user"

    def instance(self) -> str:
        return f"{self.word()}-{self.faker.random_element(ROLES_OF_INSTANCES)}"

    def database(self) -> str:
        return f"{self.word()}_{self.faker.random_element(DB_SUFFIXES)}"[:64]

    def db_user(self) -> str:
        return (_NAME.sub("", self.faker.first_name().lower()) or "app")[:12]

    def password(self) -> str:
        return self.faker.password(length=14, special_chars=False)


def seed_demo(backend, spec: DemoSpec) -> dict:
    """Make the demo world through the backend's own rules, on a manual clock that walks from `weeks` ago up to
    the backend's now; returns every credential and id made. 400 when this seed's data is already there."""
    from faker import Faker  # a heavy import, paid only when demo data is made

    spec = spec.check()
    faker = Faker("en_US")
    faker.seed_instance(spec.seed)
    names = _Names(faker)
    now = backend.now().replace(microsecond=0)
    try:
        start = now - dt.timedelta(weeks=spec.weeks)
    except OverflowError:
        raise BadRequest(
            f"The clock ({now.date().isoformat()}) is too early for {spec.weeks} weeks of history."
        ) from None
    clock = Clock("manual", start)
    past = backend.at(clock, Ids(demo_ids_seed(spec.seed)))
    taken_accounts: set[str] = set()
    taken_users: set[str] = set()
    events = []
    first = names.unique(names.account_id, taken_accounts)
    if backend.identity.account(first) is not None:
        raise DemoPresent(f"Demo data for seed {spec.seed} is already there (account {first}).")
    for n in range(spec.accounts):
        account_id = (
            first
            if n == 0
            else names.unique(names.account_id, taken_accounts, lambda a: backend.identity.account(a) is not None)
        )
        username = names.unique(
            names.username, taken_users, lambda u: backend.store.accounts.user_by_name(u) is not None
        )
        events += _plan_account(names, faker, spec, account_id, username, start, now)
    events.sort(key=lambda e: (e[0], e[1]))  # stable: same-moment events keep their planned order
    summary = {"seed": spec.seed, "from": start.isoformat(), "to": now.isoformat(), "accounts": []}
    made: dict[str, dict] = {}
    with backend.store.atomic():
        for when, _order, action, args in events:
            clock.set(when)
            past.settle()
            action(past, made, summary, *args)
        clock.set(now)
        past.settle()
    return summary


def _plan_account(
    names: _Names, faker, spec: DemoSpec, account_id: str, username: str, start: dt.datetime, now: dt.datetime
) -> list[tuple]:
    """The timed events that make one account's history: (moment, order at that moment, action, arguments)."""
    events: list[tuple] = []
    born = start + dt.timedelta(minutes=faker.random_int(0, 24 * 60))
    events.append((born, 0, _create_account, (account_id, username)))
    instances = []
    for i in range(spec.instances):
        # Instances appear in the first half of the history, so their backups have time to form chains.
        created = born + dt.timedelta(hours=faker.random_int(1, max(1, int((now - born).total_seconds() // 7200))))
        body, users, db_names, user_names = _instance_body(names, faker)
        key = f"{account_id}/{i}"
        instances.append((key, created, db_names, user_names))
        events.append((created, 1, _create_instance, (account_id, key, body, users)))
        if i == 0:
            events += _first_instance_extras(faker, spec, account_id, key, body, created)
    return events + _plan_chains(names, faker, spec, account_id, instances, now)


def _instance_body(names: _Names, faker) -> tuple[dict, list[dict], set[str], set[str]]:
    """A create body (a datastore, 1-3 databases, 1-2 users with grants), its users with their passwords, and the
    names taken on it so far (databases, users)."""
    ds_type, ds_version = faker.random_element(DATASTORES)
    db_names: set[str] = set()
    databases = [names.unique(names.database, db_names) for _ in range(faker.random_int(1, 3))]
    user_names: set[str] = set()
    users = [
        {
            "name": names.unique(names.db_user, user_names),
            "password": names.password(),
            "databases": faker.random_elements(databases, length=faker.random_int(1, len(databases)), unique=True),
        }
        for _ in range(faker.random_int(1, 2))
    ]
    body = {
        "instance": {
            "name": names.instance(),
            "flavorRef": faker.random_int(1, 4),
            "volume": {"size": faker.random_element(VOLUME_SIZES)},
            "datastore": {"type": ds_type, "version": ds_version},
            "databases": [{"name": d} for d in databases],
            "users": [
                {"name": u["name"], "password": u["password"], "databases": [{"name": d} for d in u["databases"]]}
                for u in users
            ],
        }
    }
    return body, users, db_names, user_names


def _first_instance_extras(
    faker, spec: DemoSpec, account_id: str, key: str, body: dict, created: dt.datetime
) -> list[tuple]:
    """Each account's first instance runs with a configuration group (dynamic values: it stays ACTIVE) and, when
    the quota has room, gets a replica (a replicated pair) while the account gets an HA group: their names come
    from the instance's, so the faker draws (and every other name of the seed) stay as they were."""
    datastore = body["instance"]["datastore"]
    group = {
        "configuration": {
            "name": f"{body['instance']['name']}-tuning",
            "description": "demo tuning",
            "datastore": {"type": datastore["type"], "version": datastore["version"]},
            "values": {
                "max_connections": faker.random_int(50, 400),
                "connect_timeout": faker.random_int(10, 60),
            },
        }
    }
    events: list[tuple] = [(created + dt.timedelta(hours=1), 1, _configure, (account_id, key, group))]
    if spec.instances <= MAX_INSTANCES - HA_NODES - 1:
        name = body["instance"]["name"]
        events.append((created + dt.timedelta(hours=2), 1, _replicate, (account_id, key, f"{name}-replica")))
        events.append((created + dt.timedelta(hours=3), 1, _ha_group, (account_id, f"{name}-ha")))
    return events


def _plan_chains(
    names: _Names, faker, spec: DemoSpec, account_id: str, instances: list[tuple], now: dt.datetime
) -> list[tuple]:
    """The backup chains: a full backup and 1-3 daily incrementals, each after a change to the instance."""
    events: list[tuple] = []
    for c in range(spec.chains):
        key, created, db_names, user_names = instances[c % len(instances)]
        on_same = [k for k in range(spec.chains) if k % len(instances) == c % len(instances)]
        slot = on_same.index(c)
        span = (now - created) / (len(on_same) + 1)
        increments = faker.random_int(1, 3)
        step = min(DAY, span / (increments + 2))
        full_at = created + span * (slot + 1)
        events.append((full_at, 2, _backup, (account_id, key, "weekly-full", None)))
        for n in range(increments):
            at = full_at + step * (n + 1)
            change: tuple[str, ...]
            if faker.boolean():
                change = ("database", names.unique(names.database, db_names))
            else:
                change = ("user", names.unique(names.db_user, user_names), names.password())
            events.append((at - step / 2, 3, _change, (account_id, key, change)))
            events.append((at, 4, _backup, (account_id, key, f"daily-incremental-{n + 1}", "last")))
    return events


# events: each runs on the past backend at its moment -----------------------------------------------------------
def _create_account(past, made, summary, account_id: str, username: str) -> None:
    creds = past.identity.create_account(account_id, username=username, token=past.ids.uuid())
    entry = {k: creds[k] for k in ("account_id", "username", "api_key", "password", "token", "role")}
    entry["instances"] = []
    summary["accounts"].append(entry)
    made[account_id] = entry


def _create_instance(past, made, summary, account_id: str, key: str, body: dict, users: list[dict]) -> None:
    row = past.instances.create(account_id, body)
    past.settle()
    entry = {
        "id": row["id"],
        "name": row["name"],
        "datastore": f"{row['datastore_type']} {row['datastore_version']}",
        "databases": [d["name"] for d in body["instance"]["databases"]],
        "users": [{"name": u["name"], "password": u["password"]} for u in users],
        "backups": [],
        "created": row["created"],
    }
    made[account_id]["instances"].append(entry)
    made[key] = entry


def _configure(past, made, summary, account_id: str, key: str, group: dict) -> None:
    """A configuration group for the instance, attached to it."""
    entry = made[key]
    created = past.configurations.create(account_id, group)
    past.instances.update(account_id, entry["id"], {"instance": {"configuration": created["id"]}}, "PUT")
    entry["configuration"] = {"id": created["id"], "name": created["name"]}


def _replicate(past, made, summary, account_id: str, key: str, name: str) -> None:
    """A replica of the instance (1 GB, whatever the source's flavor), built at once."""
    entry = made[key]
    row = past.instances.create(account_id, {"instance": {"name": name, "replica_of": entry["id"], "flavorRef": 2}})
    past.settle()
    entry["replicas"] = [{"id": row["id"], "name": name}]


def _ha_group(past, made, summary, account_id: str, name: str) -> None:
    """An HA group of a source and two replicas (MySQL 8.0, 1 GB), with one ACL."""
    nodes = [{"name": f"{name}-{n}", "flavorRef": 2, "volume": {"size": 2}} for n in range(1, HA_NODES + 1)]
    group = past.ha.create(
        account_id,
        {
            "ha": {
                "name": name,
                "datastore": {"type": "mysql", "version": "8.0"},
                "replica_source": nodes[:1],
                "replicas": nodes[1:],
                "acls": [{"address": "10.0.0.0/8"}],
            }
        },
    )
    past.settle()
    made[account_id]["ha"] = [{"id": group["id"], "name": name}]


def _change(past, made, summary, account_id: str, key: str, change: tuple) -> None:
    entry = made[key]
    if change[0] == "database":
        past.databases.create(account_id, entry["id"], {"databases": [{"name": change[1]}]})
        entry["databases"].append(change[1])
    else:
        _, name, password = change
        past.users.create(
            account_id,
            entry["id"],
            {"users": [{"name": name, "password": password, "databases": [{"name": entry["databases"][0]}]}]},
        )
        entry["users"].append({"name": name, "password": password})


def _backup(past, made, summary, account_id: str, key: str, name: str, parent: str | None) -> None:
    entry = made[key]
    backup = {"name": name, "instance": entry["id"], "description": "demo history"}
    if parent == "last" and entry["backups"]:
        backup["parent_id"] = entry["backups"][-1]["id"]
    row = past.backups.create(account_id, {"backup": backup})
    past.settle()
    entry["backups"].append(
        {
            "id": row["id"],
            "name": name,
            "type": row["backup_type"],
            "parent_id": row["parent_id"],
            "created": row["created"],
        }
    )


def seed_if_missing(backend, spec: DemoSpec) -> dict | None:
    """`serve --demo`: make the demo data once (a state file keeps it; a restart does not make it again)."""
    try:
        return seed_demo(backend, spec)
    except DemoPresent:
        return None


# `cdbsim seed` ---------------------------------------------------------------------------------------------------
def describe(summary: dict) -> str:
    """The summary as a person reads it: who can log in, and what each account holds."""
    lines = [f"demo data for seed {summary['seed']}: history from {summary['from']} to {summary['to']}"]
    for acct in summary["accounts"]:
        lines.append(
            f"account {acct['account_id']}: user {acct['username']}  password {acct['password']}  "
            f"apiKey {acct['api_key']}  token {acct['token']}"
        )
        for inst in acct["instances"]:
            chains = sum(1 for b in inst["backups"] if b["type"] == "full")
            group = f", configuration group {inst['configuration']['name']}" if "configuration" in inst else ""
            replicas = "".join(f", replica {r['id']} {r['name']}" for r in inst.get("replicas", []))
            lines.append(
                f"  instance {inst['id']} {inst['name']} ({inst['datastore']}): "
                f"{len(inst['databases'])} databases, {len(inst['users'])} users, "
                f"{len(inst['backups'])} backups in {chains} chains{group}{replicas}"
            )
        for ha in acct.get("ha", []):
            lines.append(f"  HA group {ha['id']} {ha['name']}: a source and {HA_NODES - 1} replicas")
    return "\n".join(lines)


def cmd_seed(args: argparse.Namespace) -> int:
    """Add demo data to a sandbox's state file."""
    spec = DemoSpec(
        seed=args.seed, accounts=args.accounts, instances=args.instances, chains=args.chains, weeks=args.weeks
    )
    backend = Backend.open(SimulatorConfig(db_path=args.db, clock="real", durations=SANDBOX_DURATIONS))
    try:
        summary = seed_demo(backend, spec)
    except BadRequest as exc:
        print(f"cdbsim: {exc.message}", file=sys.stderr)
        return 2
    finally:
        backend.close()
    print(describe(summary))
    return 0


def register(subparsers) -> None:
    """Add `cdbsim seed` to the command line."""
    seed = subparsers.add_parser(
        "seed",
        help="add faker-made demo accounts, instances and backup chains to a state "
        "file (the same seed gives the same data)",
    )
    seed.add_argument("--db", default="cdbsim.db", help="SQLite state file to add to (default cdbsim.db)")
    seed.add_argument("--seed", type=int, default=0, help="faker and id seed (default 0)")
    seed.add_argument(
        "--accounts", type=int, default=DEFAULT_ACCOUNTS, help=f"accounts to make (default {DEFAULT_ACCOUNTS})"
    )
    seed.add_argument(
        "--instances", type=int, default=DEFAULT_INSTANCES, help=f"instances per account (default {DEFAULT_INSTANCES})"
    )
    seed.add_argument(
        "--chains",
        type=int,
        default=DEFAULT_CHAINS,
        help=f"backup chains (a full backup and its incrementals) per account (default {DEFAULT_CHAINS})",
    )
    seed.add_argument(
        "--weeks", type=int, default=DEFAULT_WEEKS, help=f"how far back the history goes (default {DEFAULT_WEEKS})"
    )
    seed.set_defaults(func=cmd_seed)
