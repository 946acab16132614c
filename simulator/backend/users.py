"""Database users on an instance: names, hosts, passwords, grants."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from simulator.backend.schemas import validate
from simulator.errors import BadRequest, ItemNotFound
from simulator.hashing import hash_password

if TYPE_CHECKING:
    from simulator.backend import Backend

#: Trove's name rule with a plain space for \s (no tabs, line breaks or unicode spaces in a name).
NAME = re.compile(r"^[A-Za-z0-9_.-]+([ \?\#\@]*[A-Za-z0-9_.-]+)*$")
FORBIDDEN_CHARS = set("'\";`,/\\")
RESERVED = ("os_admin", "root")
PAGE_SIZE = 20


def split_user_id(user_id: str) -> tuple[str, str]:
    """'name@host' from a URL segment (double-encoded dots allowed) -> (name, host); host defaults to %."""
    user_id = unquote(user_id)
    if "@" in user_id:
        name, host = user_id.rsplit("@", 1)
        return name, host
    return user_id, "%"


def check_host(host: str) -> None:
    if host == "%":
        return
    try:
        ipaddress.ip_address(host.replace("%", "0"))
    except ValueError:
        raise BadRequest(f"'{host}' is not a valid hostname.") from None


def check_name(name: str) -> None:
    if len(name) > 16:
        raise BadRequest(f"User name '{name}' is too long. Max length = 16.")
    if name.lower() in RESERVED:
        raise BadRequest(f'User name "{name}" is on the reserved list: {list(RESERVED)!r}.')
    if name != name.strip() or FORBIDDEN_CHARS & set(name) or not NAME.match(name):
        raise BadRequest(f"'{name}' is not a valid user name.")


def check_password(password: str) -> None:
    if password != password.strip() or FORBIDDEN_CHARS & set(password):
        raise BadRequest(
            "The password is not valid: it must not start or end with a space or contain ' \" ; ` , / or \\."
        )


class Users:
    """The rules for database users and their access."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.repo = backend.store.instances

    def _hash(self, password: str) -> str:
        return hash_password(password, self.backend.ids.hex(8))

    def parse(self, users: list[dict]) -> list[dict]:
        """Checked user specs (name, host, password hash, databases), no duplicates."""
        parsed, seen = [], set()
        for spec in users:
            name, host = spec["name"], spec.get("host") or "%"
            check_name(name)
            check_host(host)
            check_password(spec["password"])
            if (name, host) in seen:
                raise BadRequest(
                    "Two or more users share the same name and host in the initial users list. "
                    "Please correct the names or remove the duplicate entries."
                )
            seen.add((name, host))
            dbs = [d["name"] for d in spec.get("databases") or []]
            parsed.append({"name": name, "host": host, "password_hash": self._hash(spec["password"]), "databases": dbs})
        return parsed

    def insert(self, instance_id: str, users: list[dict]) -> None:
        self.repo.insert_users(instance_id, users)

    def _ready_row(self, account_id: str, instance_id: str, reading: bool = False, creating: bool = False) -> dict:
        row = self.backend.instances.must_get_row(account_id, instance_id)
        return self.backend.instances.check_ready(row, reading, creating)

    def _must_get(self, instance_id: str, name: str, host: str) -> dict:
        user = self.repo.user(instance_id, name, host)
        if user is None:
            shown = name if host == "%" else f"{name}@{host}"
            raise ItemNotFound(f"User {shown} cannot be found on the instance.")
        return user

    def _check_databases(self, instance_id: str, names: list[str]) -> None:
        existing = self.repo.database_names(instance_id, among=names)
        for name in names:
            if name not in existing:
                raise ItemNotFound(f"Database {name} cannot be found on the instance.")

    def create(self, account_id: str, instance_id: str, body: Any) -> None:
        """POST /users (202)."""
        validate("users_create", body)
        self.backend.instances.must_get_row(account_id, instance_id)
        users = self.parse(body["users"])
        self._ready_row(account_id, instance_id, creating=True)
        for u in users:
            if self.repo.user(instance_id, u["name"], u["host"]):
                raise BadRequest(f'A user with the name "{u["name"]}" already exists.')
            self._check_databases(instance_id, u["databases"])
        self.insert(instance_id, users)

    def page(
        self, account_id: str, instance_id: str, limit: int | None, marker: str | None
    ) -> tuple[list[dict], str | None]:
        """One page of users by name@host (root shown once enabled), and the next marker."""
        row = self._ready_row(account_id, instance_id, reading=True)
        limit = PAGE_SIZE if not limit or limit <= 0 else min(limit, PAGE_SIZE)
        users = self.repo.users_page(instance_id, limit + 1, marker)  # one more: is there a next page?
        if row["root_enabled"] and (not marker or marker < "root@%"):
            users.append({"name": "root", "host": "%", "databases": []})
            users.sort(key=lambda u: f"{u['name']}@{u['host']}")
        next_marker = None
        if len(users) > limit:
            last = users[limit - 1]
            next_marker = f"{last['name']}@{last['host']}"
        return users[:limit], next_marker

    def get(self, account_id: str, instance_id: str, user_id: str) -> dict:
        self._ready_row(account_id, instance_id, reading=True)
        name, host = split_user_id(user_id)
        return self._must_get(instance_id, name, host)

    def update(self, account_id: str, instance_id: str, user_id: str, body: Any) -> None:
        """PUT /users/{name}: new name, host and/or password (202)."""
        validate("user_update", body)
        self.backend.instances.must_get_row(account_id, instance_id)
        self._ready_row(account_id, instance_id)
        name, host = split_user_id(user_id)
        self._must_get(instance_id, name, host)
        spec = body["user"]
        changes = {}
        new_name, new_host = spec.get("name", name), spec.get("host", host)
        if "name" in spec:
            check_name(new_name)
            changes["name"] = new_name
        if "host" in spec:
            check_host(new_host)
            changes["host"] = new_host
        if (new_name, new_host) != (name, host) and self.repo.user(instance_id, new_name, new_host):
            raise BadRequest(f'A user with the name "{new_name}" already exists.')
        if "password" in spec:
            check_password(spec["password"])
            changes["password_hash"] = self._hash(spec["password"])
        self.repo.update_user(instance_id, name, host, changes)

    def change_passwords(self, account_id: str, instance_id: str, body: Any) -> None:
        """PUT /users: change several passwords at once (202); all users must exist."""
        validate("users_password", body)
        self.backend.instances.must_get_row(account_id, instance_id)
        self._ready_row(account_id, instance_id)
        changes = []
        for spec in body["users"]:
            host = spec.get("host") or "%"
            self._must_get(instance_id, spec["name"], host)
            check_password(spec["password"])
            changes.append((spec["name"], host, self._hash(spec["password"])))
        for name, host, hashed in changes:
            self.repo.update_user(instance_id, name, host, {"password_hash": hashed})

    def delete(self, account_id: str, instance_id: str, user_id: str) -> None:
        self._ready_row(account_id, instance_id)
        name, host = split_user_id(user_id)
        if name.lower() in RESERVED:
            raise BadRequest(f'User name "{name}" is on the reserved list: {list(RESERVED)!r}.')
        self._must_get(instance_id, name, host)
        self.repo.delete_user(instance_id, name, host)

    def access(self, account_id: str, instance_id: str, user_id: str) -> list[str]:
        return self.get(account_id, instance_id, user_id)["databases"]

    def grant(self, account_id: str, instance_id: str, user_id: str, body: Any) -> None:
        validate("grant", body)
        self._ready_row(account_id, instance_id)
        name, host = split_user_id(user_id)
        self._must_get(instance_id, name, host)
        names = [d["name"] for d in body["databases"]]
        self._check_databases(instance_id, names)
        self.repo.grant(instance_id, name, host, names)

    def revoke(self, account_id: str, instance_id: str, user_id: str, database: str) -> None:
        self._ready_row(account_id, instance_id)
        name, host = split_user_id(user_id)
        self._must_get(instance_id, name, host)
        if not self.repo.revoke(instance_id, name, host, database):
            raise ItemNotFound(f"Database {database} cannot be found on the instance.")

    def check_login(self, account_id: str, instance_id: str, user_id: str, password: str) -> bool:
        """Would this password log in as this user? (what a restore must preserve)."""
        from simulator.hashing import check_password as matches

        row = self.backend.instances.must_get_row(account_id, instance_id)
        name, host = split_user_id(user_id)
        if name == "root":
            return bool(row["root_enabled"]) and matches(password, row["root_password_hash"])
        user = self._must_get(instance_id, name, host)
        return matches(password, user["password_hash"])
