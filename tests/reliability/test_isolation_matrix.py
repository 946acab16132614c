"""The isolation matrix over every /v1.0/ route: tokens, accounts, resource ids and roles never cross."""

from __future__ import annotations

import json

import pytest
from reliability.helpers import SHARED, body_for, fill, snapshot, v1_routes
from support import ACCOUNT, UNAUTHORIZED, assert_fault

OTHER, OTHER_TOKEN = "bravo-acct", "bravo-token"
NOWHERE = {
    "instance_id": "00000000-0000-4000-8000-00000000dead",
    "backup_id": "00000000-0000-4000-8000-00000000beef",
    "schedule_id": "00000000-0000-4000-8000-00000000cafe",
    "configuration_id": "00000000-0000-4000-8000-00000000c0fe",
    "ha_id": "00000000-0000-4000-8000-0000000000aa",
}
#: Ids of an account's own resources (the other path parameters name reference data).
IDS = ("instance_id", "backup_id", "schedule_id", "configuration_id", "ha_id")
OWNED = ("instance_id", "user", "name", "backup_id", "schedule_id", "configuration_id", "ha_id", "address")


@pytest.fixture
async def world(api, populated):
    """Account A (1234) and account B, each with one of everything; an observer and a creator in A."""
    a = await populated(api, "alpha")
    api.backend.identity.create_account(OTHER, token=OTHER_TOKEN)
    b = await populated(api.as_account(OTHER, OTHER_TOKEN), "bravo")
    tokens = {}
    for role in ("observer", "creator"):
        creds = api.backend.identity.add_user(ACCOUNT, f"a-{role}", role=f"dbaas:{role}")
        status, body, _ = await api.as_account(ACCOUNT, None).post(
            "/v2.0/tokens",
            {"auth": {"passwordCredentials": {"username": creds["username"], "password": creds["password"]}}},
        )
        assert status == 200, body
        tokens[role] = body["access"]["token"]["id"]
    return {"a": a, "b": b, "tokens": tokens}


class Seen:
    """Every answer the matrix got, to search them for anything of B's."""

    def __init__(self) -> None:
        self.bodies: list[tuple[str, str]] = []

    async def call(self, caller, method, path, json_body=None):
        status, body, _ = await caller.call(method, path, json=json_body)
        self.bodies.append((f"{method} {path}", json.dumps(body)))
        return status, body


@pytest.fixture
def seen():
    return Seen()


async def test_isolation_other_accounts_path_is_forbidden(api, world, seen):
    b = world["b"]
    for name, method, template in v1_routes(api.app):
        path = fill(template, {**SHARED, **b})
        assert_fault(
            await seen.call(api, method, path, body_for(name, b)),
            "forbidden",
            403,
            f"User with tenant id {ACCOUNT} cannot access this resource.",
        )
    assert_nothing_of_b(world, seen)


async def test_isolation_no_token_is_unauthorized(api, world, seen):
    anonymous = api.as_account(ACCOUNT, None)
    for owner in ("a", "b"):
        ids = world[owner]
        for name, method, template in v1_routes(api.app):
            path = fill(template, {**SHARED, **ids})
            assert_fault(
                await seen.call(anonymous, method, path, body_for(name, ids)), "unauthorized", 401, UNAUTHORIZED
            )
    assert_nothing_of_b(world, seen)


