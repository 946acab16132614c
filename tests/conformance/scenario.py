"""The documented operations, run in an order a user would (catalog, an instance, its databases and users,
configuration groups, backups, schedules, replicas, HA groups, then the deletes), each with its documented request
and the documented ids replaced by the ones this run made."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simulator.keys import BACKEND, CLOCK
from simulator.testing.client import Answer, http_call
from simulator.testing.server import SimulatorServer

ACCOUNT = "1234"
MYSQL = "749239dc-4805-4d9c-a5c3-3befee6e572f"
MYSQL_56 = "c00000b0-00c0-0c00-00c0-000b000000cc"

#: The documented ids for one thing of this run, by what they stand for (the pages use many ids for "an instance").
DOC_IDS = {
    "instance": (
        "d4603f69-ec7e-4e9b-803f-600b9205576f",
        "692d8418-7a8f-47f1-8060-59846c6e024f",
        "dcc5c518-73c7-4471-83e1-15fae67a98eb",
        "44b277eb-39be-4921-be31-3d61b43651d7",
        "ef38d201-89c9-4c11-8407-6f66adb93538",
    ),
    "configuration": (
        "f5aaf933-86b2-440e-a9dc-36c24665b3b4",
        "005a8bb7-a8df-40ee-b0b7-fc144641abc2",
        "bbbcdf40-e4cc-423d-8e4b-1f0c7190dac4",
        "12345678-1111-2222-3333-444444444444",
    ),
    "backup": (
        "61f12fef-edb1-4561-8122-e7c00ef26a82",
        "a9832168-7541-4536-b8d9-a8a9b79cf1b4",
        "ff44da4e-91eb-40ba-aa5b-841e1c308f55",
    ),
    "schedule": ("2e351a71-dd28-4bcb-a7d6-d36a5b487173",),
    "source": (
        "6bdca2fc-418e-40bd-a595-62abda61862d",
        "8b499b45-52d6-402d-b398-f9d8f279c69a",
        "df9e5206-cc95-4131-9ea4-f928c99f1aec",
        "e0b922ad-a054-40b3-aa3e883201ba79fe",
    ),
    "replica": ("1131f914-571c-4cd1-a5e5-0c2235eaa66f",),
    "ha": (
        "e7fdf90b-7140-4edb-b449-e093d55008fb",
        "3a493f8c-9b9c-4ca1-845b-e3689abb1f5c",
        "130922a2-b9ab-4e95-86be-9c5d79171b5e",
        "bee7680a-b0bd-4edb-9583-fbac6b59a0cd",
        "c8f07fae-b9d8-48f5-bf86-82cdec547fad",
        "67a59adb-d678-4092-b9a9-8cbe4ca39b4b",
    ),
    "ha_source": ("82cba72c-26a3-4e61-a4f1-7c65647b1c9f",),
    "ha_replica": ("4eeeb7a6-0dee-4e66-b433-f6462d45c580",),
    "ha_backup": ("0c1b5616-fdc5-45ae-b2dc-6f1440d55d0e",),
    "ha_new_replica": ("130922a2-b9ab-4e95-86be-9c5d79171b5",),  # the page's id is one digit short
    "datastore": ("a00000a0-00a0-0a00-00a0-000a000000aa",),
    "version": ("b00000b0-00b0-0b00-00b0-000b000000bb", "c11500fb-a034-4116-9f6b-4e0b32cea39d"),
}


@dataclass
class Result:
    """What one documented example's request got: the request sent and the answer."""

    method: str
    path: str
    request: Any
    answer: Answer


