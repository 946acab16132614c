"""Helpers of the reliability suite: populated accounts, route walks, valid bodies, state snapshots."""

from __future__ import annotations

import re

from simulator.reference import catalog, regions

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
MYSQL = catalog.DATASTORES[0]
#: Path parameters that name no account's resource (reference data and wildcard tails).
SHARED = {
    "flavor_id": "1",
    "datastore_id": MYSQL.id,
    "version_id": MYSQL.versions[-1].id,
    "tail": "",
    "parameter": "max_connections",
}
#: Tables that are not the model: the journal, rate counters, the lifecycle outbox (drained into the journal) and the
#: database's own bookkeeping. Every other table of the schema is in a snapshot (a new one is covered unasked).
BOOKKEEPING = ("journal", "rate_counters", "meta", "_sqlite_migrations", "transitions")
#: The ACL every populated account's HA group has (its CIDR, and as the URL's {address} names it).
ACL = "10.9.8.0/24"


async def populate(api, tag: str) -> dict:
    """Give api's account an ACTIVE instance with a database and a user, a COMPLETED backup, a schedule, a
    configuration group attached to the instance and an ACTIVE HA group with an ACL.

    Every name carries tag, so a test can look for it in answers meant for somebody else.
    """
    status, body, _ = await api.post(
        "/instances",
        {
            "instance": {
                "name": f"{tag}-instance",
                "flavorRef": 1,
                "volume": {"size": 2},
                "databases": [{"name": f"{tag}db"}],
                "users": [{"name": f"{tag}user", "password": f"{tag}-Secret-1", "databases": [{"name": f"{tag}db"}]}],
            }
        },
    )
    assert status == 200, body
    api.advance(0)
    instance = body["instance"]
    status, body, _ = await api.post(
        "/backups",
        {"backup": {"name": f"{tag}-backup", "instance": instance["id"], "description": f"{tag} description"}},
    )
    assert status == 202, body
    backup = body["backup"]
    api.advance(0)
    status, body, _ = await api.post(
        "/schedules",
        {"schedule": {"action": "backup", "day_of_week": 3, "hour": 4, "minute": 5, "instance_id": instance["id"]}},
    )
    assert status == 202, body
    schedule = body["schedule"]
    status, body, _ = await api.post(
        "/configurations",
        {"configuration": {"name": f"{tag}-group", "description": f"{tag} group", "values": {"connect_timeout": 30}}},
    )
    assert status == 200, body
    group = body["configuration"]
    status, body, _ = await api.put(f"/instances/{instance['id']}", {"instance": {"configuration": group["id"]}})
    assert status == 202, body
    status, body, _ = await api.get(f"/instances/{instance['id']}")
    assert body["instance"]["status"] == "ACTIVE", body
    hostname = body["instance"]["hostname"]
    status, body, _ = await api.post(
        "/ha",
        {
            "ha": {
                "name": f"{tag}-ha",
                "datastore": {"type": "mysql", "version": "8.0"},
                "replica_source": [{"name": f"{tag}-ha-source", "flavorRef": 2, "volume": {"size": 1}}],
                "replicas": [{"name": f"{tag}-ha-replica", "flavorRef": 2, "volume": {"size": 1}}],
                "acls": [{"address": ACL}],
            }
        },
    )
    assert status == 202, body
    ha_group = body["ha_instance"]
    api.advance(0)
    return {
        "account_id": api.account,
        "instance_id": instance["id"],
        "hostname": hostname,
        "name": f"{tag}db",
        "user": f"{tag}user",
        "backup_id": backup["id"],
        "schedule_id": schedule["id"],
        "configuration_id": group["id"],
        "ha_id": ha_group["id"],
        "address": ACL.replace("/", "%2F"),
        "names": [
            f"{tag}-instance",
            f"{tag}db",
            f"{tag}user",
            f"{tag}-backup",
            f"{tag} description",
            f"{tag}-Secret-1",
            hostname,
            f"{tag}-group",
            f"{tag} group",
            f"{tag}-ha",
            f"{tag}-ha-source",
            f"{tag}-ha-replica",
        ],
    }


def v1_routes(app) -> list[tuple[str, str, str]]:
    """(route name, method, path template) for every /v1.0/{account_id}/ route ('*' routes: every method)."""
    out = []
    for route in app.router.routes():
        template = route.resource.canonical if route.resource is not None else ""
        if route.name is None or not template.startswith("/v1.0/{account_id}"):
            continue
        for method in METHODS if route.method == "*" else (route.method,):
            out.append((route.name, method, template))
    return out


def fill(template: str, values: dict) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), template)


