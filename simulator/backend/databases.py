"""Databases (schemas) on an instance: MySQL's name rules, reserved names, duplicates."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from simulator.backend.schemas import validate
from simulator.errors import BadRequest, ItemNotFound

if TYPE_CHECKING:
    from simulator.backend import Backend

#: Trove's name rule, with a plain space where Trove wrote \s (which in Python 3 also matches tabs, line
#: breaks and unicode spaces): control characters in a name are bad input.
NAME = re.compile(r"^[A-Za-z0-9_-]+[ \?\#\@]*[A-Za-z0-9_-]+$")
RESERVED = ("lost+found", "information_schema", "mysql", "performance_schema", "sys")
CHARSETS = {
    "utf8": "utf8_general_ci",
    "utf8mb4": "utf8mb4_general_ci",
    "latin1": "latin1_swedish_ci",
    "ascii": "ascii_general_ci",
    "binary": "binary",
    "utf16": "utf16_general_ci",
}
PAGE_SIZE = 100


def check_name(name: str) -> None:
    """400 unless name is a valid, non-reserved MySQL database name."""
    if len(name) > 64:
        raise BadRequest(f"Database name '{name}' is too long. Max length = 64.")
    if name.lower() in RESERVED:
        raise BadRequest(f'Database name "{name}" is on the reserved list: {list(RESERVED)!r}.')
    if not NAME.match(name) or "\\" in name:
        raise BadRequest(f"'{name}' is not a valid database name.")


def normalise(spec: dict) -> dict:
    """A database spec with its name checked and character set / collation filled in and checked."""
    name = spec["name"]
    check_name(name)
    charset = spec.get("character_set") or "utf8"
    if charset not in CHARSETS:
        raise BadRequest(f"'{charset}' not a valid character set.")
    collate = spec.get("collate") or CHARSETS[charset]
    if not collate.startswith(charset + "_") and collate != charset:
        raise BadRequest(f"'{collate}' not a valid collation for character set '{charset}'.")
    return {"name": name, "character_set": charset, "collate": collate}


class Databases:
    """The rules for databases."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.repo = backend.store.instances

    def parse_initial(self, databases: list[dict], users: list[dict]) -> tuple[list[dict], list[dict]]:
        """Check the databases and users of an instance create (names, duplicates, user grants)."""
        dbs = [normalise(d) for d in databases]
        names = [d["name"] for d in dbs]
        if len(set(names)) != len(names):
            raise BadRequest(
                "Two or more databases share the same name in the initial databases list. "
                "Please correct the names or remove the duplicate entries."
            )
        parsed_users = self.backend.users.parse(users)
        for user in parsed_users:
            for db_name in user["databases"]:
                if db_name not in names:
                    raise BadRequest(
                        f"The request indicates that user {user['name']} should have access to "
                        f"database {db_name}, but database {db_name} is not included in the "
                        f"initial databases list."
                    )
        return dbs, parsed_users

    def insert(self, instance_id: str, dbs: list[dict]) -> None:
        self.repo.insert_databases([{"instance_id": instance_id, **d} for d in dbs])

    def create(self, account_id: str, instance_id: str, body: Any) -> None:
        """POST /databases (202)."""
        validate("databases_create", body)
        row = self.backend.instances.must_get_row(account_id, instance_id)
        dbs = [normalise(d) for d in body["databases"]]
        names = [d["name"] for d in dbs]
        if len(set(names)) != len(names):
            raise BadRequest(
                "Two or more databases share the same name in the initial databases list. "
                "Please correct the names or remove the duplicate entries."
            )
        self.backend.instances.check_ready(row, creating=True)
        existing = self.repo.database_names(instance_id, among=names)
        for name in names:
            if name in existing:
                raise BadRequest(f'A database with the name "{name}" already exists.')
        self.insert(instance_id, dbs)

    def page(
        self, account_id: str, instance_id: str, limit: int | None, marker: str | None
    ) -> tuple[list[dict], str | None]:
        """One page of databases by name, and the next marker."""
        row = self.backend.instances.must_get_row(account_id, instance_id)
        self.backend.instances.check_ready(row, reading=True)
        limit = PAGE_SIZE if not limit or limit <= 0 else min(limit, PAGE_SIZE)
        names = self.repo.database_page(instance_id, limit, marker)
        next_marker = names[limit - 1] if len(names) > limit else None
        return [{"name": name} for name in names[:limit]], next_marker

    def delete(self, account_id: str, instance_id: str, name: str) -> None:
        """DELETE /databases/{name} (202)."""
        row = self.backend.instances.must_get_row(account_id, instance_id)
        if name.lower() in RESERVED:
            raise BadRequest(f'Database name "{name}" is on the reserved list: {list(RESERVED)!r}.')
        self.backend.instances.check_ready(row)
        if name not in self.repo.database_names(instance_id, among=[name]):
            raise ItemNotFound(f"Database {name} cannot be found on the instance.")
        self.repo.delete_database(instance_id, name)