class Run:
    """One run of every documented operation on a fresh simulator; results by (operation title, example title)."""

    def __init__(self, server: SimulatorServer, fixture: dict, token: str) -> None:
        self.server = server
        self.token = token
        self.ops = {o["title"]: o for o in fixture["operations"]}
        self.made: dict[str, str] = {"datastore": MYSQL, "version": MYSQL_56}
        self.results: dict[tuple[str, str], Result] = {}
        self.errors: list[str] = []
        self.removed_node = ""

    # --- plumbing -------------------------------------------------------------------------------------------------

    def advance(self, seconds: float = 600) -> None:
        """Let every step under way end (the run's durations are all well under ten minutes)."""

        def move(app) -> None:
            app[CLOCK].advance(seconds)
            app[BACKEND].settle()

        self.server.run(move)

    def call(self, method: str, path: str, body: Any = None) -> Answer:
        headers = {"X-Auth-Token": self.token, "Content-Type": "application/json", "Accept": "application/json"}
        return http_call(method, self.server.url + path, body, headers)

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """A set-up call the docs do not show (not compared); answers the body, fails on an error status."""
        answer = self.call(method, f"/v1.0/{ACCOUNT}{path}", body)
        assert answer.status < 300, (method, path, answer.status, answer.body)
        return answer.body

    def substitute(self, value: Any, extra: dict[str, str]) -> Any:
        text = json.dumps(value)
        pairs = [(doc, self.made[role]) for role, docs in DOC_IDS.items() if role in self.made for doc in docs]
        for doc, mine in sorted([*extra.items(), *pairs], key=lambda p: -len(p[0])):
            text = text.replace(doc, mine)
        return json.loads(text)

    def op(self, title: str) -> dict:
        """An operation by its title or the start of it (one only)."""
        if title in self.ops:
            return self.ops[title]
        [found] = [o for t, o in self.ops.items() if t.startswith(title)]
        return found

    def example(self, op: str, title: str | None) -> dict:
        """An example of op by its title or the start of it (one only); the first when title is None."""
        examples = self.op(op)["examples"]
        if title is None:
            return examples[0]
        exact = [e for e in examples if e["title"] == title]
        [found] = exact or [e for e in examples if e["title"].startswith(title)]
        return found

    def doc(
        self,
        op: str,
        example: str | None = None,
        *,
        answer_to: str | None = None,
        method: str | None = None,
        path: str | None = None,
        body: Any = None,
        edit: Callable[[Any], Any] | None = None,
        extra: dict[str, str] | None = None,
    ) -> Any:
        """Send the documented request of op's example (ids substituted; edit adjusts the body, path replaces the
        path) and keep the answer under the example (or under answer_to, the example whose response it is)."""
        ex = self.example(op, example)
        request = ex.get("request", {})
        method = method or request.get("method") or self.op(op)["method"]
        template = self.op(op)["path"].replace("{version}", "v1.0").replace("{accountId}", ACCOUNT)
        raw_path = path or request.get("path") or template
        raw_path = raw_path if raw_path.startswith("/") else "/" + raw_path
        sent_path = self.substitute(raw_path, extra or {})
        sent = body if body is not None else self.substitute(request.get("body"), extra or {})
        if edit is not None:
            sent = edit(sent)
        answer = self.call(method, sent_path, sent)
        result = Result(method, sent_path, sent, answer)
        self.results[(self.op(op)["title"], ex["title"])] = result
        if answer_to:
            self.results[(self.op(op)["title"], self.example(op, answer_to)["title"])] = result
        return answer.body

    # --- the run --------------------------------------------------------------------------------------------------

    def run(self) -> None:
        for part in (
            self.catalog,
            self.instance,
            self.databases_and_users,
            self.configurations,
            self.backups,
            self.schedules,
            self.instance_actions,
            self.replicas,
            self.ha,
            self.deletes,
        ):
            try:
                part()
            except Exception as exc:  # the rest of the run goes on; the examples left out fail as not run
                self.errors.append(f"{part.__name__}: {type(exc).__name__}: {exc}")

    def catalog(self) -> None:
        for op in (
            "List versions",
            "List version details",
            "List flavors",
            "List flavor by ID",
            "List all datastore types",
            "Show datastore type",
            "List datastore versions for datastore",
            "Show datastore version",
            "List configuration parameters",
            "List configuration parameters without datastore",
            "List configuration parameter details",
            "List configuration parameter details without datastore",
        ):
            self.doc(op)
        # Flavor 9 (15GB) is no longer offered: flavor 2 stands in for it.
        self.doc("List flavors for datastore version")
        self.doc(
            "List verbose default configuration parameters",
            path=f"/v1.0/{ACCOUNT}/datastore/version/{MYSQL_56}/configuration/2",
        )

    def instance(self) -> None:
        created = self.doc("Create database instance", "create database instance")
        self.made["instance"] = created["instance"]["id"]
        self.advance()
        self.doc("List database instance status and details", "list database instance status and details")

    def databases_and_users(self) -> None:
        self.doc("Create database")
        self.api(
            "POST",
            f"/instances/{self.made['instance']}/databases",
            {"databases": [{"name": n} for n in ("databaseA", "databaseB", "databaseC", "databaseD", "databaseE")]},
        )
        self.doc("Create user")
        self.api(
            "POST",
            f"/instances/{self.made['instance']}/users",
            {
                "users": [
                    {
                        "name": "dbuser2",
                        "host": "10.0.0.1",
                        "password": "password",
                        "databases": [{"name": "databaseB"}],
                    }
                ]
            },
        )
        self.doc("List databases for instance", "list databases for instance")
        self.doc("List databases for instance", "list databases for instance paged")
        self.doc("List users in database instance", "list users in database instance")
        self.doc("List users in database instance", "list users in database instance paged")
        self.doc("List user", "list user", extra={"exampleuser": "demouser"})
        self.doc("List user", "list user access for restricted host")
        self.doc("Grant user access")
        self.doc("List user access", "list user access")
        self.doc("List user access", "list user access for restricted host")
        self.doc("Revoke user access")
        self.doc("Change user or users password")
        self.doc("Modify user attributes")
        self.doc("List root-enabled status")
        self.doc("Enable root user")

    def configurations(self) -> None:
        created = self.doc("Create configuration")
        self.made["configuration"] = created["configuration"]["id"]
        self.doc("List configurations")
        self.doc("List configuration details")
        self.doc("Update some configuration parameters")
        self.doc("Replace all configuration parameters")
        # The page's configuration example: request and response have different titles; 5.6, the group's version.
        created = self.doc(
            "Create database instance",
            "create database instance configuration",
            answer_to="create database instance config",
            edit=lambda b: {"instance": {**b["instance"], "datastore": {"type": "mysql", "version": "5.6"}}},
        )
        self.made["config_instance"] = created["instance"]["id"]
        self.doc(
            "List database instance status and details",
            "list database instance status and details with",
            extra={DOC_IDS["instance"][0]: self.made["config_instance"]},
        )
        self.advance()
        self.doc("List instances for configuration")
        # The page's defaults are a MySQL 5.6 instance's (with the query cache, which 8.0 no longer has).
        self.doc("Get default configuration", extra={DOC_IDS["instance"][2]: self.made["config_instance"]})
        self.doc("Update database instance", extra={DOC_IDS["instance"][0]: self.made["config_instance"]})

    def backups(self) -> None:
        created = self.doc("Create backup", "create backup")
        self.made["backup"] = created["backup"]["id"]
        self.advance()
        self.doc("Create backup", "create incremental backup")
        self.advance()
        self.doc("Create backup", "create backup with copying")
        self.advance()
        self.doc("List backup by ID")
        self.doc("List backups for instance")
        self.doc("List backups", "list backups")
        self.doc("Create a copy of an existing backup")
        self.doc("Create database instance", "create database instance restore")
        self.doc("Restore backup")
        self.advance()

    def schedules(self) -> None:
        created = self.doc("Create scheduled backup", "create scheduled backup")
        self.made["schedule"] = created["schedule"]["id"]
        # An instance has one schedule: the second example schedules the configuration's instance.
        self.doc(
            "Create scheduled backup",
            "create scheduled backup with copy to",
            extra={DOC_IDS["instance"][3]: self.made["config_instance"]},
        )
        self.doc("List scheduled backups")
        self.doc("List schedule for running backup")
        self.doc("Update schedule for backups")  # run_now: a backup starts
        self.advance()

    def instance_actions(self) -> None:
        instance = self.made["instance"]
        self.doc("Restart instance")
        self.advance()
        self.doc(
            "Resize the instance",
            extra={DOC_IDS["instance"][0]: instance, "23a3d4fb-3731-497b-afd4-bf25bde2b5fc": instance},
        )
        self.advance()
        self.doc("Resize the instance volume")
        self.advance()
        self.doc("Save the DB logs for an instance")
        self.doc("Change database instance name")
        # MySQL 5.1 is no longer offered; 5.6 stands in (the upgrade page upgrades to 5.7).
        created = self.doc(
            "Create database instance",
            "create database instance datastore",
            edit=lambda b: {"instance": {**b["instance"], "datastore": {"type": "MySQL", "version": "5.6"}}},
        )
        upgradable = created["instance"]["id"]
        self.advance()
        self.doc("Upgrade an instance", extra={DOC_IDS["instance"][0]: upgradable})
        self.advance()

    def replicas(self) -> None:
        source = self.api(
            "POST", "/instances", {"instance": {"name": "t1s1_ALT_GUEST", "flavorRef": 2, "volume": {"size": 1}}}
        )["instance"]["id"]
        self.made["source"] = source
        self.advance()
        created = self.doc("Create replica", edit=lambda b: {"instance": {**b["instance"], "flavorRef": "2"}})
        self.made["replica"] = created["instance"]["id"]
        self.advance()
        spare = self.api(
            "POST",
            "/instances",
            {"instance": {"name": "t2s1_ALT_GUEST", "flavorRef": 2, "volume": {"size": 1}, "replica_of": source}},
        )
        self.advance()
        self.doc("List replica details")
        self.doc("List replica source")
        self.doc("List replicas for source instance")
        self.doc("List all replicas and replica source", "list all replicas and replica source")
        self.doc("List all replicas and replica source", "list all instances replica sources")
        self.doc("Detach replica", extra={DOC_IDS["instance"][0]: spare["instance"]["id"]})
        self.advance()
        self.doc("Convert replication setup to HA")
        self.advance()

    def ha(self) -> None:
        created = self.doc(
            "Create HA database instance", edit=lambda b: {"ha": {**b["ha"], "acls": [{"address": "10.0.0.0/8"}]}}
        )
        ha_id = self.made["ha"] = created["ha_instance"]["id"]
        self.advance()
        shown = self.api("GET", f"/ha/{ha_id}")["ha_instance"]
        self.made["ha_source"] = shown["replica_source"][0]["id"]
        self.made["ha_replica"] = shown["replicas"][0]["id"]
        self.doc("List all HA database instances")
        self.doc("List HA database instance details")
        self.doc("List database instance status and details", "list details of a source instance")
        self.doc("List database instance status and details", "list details of a replica instance")
        self.doc("List all database instances", "list all database instances")
        self.doc("List all database instances", "list all sources and replicas part of an ha")
        self.doc("List all database instances", "list all instances and filter out instances part of an ha")
        self.doc("List ACLs for an HA instance")
        self.doc("Add ACLs to an HA instance")
        self.doc("Delete ACLs from an HA instance")
        created = self.doc("Create backup for an HA instance", "create backup for an ha instance")
        self.made["ha_backup"] = created["backup"]["id"]
        self.advance()
        incremental = self.doc("Create backup for an HA instance", "create incremental backup")["backup"]["id"]
        self.advance()
        self.doc("List backups of an HA instance")
        self.doc("List backups", "list backups query")  # the page's answer lists HA backups
        self.doc("List backup by ID", "list backup by id (2)", path=f"/v1.0/{ACCOUNT}/backups/{incremental}")
        self.doc("Remove configuration group from HA instance")
        self.advance()
        self.doc("Restart an HA instance")  # the group's defaults come back with a restart (RESTART_REQUIRED)
        self.advance()
        self.doc("Attach configuration group to HA instance")
        self.advance()
        self.doc(
            "Attach configuration group to HA instance",
            "list ha database instance details after",
            method="GET",
            path=f"/v1.0/{ACCOUNT}/ha/{ha_id}",
        )
        self.doc("Add replica to an HA instance")
        self.advance()
        shown = self.api("GET", f"/ha/{ha_id}")["ha_instance"]
        self.made["ha_new_replica"] = next(r["id"] for r in shown["replicas"] if r["name"] == "new-replica2")
        self.removed_node = self.made["ha_new_replica"]
        self.doc("Remove replica from an HA instance")
        self.advance()
        self.doc("Resize flavor for an HA instance")
        self.advance()
        self.doc("Resize volume for an HA instance")
        self.advance()
        # The attached group is for the group's present version: it is detached first, as an upgrade with a group
        # of another version attached is refused (Trove's rule, docs/behaviour.md).
        self.api("PATCH", f"/ha/{ha_id}", {"ha_instance": {"configuration": ""}})
        self.advance()
        self.api("POST", f"/ha/{ha_id}/action", {"restart": {}})  # the defaults come back with a restart
        self.advance()
        self.doc("Upgrade an HA instance")
        self.advance()

    def deletes(self) -> None:
        self.doc("Delete schedule for running backup")
        self.doc("Delete user")
        self.doc("Delete database")
        self.doc("Delete backup", extra={DOC_IDS["backup"][0]: self.made["ha_backup"]})
        self.doc("Delete HA database instance")
        self.doc("Delete database instance")
        self.api("DELETE", f"/instances/{self.removed_node}")  # a node removed from a group keeps its group
        self.advance()
        self.doc("Delete configuration group")
