"""Accounts, identity users and tokens."""

from __future__ import annotations

import builtins
import json

from sqlite_utils import Database
from sqlite_utils.db import NotFoundError

from simulator.repos.sql import select


class AccountsRepo:
    """Queries on accounts, users and tokens."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, account_id: str) -> dict | None:
        rows = list(select(self.db, "select * from accounts where id = ?", [account_id]))
        if not rows:
            return None
        row = rows[0]
        row["settings"] = json.loads(row["settings"] or "{}")
        return row

    #: How many changes accounts, users and tokens have had (a counter their triggers keep, migrations.py).
    IDENTITY_CHANGES = "select n from _identity_changes where id = 1"

    def rate_limits_on(self, account_id: str) -> bool:
        """Whether the account's rate limits are on (the per-request check, so one narrow query)."""
        row = self.db.execute("select rate_limits from accounts where id = ?", [account_id]).fetchone()
        return bool(row and row[0])

    def list(self) -> builtins.list[dict]:
        rows = list(self.db.table("accounts").rows_where(order_by="id"))
        for row in rows:
            row["settings"] = json.loads(row["settings"] or "{}")
        return rows

    def insert(self, account_id: str, name: str, created: str, rate_limits: bool, settings: dict) -> None:
        self.db.table("accounts").insert(
            {
                "id": account_id,
                "name": name,
                "created": created,
                "rate_limits": int(rate_limits),
                "settings": json.dumps(settings),
            }
        )

    def update_settings(self, account_id: str, rate_limits: bool | None = None, settings: dict | None = None) -> None:
        changes: dict[str, int | str] = {}
        if rate_limits is not None:
            changes["rate_limits"] = int(rate_limits)
        if settings is not None:
            changes["settings"] = json.dumps(settings)
        if changes:
            self.db.table("accounts").update(account_id, changes)

    def insert_user(self, row: dict) -> None:
        self.db.table("users").insert(row)

    def user_by_name(self, username: str) -> dict | None:
        rows = list(self.db.table("users").rows_where("username = ?", [username], limit=1))
        return rows[0] if rows else None

    def user(self, user_id: str) -> dict | None:
        try:
            return self.db.table("users").get(user_id)
        except NotFoundError:
            return None

    def users_of(self, account_id: str) -> builtins.list[dict]:
        return list(self.db.table("users").rows_where("account_id = ?", [account_id], order_by="username"))

    def insert_token(self, token_hash: str, user_id: str, account_id: str, issued: float, expires: float) -> None:
        self.db.table("tokens").insert(
            {"hash": token_hash, "user_id": user_id, "account_id": account_id, "issued": issued, "expires": expires},
            replace=True,
        )

    def token(self, token_hash: str) -> dict | None:
        """The token row joined with its user's role and name."""
        rows = list(
            select(
                self.db,
                "select t.hash, t.user_id, t.account_id, t.expires, u.role, u.username "
                "from tokens t join users u on u.id = t.user_id where t.hash = ?",
                [token_hash],
            )
        )
        return rows[0] if rows else None

    def expire_tokens(self, account_id: str, now: float) -> int:
        """Make every token of the account expire now; returns how many."""
        cursor = self.db.execute(
            "update tokens set expires = ? where account_id = ? and expires > ?", [now, account_id, now]
        )
        return cursor.rowcount