async def test_isolation_other_accounts_ids_are_not_found(api, world, seen):
    """B's ids under A's path answer exactly as ids that never existed: 404."""
    a, b = world["a"], world["b"]
    checked = 0
    for name, method, template in v1_routes(api.app):
        body_b = body_for(name, {**a, **{k: b[k] for k in IDS}})
        uses_ids = any(f"{{{k}}}" in template for k in OWNED) or (
            body_b and any(b[k] in json.dumps(body_b) for k in ("instance_id", "backup_id"))
        )
        if not uses_ids:
            continue
        # B's instance (with B's user and database names), B's backup, B's schedule, under A's account.
        with_b = fill(template, {**SHARED, **a, **{k: b[k] for k in OWNED}, "account_id": ACCOUNT})
        with_none = fill(
            template,
            {
                **SHARED,
                **a,
                **NOWHERE,
                "user": b["user"],
                "name": b["name"],
                "address": b["address"],
                "account_id": ACCOUNT,
            },
        )
        body_none = body_for(name, {**a, **NOWHERE})
        status_b, answer_b = await seen.call(api, method, with_b, body_b)
        status_none, answer_none = await seen.call(api, method, with_none, body_none)
        masked = json.loads(mask(json.dumps(answer_b), b))
        assert (status_b, masked) == (status_none, json.loads(mask(json.dumps(answer_none), NOWHERE))), (
            name,
            method,
            answer_b,
            answer_none,
        )
        # word for word the answer of an id that never existed (above); the message names the id asked for
        assert_fault((status_b, answer_b), "itemNotFound", 404, contains=" found.")
        checked += 1
    assert checked >= 33
    status, body = await seen.call(api, "GET", f"/backups?instance_id={b['instance_id']}")
    assert status == 200 and body["backups"] == []
    assert_nothing_of_b(world, seen)


async def test_isolation_observer_writes_are_forbidden(api, world, seen):
    a = world["a"]
    observer = api.as_account(ACCOUNT, world["tokens"]["observer"])
    writes = 0
    for name, method, template in v1_routes(api.app):
        path = fill(template, {**SHARED, **a})
        status, body = await seen.call(observer, method, path, body_for(name, a))
        if method == "GET":
            assert status != 403, (name, body)
            continue
        assert_fault((status, body), "forbidden", 403, f"Policy doesn't allow {name} to be performed.")
        writes += 1
    assert writes >= 25
    assert_nothing_of_b(world, seen)


async def test_isolation_creator_deletes_are_forbidden(api, world, seen):
    a = world["a"]
    creator = api.as_account(ACCOUNT, world["tokens"]["creator"])
    deletes = set()
    for name, method, template in v1_routes(api.app):
        if method != "DELETE":
            continue
        path = fill(template, {**SHARED, **a})
        assert_fault(
            await seen.call(creator, method, path), "forbidden", 403, f"Policy doesn't allow {name} to be performed."
        )
        deletes.add(name)
    assert {
        "delete_instance",
        "delete_database",
        "delete_user",
        "revoke_user_access",
        "delete_backup",
        "delete_schedule",
        "delete_configuration",
        "delete_ha_instance",
        "delete_ha_acl",
    } <= deletes
    status, body = await seen.call(creator, "PATCH", f"/instances/{a['instance_id']}", {"instance": {"name": "c"}})
    assert status == 202, body
    assert_nothing_of_b(world, seen)


async def test_isolation_forbidden_calls_change_nothing(api, world):
    """After every kind of refused call, B's account still holds exactly what it held."""
    b = world["b"]
    before = snapshot(api.backend.store.db, OTHER)
    assert {t for t, rows in before.items() if not rows} <= {"fault_scenarios"}, "B's model has empty tables"
    for name, method, template in v1_routes(api.app):
        if method != "GET":
            await api.call(method, fill(template, {**SHARED, **b}), json=body_for(name, b))
    assert snapshot(api.backend.store.db, OTHER) == before


def mask(text: str, ids: dict) -> str:
    for key in IDS:
        text = text.replace(ids[key], f"<{key}>")
    return text


def assert_nothing_of_b(world: dict, seen: Seen) -> None:
    """No answer names B's account, or any name, password or hostname of B's."""
    secrets = [OTHER, OTHER_TOKEN, *world["b"]["names"]]
    for call, body in seen.bodies:
        for secret in secrets:
            assert secret not in body, f"{call} answered with {secret!r}: {body}"
