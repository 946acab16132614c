"""Accounts, identity users and v2.0 tokens: who may call what."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from simulator.backend.cache import ModelCache
from simulator.clock import api_time, identity_time
from simulator.errors import BadRequest, Forbidden, Unauthorized
from simulator.hashing import hash_secret

if TYPE_CHECKING:
    from simulator.backend import Backend

ROLES = ("dbaas:admin", "dbaas:creator", "dbaas:observer")
_ACCOUNT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
FOREVER = 1e18  # expiry of fixed tokens, in epoch seconds
BAD_CREDENTIALS = "Unable to authenticate user with credentials provided."
BAD_TOKEN = "The supplied token is not authorized to access the resources, either it's expired or invalid."


class Identity:
    """Rules for accounts, users and tokens."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.repo = backend.store.accounts
        #: token -> its row (False: unknown), while accounts, users and tokens are unchanged: most calls repeat one
        #: token.
        self._tokens = ModelCache(backend.identity_version, budget=4096)
        #: (token, account_id, method, operation) -> the token's expiry, for calls that passed check_access whole
        #: and counted against no rate limit, while accounts, users and tokens are unchanged: a repeated call is
        #: one lookup and the clock, where the token, role and rate-limit switch were each a cache's lookup.
        self._passed = ModelCache(backend.identity_version, budget=4096)

    # accounts ---------------------------------------------------------------------------------
    def create_account(
        self,
        account_id: str,
        *,
        username: str | None = None,
        api_key: str | None = None,
        password: str | None = None,
        role: str = "dbaas:admin",
        token: str | None = None,
        rate_limits: bool | None = None,
        settings: dict | None = None,
    ) -> dict:
        """Create an account with one user (all parts generated when not given); returns the credentials."""
        for name, value in (
            ("username", username),
            ("api_key", api_key),
            ("password", password),
            ("role", role),
            ("token", token),
        ):
            if value is not None and not isinstance(value, str):
                raise BadRequest(f"'{name}' must be a string.")
        if rate_limits is not None and not isinstance(rate_limits, bool):
            raise BadRequest("'rate_limits' must be true or false.")
        if settings is not None and not isinstance(settings, dict):
            raise BadRequest("'settings' must be an object.")
        if not _ACCOUNT_ID.match(str(account_id)):
            raise BadRequest(f"Account id '{account_id}' must be 1-64 letters, digits, '-' or '_'.")
        if role not in ROLES:
            raise BadRequest(f"Role '{role}' is not one of {', '.join(ROLES)}.")
        if self.repo.get(account_id):
            raise BadRequest(f"Account '{account_id}' already exists.")
        rate_limits = self.backend.config.rate_limits if rate_limits is None else rate_limits
        with self.backend.store.atomic():
            self.repo.insert(account_id, account_id, api_time(self.backend.now()), rate_limits, settings or {})
            creds = self._new_user(account_id, username or f"user-{account_id}", api_key, password, role)
            if token:
                # A fixed token (for admin_token clients) that lasts as long as the account.
                self.repo.insert_token(
                    hash_secret(token), creds["user_id"], account_id, self.backend.clock.time(), FOREVER
                )
        return {**creds, "token": token}

    def add_user(
        self,
        account_id: str,
        username: str,
        *,
        api_key: str | None = None,
        password: str | None = None,
        role: str = "dbaas:admin",
    ) -> dict:
        """Add another identity user to an existing account; returns its credentials."""
        if not self.repo.get(account_id):
            raise BadRequest(f"Account '{account_id}' does not exist.")
        if role not in ROLES:
            raise BadRequest(f"Role '{role}' is not one of {', '.join(ROLES)}.")
        return self._new_user(account_id, username, api_key, password, role)

    def _new_user(self, account_id: str, username: str, api_key: str | None, password: str | None, role: str) -> dict:
        """A user of an account (its key and password generated when not given); returns its credentials."""
        if self.repo.user_by_name(username):
            raise BadRequest(f"User '{username}' already exists.")
        api_key = api_key or self.backend.ids.hex(32)
        password = password or self.backend.ids.password()
        user = self._insert_user(account_id, username, api_key, password, role)
        return {
            "account_id": account_id,
            "username": username,
            "api_key": api_key,
            "password": password,
            "role": role,
            "user_id": user["id"],
        }

    def _insert_user(self, account_id: str, username: str, api_key: str, password: str, role: str) -> dict:
        row = {
            "id": self.backend.ids.hex(12),
            "account_id": account_id,
            "username": username,
            "api_key_hash": hash_secret(api_key),
            "password_hash": hash_secret(password),
            "role": role,
            "created": api_time(self.backend.now()),
        }
        self.repo.insert_user(row)
        return row

    def accounts(self) -> list[dict]:
        return [
            {
                "id": a["id"],
                "rate_limits": bool(a["rate_limits"]),
                "settings": a["settings"],
                "users": [{"username": u["username"], "role": u["role"]} for u in self.repo.users_of(a["id"])],
            }
            for a in self.repo.list()
        ]

    def account(self, account_id: str) -> dict | None:
        return self.repo.get(account_id)

    # tokens -----------------------------------------------------------------------------------
    def authenticate(self, body: Any) -> dict:
        """POST /v2.0/tokens: check credentials, issue a token, return the parts of the answer."""
        auth = body.get("auth") if isinstance(body, dict) else None
        if not isinstance(auth, dict):
            raise BadRequest("Invalid request body: unable to parse Auth data. Please review XML or JSON formatting.")
        tenant_id, tenant_name = auth.get("tenantId"), auth.get("tenantName")
        if tenant_id is not None and tenant_name is not None:
            raise BadRequest("Invalid request body: tenantId and tenantName cannot both be given.")
        tenant = tenant_id if tenant_id is not None else tenant_name
        if tenant is not None and not isinstance(tenant, str):
            raise BadRequest("Invalid request body: tenantId and tenantName must be strings.")
        if "RAX-KSKEY:apiKeyCredentials" in auth:
            creds = auth["RAX-KSKEY:apiKeyCredentials"]
            user = self._check(creds, "apiKey", "api_key_hash")
            method = "APIKEY"
        elif "passwordCredentials" in auth:
            creds = auth["passwordCredentials"]
            user = self._check(creds, "password", "password_hash")
            method = "PASSWORD"
        elif "token" in auth:
            creds = auth["token"]
            if not isinstance(creds, dict) or not isinstance(creds.get("id"), str):
                raise BadRequest("Invalid request body: token credentials need an 'id' string.")
            if tenant is None:
                raise BadRequest("Invalid request body: token credentials need a tenantId or tenantName.")
            row = self.repo.token(hash_secret(creds["id"]))
            if not row or row["expires"] <= self.backend.clock.time():
                raise Unauthorized(BAD_CREDENTIALS)
            found = self.repo.user(row["user_id"])
            if found is None:  # the token's user was removed
                raise Unauthorized(BAD_CREDENTIALS)
            user = found
            method = "TOKEN"
        else:
            raise BadRequest("Invalid request body: unable to parse Auth data. Please review XML or JSON formatting.")
        if tenant is not None and tenant != user["account_id"]:
            raise Unauthorized(f"Token doesn't belong to Tenant with Id/Name: '{tenant}'")
        token = self.backend.ids.uuid(taken=lambda t: self.repo.token(hash_secret(t)) is not None)
        issued = self.backend.now()
        expires = issued + dt.timedelta(seconds=self.backend.config.token_lifetime)
        self.repo.insert_token(
            hash_secret(token), user["id"], user["account_id"], issued.timestamp(), expires.timestamp()
        )
        return {
            "token": token,
            "expires": identity_time(expires),
            "issued": identity_time(issued),
            "method": method,
            "user": user,
        }

    def _check(self, creds: Any, secret_key: str, hash_field: str) -> dict:
        if (
            not isinstance(creds, dict)
            or not isinstance(creds.get("username"), str)
            or not isinstance(creds.get(secret_key), str)
        ):
            raise BadRequest(f"Invalid request body: 'username' and '{secret_key}' must be strings.")
        user = self.repo.user_by_name(creds["username"])
        if not user or user[hash_field] != hash_secret(creds[secret_key]):
            raise Unauthorized(BAD_CREDENTIALS)
        return user

    def check_access(self, token: str | None, account_id: str, method: str, operation: str, route: str | None) -> None:
        """The whole access check of a call on account_id (operation: its route name, else its path): the token
        (check_token), its role (check_role), then the account's rate limit for the route, counted (Limits.check).
        A call that needs no count and passed is kept until the token expires or the identity changes."""
        passed, key = self._passed, (token, account_id, method, operation)
        version = passed.version()
        expires = passed.get_at(key, version)
        if expires is not None and expires > self.backend.clock.time():
            return
        caller = self.check_token(token, account_id)
        self.check_role(caller, method, operation)
        limits = self.backend.limits
        if route is not None and limits.counts(account_id, method, route):
            limits.count(account_id, route)
        else:
            passed.put(key, caller["expires"], version)

    def check_token(self, token: str | None, account_id: str) -> dict:
        """The caller behind X-Auth-Token for a call on account_id: 401 if unknown/expired, 403 if another's."""
        if not token:
            raise Unauthorized(BAD_TOKEN)
        row = self._tokens.fetch(token, self._token_row, token)
        if not row or row["expires"] <= self.backend.clock.time():
            raise Unauthorized(BAD_TOKEN)
        if row["account_id"] != account_id:
            raise Forbidden(f"User with tenant id {row['account_id']} cannot access this resource.")
        return row

    def _token_row(self, token: str) -> dict | bool:
        """The stored row of a token (found by its hash), or False: a miss is kept too."""
        try:
            return self.repo.token(hash_secret(token)) or False
        except UnicodeEncodeError:  # header bytes that are not UTF-8 arrive as lone surrogates: no token of ours
            raise Unauthorized(BAD_TOKEN) from None

    @staticmethod
    def check_role(caller: dict, method: str, operation: str) -> None:
        """403 when the caller's role does not allow this kind of call."""
        role = caller["role"]
        if role == "dbaas:observer" and method not in ("GET", "HEAD"):
            raise Forbidden(f"Policy doesn't allow {operation} to be performed.")
        if role == "dbaas:creator" and method == "DELETE":
            raise Forbidden(f"Policy doesn't allow {operation} to be performed.")

    def expire_tokens(self, account_id: str) -> int:
        """Expire every token of an account now (the next call gets 401)."""
        return self.repo.expire_tokens(account_id, self.backend.clock.time())