def body_for(name: str, ids: dict):
    """A body that would be accepted if the ids were the caller's, so only ownership decides the answer."""
    return {
        "create_instance": {
            "instance": {
                "name": "x",
                "flavorRef": 1,
                "volume": {"size": 2},
                "restorePoint": {"backupRef": ids["backup_id"]},
            }
        },
        "patch_instance": {"instance": {"name": "renamed"}},
        "put_instance": {"instance": {"name": "renamed"}},
        "instance_action": {"restart": {}},
        "create_databases": {"databases": [{"name": "newdb"}]},
        "create_users": {"users": [{"name": "newuser", "password": "pw-12345"}]},
        "change_passwords": {"users": [{"name": ids["user"], "password": "pw-23456"}]},
        "update_user": {"user": {"password": "pw-34567"}},
        "grant_user_access": {"databases": [{"name": ids["name"]}]},
        "create_backup": {"backup": {"name": "b", "instance": ids["instance_id"]}},
        "backup_action": {"copy-backup": {"target_backup_region": "IAD"}},
        "create_schedule": {
            "schedule": {
                "action": "backup",
                "day_of_week": 1,
                "hour": 1,
                "minute": 1,
                "instance_id": ids["instance_id"],
            }
        },
        "update_schedule": {"schedule": {"hour": 2}},
        "create_configuration": {"configuration": {"name": "g", "values": {"wait_timeout": 60}}},
        "edit_configuration": {"configuration": {"values": {"wait_timeout": 90}}},
        "update_configuration": {"configuration": {"name": "g2", "values": {"connect_timeout": 20}}},
        "create_ha_instance": {
            "ha": {
                "name": "h",
                "datastore": {"type": "mysql", "version": "8.0"},
                "replica_source": [{"name": "s", "flavorRef": 2, "volume": {"size": 1}}],
                "replicas": [{"name": "r", "flavorRef": 2, "volume": {"size": 1}}],
            }
        },
        "update_ha_instance": {"ha_instance": {"configuration": ""}},
        "ha_action": {"restart": {}},
        "add_ha_acl": {"address": "10.1.2.0/24"},
    }.get(name)


def model_tables(db) -> list[str]:
    """Every table of the schema (sqlite_master) but the bookkeeping ones and the derived ones (a leading "_", as
    repos/state.py has it: _backup_counts is kept by triggers from backups)."""
    rows = db.query("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")
    return [r["name"] for r in rows if r["name"] not in BOOKKEEPING and not r["name"].startswith("_")]


def owners(db) -> dict[str, tuple[str, str | None]]:
    """How each model table's rows belong to an account, read from the schema: ("account", column) for a table
    with an account_id column (or accounts' own id); ("parent", column) for a table that hangs off such a table
    by <thing>_id (databases, grants -> instances; configuration_values -> configurations). A model table with
    neither fails here, so no table is left out of the isolation snapshot unseen."""
    tables = model_tables(db)
    columns = {t: [c.name for c in db[t].columns] for t in tables}
    out: dict[str, tuple[str, str | None]] = {"accounts": ("account", "id")}
    for table in tables:
        if table != "accounts" and "account_id" in columns[table]:
            out[table] = ("account", "account_id")
    for table in tables:
        if table in out:
            continue
        links = [c for c in columns[table] if c.endswith("_id") and out.get(c[:-3] + "s", ("", None))[0] == "account"]
        if len(links) != 1:
            raise AssertionError(f"table {table}: no account_id column and no single <parent>_id link ({links})")
        out[table] = ("parent", links[0])
    return out


def snapshot(db, account_id: str | None = None) -> dict:
    """Every row of every model table (of one account, in every region, or all), to compare before and after."""
    full = {t: [dict(r) for r in db.query(f"select * from [{t}] order by rowid")] for t in model_tables(db)}
    return full if account_id is None else account_slice(full, owners(db), account_id)


def account_slice(full: dict, how: dict[str, tuple[str, str | None]], account_id: str) -> dict:
    """The rows of a full snapshot that belong to account_id (its scope in any region, regions.py)."""
    out = {}
    for table, (kind, column) in how.items():
        if kind == "account":
            out[table] = [r for r in full[table] if r[column] and regions.account_of(r[column]) == account_id]
    for table, (kind, column) in how.items():
        if kind == "parent":
            assert column is not None
            parent = out[column[:-3] + "s"]
            ids = {r["id"] for r in parent}
            out[table] = [r for r in full[table] if r[column] in ids]
    return out


class ServeProcess:
    """`python -m simulator serve ...` in a subprocess; the port is read from its banner, its output kept."""

    def __init__(self, *args: str) -> None:
        import subprocess
        import sys
        import threading

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "simulator", "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._url: str | None = None
        self._ready = threading.Event()
        self._threads = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.stdout), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, self.stderr), daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        if not self._ready.wait(30) or self._url is None:
            self.kill()
            raise RuntimeError("cdbsim serve did not start:\n" + "".join(self.stdout + self.stderr))

    def _read(self, stream, into: list[str]) -> None:
        for line in stream:
            into.append(line)
            match = re.search(r"serving the Cloud Databases API v1.0 at (http://\S+)", line)
            if match:
                self._url = match.group(1)
                self._ready.set()
        self._ready.set()

    @property
    def url(self) -> str:
        return self._url or ""

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind runs."""
        self.proc.kill()
        self.proc.wait(30)
        self._close()

    def stop(self) -> None:
        """SIGINT, as a person at the terminal stops it (the server shuts down cleanly); a server still running 30 s
        later is killed and the test fails (it used to be killed silently, which hid a SIGINT the server ignored)."""
        import signal
        import subprocess

        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError("cdbsim serve did not stop within 30 s of SIGINT:\n" + self.output) from None
        self._close()

    def _close(self) -> None:
        """The readers have seen the end of both pipes; the pipes are closed."""
        for thread in self._threads:
            thread.join(10)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()

    @property
    def output(self) -> str:
        return "".join(self.stdout) + "".join(self.stderr)
