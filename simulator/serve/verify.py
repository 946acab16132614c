"""Drift check: replay recorded requests against a fresh model and compare status and body shape.

The model gets the recording's accounts (users whose passwords are the recording's placeholders, so the
recorded identity calls work as written), the resources the recording uses without creating them, and ids
mapped from the recording to the ones the model hands out. Its clock only moves when a recorded answer is
further along than the model (BUILD -> ACTIVE): then the next timed step is carried out and the request is
sent again (safe for reads, and for writes the model refused, since a refused write changes nothing).
"""

from __future__ import annotations

import asyncio
import itertools
import re
from dataclasses import dataclass, field

from aiohttp.test_utils import TestClient, TestServer

from simulator.config import SANDBOX_DURATIONS, SimulatorConfig
from simulator.errors import SimulatorError
from simulator.http import is_control_path
from simulator.keys import BACKEND, CLOCK
from simulator.replay.filters import placeholder_kind
from simulator.replay.har import HOP_BY_HOP, Interaction, RecordedRequest, parse_json, read_har

UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
ACCOUNT_PATH = re.compile(r"^/v1\.0/([^/]+)(/|$)")
#: How many timed steps the checker carries out for one request before it reports what it sees.
MAX_ADVANCES = 50
ROLES = ("dbaas:admin", "dbaas:creator", "dbaas:observer")


# shapes -----------------------------------------------------------------------------------------
def json_type(value: object) -> str:
    """The JSON type name of a parsed JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def shape(value):
    """Keys and value types of a JSON value; the elements of an array are merged into one shape."""
    if isinstance(value, dict):
        return {"object": {k: shape(v) for k, v in value.items()}}
    if isinstance(value, list):
        merged = None
        for item in value:
            merged = _merge(merged, shape(item))
        return {"array": merged}
    return frozenset([json_type(value)])


def _merge(a, b):
    if a is None:
        return b
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        if "object" in a:
            keys = a["object"].keys() | b["object"].keys()
            return {"object": {k: _merge(a["object"].get(k), b["object"].get(k)) for k in keys}}
        return {"array": _merge(a["array"], b["array"])}
    if isinstance(a, frozenset) and isinstance(b, frozenset):
        return a | b
    return frozenset(["mixed"])


def _describe(s) -> str:
    if isinstance(s, dict):
        return next(iter(s))
    return "/".join(sorted(s)) if s else "nothing"


def shape_differences(recorded, model, where: str = "$") -> list[str]:
    """Where two shapes disagree: keys present on one side only, or value types that never coincide."""
    if recorded is None or model is None:
        return []  # an empty array on either side says nothing about its elements
    if isinstance(recorded, dict) and isinstance(model, dict) and recorded.keys() == model.keys():
        if "object" in recorded:
            a, b = recorded["object"], model["object"]
            found = [f"{where}.{k}: in the recording, not in the model" for k in sorted(a.keys() - b.keys())]
            found += [f"{where}.{k}: in the model, not in the recording" for k in sorted(b.keys() - a.keys())]
            for k in sorted(a.keys() & b.keys()):
                found += shape_differences(a[k], b[k], f"{where}.{k}")
            return found
        return shape_differences(recorded["array"], model["array"], f"{where}[]")
    if isinstance(recorded, frozenset) and isinstance(model, frozenset) and recorded & model:
        return []
    return [f"{where}: {_describe(recorded)} in the recording, {_describe(model)} in the model"]


def body_differences(recorded: bytes, model: bytes) -> list[str]:
    """Shape differences of two bodies (JSON by shape; other bodies only by being empty or not)."""
    a, b = parse_json(recorded), parse_json(model)
    if a is not None and b is not None:
        return shape_differences(shape(a), shape(b))
    if bool(recorded) != bool(model):
        return [
            f"body: {'empty' if not recorded else 'present'} in the recording, "
            f"{'empty' if not model else 'present'} in the model"
        ]
    if (a is None) != (b is None):
        return [
            f"body: {'JSON' if a is not None else 'not JSON'} in the recording, "
            f"{'JSON' if b is not None else 'not JSON'} in the model"
        ]
    return []


def _statuses(value, where: str = "$", out: dict | None = None) -> dict:
    """Every resource `status` in a body, by where it is (BUILD, ACTIVE, COMPLETED ...)."""
    out = {} if out is None else out
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "status" and isinstance(v, str):
                out[f"{where}.status"] = v
            else:
                _statuses(v, f"{where}.{k}", out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _statuses(v, f"{where}[{i}]", out)
    return out


def _is_id_key(key: str) -> bool:
    return key == "id" or key.endswith("_id") or key.endswith("Id") or key.endswith("Ref")


def learn_ids(recorded, model, mapping: dict[str, str]) -> None:
    """Recorded id -> model id, wherever the two answers carry an id at the same place."""
    if isinstance(recorded, dict) and isinstance(model, dict):
        for key, value in recorded.items():
            if key not in model:
                continue
            other = model[key]
            if _is_id_key(key) and isinstance(value, str) and isinstance(other, str):
                if value != other and len(value) >= 8 and not placeholder_kind(value) and value not in mapping:
                    mapping[value] = other
            else:
                learn_ids(value, other, mapping)
    elif isinstance(recorded, list) and isinstance(model, list):
        for a, b in zip(recorded, model, strict=False):
            learn_ids(a, b, mapping)


# the report -------------------------------------------------------------------------------------
@dataclass
class Check:
    """One recorded exchange sent to the model."""

    number: int
    method: str
    path: str
    recorded_status: int
    model_status: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    setup: list[str] = field(default_factory=list)

    @property
    def drift(self) -> bool:
        return any(not c.ok for c in self.checks)

    def table(self) -> str:
        """The summary table a person reads (one row per exchange, problems underneath)."""
        rows = [("#", "method", "path", "recorded", "model", "result")]
        for c in self.checks:
            path = c.path if len(c.path) <= 64 else c.path[:61] + "..."
            rows.append(
                (
                    str(c.number),
                    c.method,
                    path,
                    str(c.recorded_status),
                    "-" if c.model_status is None else str(c.model_status),
                    "ok" if c.ok else "DRIFT",
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = [line for line in (f"setup: {s}" for s in self.setup)]
        for n, row in enumerate(rows):
            lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)).rstrip())
            if n and not self.checks[n - 1].ok:
                lines.extend(f"      - {p}" for p in self.checks[n - 1].problems)
        drifted = sum(1 for c in self.checks if not c.ok)
        lines.append(f"{len(self.checks)} exchanges: {len(self.checks) - drifted} ok, {drifted} drift")
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {
            "drift": self.drift,
            "setup": self.setup,
            "checks": [
                {
                    "number": c.number,
                    "method": c.method,
                    "path": c.path,
                    "recorded_status": c.recorded_status,
                    "model_status": c.model_status,
                    "ok": c.ok,
                    "problems": c.problems,
                }
                for c in self.checks
            ],
        }


# what the recording needs -----------------------------------------------------------------------
def _account_of(path: str) -> str | None:
    m = ACCOUNT_PATH.match(path)
    return m.group(1) if m else None


@dataclass
class Plan:
    """Accounts, users, token owners and pre-existing resources a recording needs from the model."""

    accounts: dict[str, dict] = field(default_factory=dict)  # account -> {username, password, api_key, role}
    token_owner: dict[str, str] = field(default_factory=dict)  # token placeholder -> account
    fixtures: dict[str, tuple[str, str]] = field(default_factory=dict)  # recorded id -> (kind, account)


def _credentials(body) -> dict:
    auth = body.get("auth") if isinstance(body, dict) else None
    if not isinstance(auth, dict):
        return {}
    pw = auth.get("passwordCredentials") or {}
    key = auth.get("RAX-KSKEY:apiKeyCredentials") or {}
    found = {}
    if isinstance(pw, dict) and isinstance(pw.get("username"), str):
        found = {"username": pw["username"], "password": pw.get("password")}
    if isinstance(key, dict) and isinstance(key.get("username"), str):
        found = {"username": key["username"], "api_key": key.get("apiKey")}
    return found


def _fixture_refs(request: RecordedRequest) -> list[tuple[str, str]]:
    """(id, kind) of the resources a request names in its path or body."""
    refs = []
    parts = request.path.split("/")
    for before, value in itertools.pairwise(parts):
        if UUID.fullmatch(value) and before in ("instances", "backups"):
            refs.append((value, before[:-1]))
    body = request.json()
    if isinstance(body, dict):
        point = (body.get("instance") or {}).get("restorePoint") if isinstance(body.get("instance"), dict) else None
        if isinstance(point, dict) and isinstance(point.get("backupRef"), str):
            refs.append((point["backupRef"], "backup"))
        backup = body.get("backup")
        if isinstance(backup, dict):
            if isinstance(backup.get("instance"), str):
                refs.append((backup["instance"], "instance"))
            if isinstance(backup.get("parent_id"), str):
                refs.append((backup["parent_id"], "backup"))
    return refs


def plan_for(interactions: list[Interaction]) -> Plan:
    """Read what the recording assumes exists before its first request."""
    plan = Plan()
    seen: set[str] = set()
    for interaction in interactions:
        req, resp = interaction.request, interaction.response
        account = _account_of(req.path)
        token = req.header("X-Auth-Token")
        ok = 200 <= resp.status < 400
        if account:
            plan.accounts.setdefault(account, {})
        if account and token and placeholder_kind(token) and resp.status not in (401, 403):
            plan.token_owner.setdefault(token, account)
        if ok:
            for ref, kind in _fixture_refs(req):
                if ref not in seen and account:
                    plan.fixtures.setdefault(ref, (kind, account))
                seen.add(ref)
        answer = resp.json()
        if req.method == "POST" and req.path.endswith("/tokens") and ok and isinstance(answer, dict):
            access = answer.get("access") or {}
            tenant = ((access.get("token") or {}).get("tenant") or {}).get("id")
            issued = (access.get("token") or {}).get("id")
            if isinstance(tenant, str):
                entry = plan.accounts.setdefault(tenant, {})
                creds = _credentials(req.json())
                user = access.get("user") or {}
                if creds and "username" not in entry:
                    entry["username"] = creds["username"]
                if creds.get("username") == entry.get("username"):
                    for key in ("password", "api_key"):
                        if creds.get(key) and key not in entry:
                            entry[key] = creds[key]
                roles = [r.get("name") for r in user.get("roles") or [] if isinstance(r, dict)]
                role = next((r for r in roles if r in ROLES), None)
                if role and "role" not in entry:
                    entry["role"] = role
                if isinstance(issued, str) and placeholder_kind(issued):
                    plan.token_owner.setdefault(issued, tenant)
        seen.update(UUID.findall(resp.body.decode("utf-8", "replace")))
    return plan


# running ----------------------------------------------------------------------------------------
class Verifier:
    """Sends a recording's requests to a fresh in-memory model and compares the answers."""

    def __init__(self, interactions: list[Interaction], *, seed: int = 0) -> None:
        from simulator.app import create_app

        self.interactions = interactions
        self.plan = plan_for(interactions)
        self.app = create_app(
            SimulatorConfig(seed=seed, clock="manual", durations=SANDBOX_DURATIONS, rate_limits=False, bootstrap=None)
        )
        self.ids: dict[str, str] = {}
        self.tokens: dict[str, str] = {}  # account -> the token verify calls it with
        self.report = Report()
        self.client: TestClient | None = None

    # model time ------------------------------------------------------------------------------
    def _advance(self) -> bool:
        """Carry out the model's next timed step; False when nothing is pending."""
        backend, clock = self.app[BACKEND], self.app[CLOCK]
        pending = [d for s in backend.settlers if (d := s.next_due()) is not None]
        if not pending:
            return False
        due = min(pending)
        clock.advance(max(0.0, due - clock.time()) + 0.001)
        backend.settle()
        return True

    def _drain(self) -> None:
        for _ in range(1000):
            if not self._advance():
                return

    # set-up ----------------------------------------------------------------------------------
    def _create_accounts(self) -> None:
        identity = self.app[BACKEND].identity
        for account, entry in self.plan.accounts.items():
            token = f"verify-token-{account}"
            username = entry.get("username") or f"verify-{account}"
            if identity.repo.user_by_name(username):  # the same user name in two accounts: keep the first
                username = f"verify-{account}"
            try:
                identity.create_account(
                    account,
                    username=username,
                    password=entry.get("password"),
                    api_key=entry.get("api_key"),
                    role=entry.get("role", "dbaas:admin"),
                    token=token,
                )
            except SimulatorError as exc:
                self.report.setup.append(f"account {account} cannot be created: {exc.message}")
                continue
            self.tokens[account] = token
            self.report.setup.append(f"account {account}: user {username}")

    def _client(self) -> TestClient:
        if self.client is None:
            raise RuntimeError("the model is not started")
        return self.client

    async def _call(self, method: str, path: str, account: str, body=None):
        resp = await self._client().request(method, path, json=body, headers={"X-Auth-Token": self.tokens[account]})
        return resp.status, parse_json(await resp.read())

    async def _create_instance(self, account: str) -> str | None:
        status, body = await self._call(
            "POST",
            f"/v1.0/{account}/instances",
            account,
            {"instance": {"name": "verify-fixture", "flavorRef": "1", "volume": {"size": 1}}},
        )
        if status != 200:
            self.report.setup.append(f"could not create a fixture instance: {status} {body}")
            return None
        self._drain()
        return body["instance"]["id"]

    async def _create_fixtures(self) -> None:
        for recorded, (kind, account) in self.plan.fixtures.items():
            if account not in self.tokens:
                continue
            instance = await self._create_instance(account)
            if instance is None:
                continue
            if kind == "instance":
                self.ids[recorded] = instance
                self.report.setup.append(f"instance {recorded} -> {instance}")
                continue
            status, body = await self._call(
                "POST",
                f"/v1.0/{account}/backups",
                account,
                {"backup": {"name": "verify-fixture", "instance": instance}},
            )
            if status not in (200, 202) or not isinstance(body, dict) or "backup" not in body:
                self.report.setup.append(f"could not create fixture backup for {recorded}: {status} {body}")
                continue
            self._drain()
            self.ids[recorded] = body["backup"]["id"]
            self.report.setup.append(f"backup {recorded} -> {body['backup']['id']}")

    # one exchange ----------------------------------------------------------------------------
    def _map_ids(self, text: str) -> str:
        for recorded, model in self.ids.items():
            if recorded in text:
                text = text.replace(recorded, model)
        return text

    def _map_tokens(self, text: str) -> str:
        for placeholder, account in self.plan.token_owner.items():
            if placeholder in text and account in self.tokens:
                text = text.replace(placeholder, self.tokens[account])
        return text

    def _request(self, req: RecordedRequest) -> tuple[str, str, list[tuple[str, str]], bytes]:
        target = req.path + (f"?{req.query}" if req.query else "")
        headers = [(k, self._map_tokens(v)) for k, v in req.headers if k.lower() not in HOP_BY_HOP | {"host"}]
        body = self._map_tokens(self._map_ids(req.body.decode("utf-8"))).encode("utf-8") if req.body else b""
        return req.method, self._map_ids(target), headers, body

    async def _check(self, number: int, interaction: Interaction) -> Check:
        req, recorded = interaction.request, interaction.response
        check = Check(number, req.method, req.path + (f"?{req.query}" if req.query else ""), recorded.status)
        for _ in range(MAX_ADVANCES + 1):
            method, target, headers, body = self._request(req)
            resp = await self._client().request(method, target, headers=headers, data=body or None)
            answer = await resp.read()
            check.model_status = resp.status
            problems = (
                []
                if resp.status == recorded.status
                else [f"status: {recorded.status} in the recording, {resp.status} in the model"]
            )
            problems += body_differences(recorded.body, answer)
            behind = _statuses(recorded.json()) != _statuses(parse_json(answer))
            settled = not problems and not behind
            # Repeating is safe for a read, and for a write the model refused (nothing changed).
            repeatable = method in ("GET", "HEAD") or resp.status >= 400
            if settled or not repeatable or not self._advance():
                break
        check.problems = problems
        learn_ids(recorded.json(), parse_json(answer), self.ids)
        return check

    async def run(self) -> Report:
        self._create_accounts()
        self.client = TestClient(TestServer(self.app))
        await self.client.start_server()
        try:
            await self._create_fixtures()
            for number, interaction in enumerate(self.interactions, 1):
                if is_control_path(interaction.request.path):
                    continue
                self.report.checks.append(await self._check(number, interaction))
        finally:
            await self.client.close()
        return self.report


def verify_interactions(interactions: list[Interaction], *, seed: int = 0) -> Report:
    """Run the drift check on interactions (in a fresh event loop) and return the report."""
    return asyncio.run(Verifier(interactions, seed=seed).run())


def verify_file(path: str, *, seed: int = 0) -> Report:
    """Run the drift check on a HAR file."""
    interactions, _ = read_har(path)
    return verify_interactions(interactions, seed=seed)
