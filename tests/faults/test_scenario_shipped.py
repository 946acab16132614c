"""Every shipped scenario does what scenarios/README.md says, seen through python-troveclient on a real socket."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from itertools import count

import pytest
import yaml
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import session, token_endpoint
from keystoneauth1.identity import v2
from troveclient import exceptions
from troveclient.v1 import client

from simulator import DemoAccount, SimulatorConfig
from simulator.testing import SimulatorServer

REGION = "DFW"


@dataclass
class Account:
    account_id: str
    token: str
    username: str
    password: str
    endpoint: str


class Sim:
    """A SimulatorServer plus the control calls the tests need."""

    def __init__(self, server: SimulatorServer) -> None:
        self.server = server
        self.url = server.url
        self._n = count(1)

    def control(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")

    def new_account(self) -> Account:
        n = next(self._n)
        body = {
            "account_id": f"faults-{n}",
            "username": f"faults-user-{n}",
            "password": f"pw-{n}",
            "token": f"faults-token-{n}",
        }
        status, answer = self.control("POST", "/_sim/accounts", body)
        assert status == 201, answer
        return Account(
            body["account_id"],
            body["token"],
            body["username"],
            body["password"],
            f"{self.url}/v1.0/{body['account_id']}",
        )

    def load(self, name: str, account: Account) -> dict:
        status, answer = self.control("POST", "/_sim/scenarios", {"name": name, "account_id": account.account_id})
        assert status == 201, answer
        return answer["scenario"]

    def scenario(self, name: str, account: Account) -> dict:
        status, answer = self.control("GET", f"/_sim/scenarios/{name}?account_id={account.account_id}")
        assert status == 200, answer
        return answer["scenario"]

    def journal(self, account: Account) -> list[dict]:
        return self.control("GET", f"/_sim/journal?account_id={account.account_id}")[1]["journal"]

    def advance(self, seconds: float) -> None:
        assert self.control("POST", "/_sim/clock/advance", {"seconds": seconds})[0] == 200


def start_server() -> SimulatorServer:
    return SimulatorServer(SimulatorConfig(seed=31, bootstrap=DemoAccount(), region=REGION)).start()


@pytest.fixture(scope="module")
def sim():
    server = start_server()
    yield Sim(server)
    server.stop()


@pytest.fixture
def account(sim) -> Account:
    return sim.new_account()


def trove(account: Account) -> client.Client:
    """troveclient with a fixed token (keystoneauth1 token_endpoint)."""
    return client.Client(session=session.Session(auth=token_endpoint.Token(account.endpoint, account.token)))


def trove_password(sim: Sim, account: Account) -> client.Client:
    """troveclient through the simulator's identity: keystoneauth1 re-authenticates on a 401."""
    auth = v2.Password(
        auth_url=f"{sim.url}/v2.0", username=account.username, password=account.password, tenant_id=account.account_id
    )
    return client.Client(session=session.Session(auth=auth), service_type="rax:database", region_name=REGION)


def active_instance(tc: client.Client, name: str = "src"):
    instance = tc.instances.create(name, flavor_id="1", volume={"size": 1})
    assert tc.instances.get(instance.id).status == "ACTIVE"  # lifecycle steps take no time in this server
    return instance


def completed_backup(tc: client.Client, instance):
    backup = tc.backups.create("nightly", instance.id)
    assert tc.backups.get(backup.id).status == "COMPLETED"
    return backup


def describe(name: str) -> str:
    from simulator.faults.scenario import shipped_scenarios

    return yaml.safe_load(shipped_scenarios()[name].read_text())["description"]


def test_restore_over_limit_first_two_restores_get_413_with_retry_after(sim, account):
    assert "first two restores" in describe("restore_over_limit")
    tc = trove(account)
    backup = completed_backup(tc, active_instance(tc))
    sim.load("restore_over_limit", account)
    for _ in range(2):
        with pytest.raises(exceptions.RequestEntityTooLarge) as err:
            tc.instances.create("restored", flavor_id="1", volume={"size": 1}, restorePoint={"backupRef": backup.id})
        assert err.value.http_status == 413
        assert err.value.retry_after == int(err.value.response.headers["Retry-After"]) == 30
        assert err.value.message == "This request was rate-limited."
        assert err.value.response.json()["overLimit"]["retryAfter"] == "30"
    tc.instances.create("not-a-restore", flavor_id="1", volume={"size": 1})  # plain creates are not limited
    restored = tc.instances.create("restored", flavor_id="1", volume={"size": 1}, restorePoint={"backupRef": backup.id})
    assert tc.instances.get(restored.id).status == "ACTIVE"
    assert [r["hits"] for r in sim.scenario("restore_over_limit", account)["rules"]] == [2]


def test_backup_in_progress_422_on_restore_actions_and_backups_until_the_window_ends(sim, account):
    assert "For 120 s" in describe("backup_in_progress")
    tc = trove(account)
    instance = active_instance(tc)
    backup = completed_backup(tc, instance)
    sim.load("backup_in_progress", account)
    with pytest.raises(exceptions.UnprocessableEntity) as err:
        tc.instances.create("restored", flavor_id="1", volume={"size": 1}, restorePoint={"backupRef": backup.id})
    assert err.value.message == (f"Backup {backup.id} cannot be restored now: a backup of its instance is in progress.")
    with pytest.raises(exceptions.UnprocessableEntity) as err:
        tc.instances.restart(instance.id)
    assert err.value.message == (
        f"Instance {instance.id} is not currently available for an action to be performed (instance status was BACKUP)."
    )
    with pytest.raises(exceptions.UnprocessableEntity) as err:
        tc.backups.create("second", instance.id)
    assert err.value.http_status == 422 and instance.id in err.value.message
    sim.advance(120)
    tc.instances.restart(instance.id)
    restored = tc.instances.create("restored", flavor_id="1", volume={"size": 1}, restorePoint={"backupRef": backup.id})
    assert tc.instances.get(restored.id).status == "ACTIVE"


def flaky_pattern(tc: client.Client, n: int = 40) -> list[bool]:
    """Which of n GETs got 503 ServiceUnavailable."""
    failed = []
    for i in range(n):
        try:
            tc.flavors.list() if i % 2 else tc.instances.list()
            failed.append(False)
        except exceptions.ServiceUnavailable as exc:
            assert exc.http_status == 503 and exc.message == "The service is currently unavailable."
            failed.append(True)
    return failed


def test_flaky_reads_a_seeded_share_of_gets_get_503_and_writes_do_not(sim, account):
    assert "About 30% of the GETs" in describe("flaky_reads")
    tc = trove(account)
    sim.load("flaky_reads", account)
    failed = flaky_pattern(tc, 60)
    assert 8 <= sum(failed) <= 30  # 30% of 60 is 18
    for n in range(5):
        tc.instances.create(f"w{n}", flavor_id="1", volume={"size": 1})  # never faulted
    hits = [e for e in sim.journal(account) if e["rule"]]
    assert len(hits) == sum(failed)
    assert {(e["method"], e["status"], e["rule"]) for e in hits} == {("GET", 503, "flaky_reads/read-unavailable")}


def test_flaky_reads_same_seed_same_failures_on_two_runs():
    patterns = []
    for _ in range(2):
        server = start_server()
        try:
            run = Sim(server)
            account = run.new_account()
            run.load("flaky_reads", account)
            patterns.append((flaky_pattern(trove(account)), [e["note"] for e in run.journal(account) if e["rule"]]))
        finally:
            server.stop()
    assert patterns[0] == patterns[1]
    assert any(patterns[0][0]) and not all(patterns[0][0])


def test_slow_control_plane_delays_writes_not_reads(sim, account):
    assert "waits 0.2 to 0.4 s" in describe("slow_control_plane")
    tc = trove(account)
    sim.load("slow_control_plane", account)
    started = time.perf_counter()
    instance = tc.instances.create("slow", flavor_id="1", volume={"size": 1})
    assert 0.2 <= time.perf_counter() - started < 5
    tc.instances.get(instance.id)
    entries = sim.journal(account)
    assert [(e["method"], e["route"]) for e in entries] == [("POST", "create_instance"), ("GET", "show_instance")]
    post, get = entries
    assert post["rule"] == "slow_control_plane/slow-writes" and post["action"].startswith("delay 0.")
    assert 0.2 <= float(post["action"].split()[1].rstrip("s")) <= 0.4
    assert post["duration_ms"] >= 200
    assert get["rule"] is None


def test_failing_backups_next_two_end_failed_and_restore_gets_409(sim, account):
    assert "next two backups" in describe("failing_backups")
    tc = trove(account)
    instance = active_instance(tc)
    sim.load("failing_backups", account)
    first = tc.backups.create("first", instance.id)
    assert first.status == "NEW"
    assert tc.backups.get(first.id).status == "FAILED"
    with pytest.raises(exceptions.Conflict) as err:
        tc.instances.create("restored", flavor_id="1", volume={"size": 1}, restorePoint={"backupRef": first.id})
    assert err.value.message == (
        f"Unable to create instance because backup {first.id} is not completed. Actual state: FAILED."
    )
    second = tc.backups.create("second", instance.id)
    assert tc.backups.get(second.id).status == "FAILED"
    third = tc.backups.create("third", instance.id)
    assert tc.backups.get(third.id).status == "COMPLETED"


def test_token_expiry_fifth_call_gets_401_and_a_fixed_token_stays_expired(sim, account):
    assert "The 5th call" in describe("token_expiry")
    tc = trove(account)
    sim.load("token_expiry", account)
    for _ in range(4):
        tc.flavors.list()
    for _ in range(2):
        with pytest.raises(exceptions.Unauthorized) as err:
            tc.instances.list()
        assert err.value.http_status == 401
    entries = sim.journal(account)
    assert [e["status"] for e in entries] == [200, 200, 200, 200, 401, 401]
    assert entries[4]["rule"] == "token_expiry/tokens-expire" and entries[5]["rule"] is None


def test_token_expiry_a_client_that_reauthenticates_carries_on(sim, account):
    tc = trove_password(sim, account)
    tc.flavors.list()  # authenticates (POST /v2.0/tokens) and makes the first call
    sim.load("token_expiry", account)
    for _ in range(6):
        tc.instances.list()
    calls = [
        (e["route"], e["status"])
        for e in sim.control("GET", "/_sim/journal")[1]["journal"]
        if e["account_id"] == account.account_id or e["route"] == "create_token"
    ]
    api_calls = [c for c in calls if c[0] != "create_token"]
    assert api_calls.count(("list_instances", 401)) == 1
    assert api_calls.count(("list_instances", 200)) == 6
    assert calls.count(("create_token", 200)) >= 2  # the first login and the re-authentication


def test_connection_resets_on_create_first_reset_second_saved_but_lost(sim, account):
    assert "first instance create is reset" in describe("connection_resets_on_create")
    tc = trove(account)
    sim.load("connection_resets_on_create", account)
    with pytest.raises(ks_exceptions.ConnectFailure):
        tc.instances.create("first", flavor_id="1", volume={"size": 1})
    assert tc.instances.list() == []
    with pytest.raises(ks_exceptions.ConnectFailure):
        tc.instances.create("second", flavor_id="1", volume={"size": 1})
    assert [i.name for i in tc.instances.list()] == ["second"]  # carried out although the answer was lost
    tc.instances.create("third", flavor_id="1", volume={"size": 1})
    assert sorted(i.name for i in tc.instances.list()) == ["second", "third"]
    creates = [(e["status"], e["action"]) for e in sim.journal(account) if e["route"] == "create_instance"]
    assert creates == [(0, "reset"), (0, "drop_answer"), (200, None)]


def test_bad_scenario_file_fails_to_load_and_the_server_keeps_its_scenarios(sim, account, tmp_path):
    sim.load("flaky_reads", account)
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        yaml.safe_dump(
            {
                "name": "flaky_reads",
                "rules": [
                    {"name": "typo", "match": {"route": "list_flavor"}, "actions": [{"respond": {"status": 503}}]}
                ],
            }
        )
    )
    status, answer = sim.control("POST", "/_sim/scenarios", {"path": str(bad), "account_id": account.account_id})
    assert status == 400
    assert answer["badRequest"]["message"] == (
        f"Invalid scenario: {bad}: rules[0] 'typo': match.route: unknown route name 'list_flavor' "
        f"(did you mean: list_flavors?)"
    )
    kept = sim.scenario("flaky_reads", account)
    assert [r["name"] for r in kept["rules"]] == ["read-unavailable"]
    assert any(flaky_pattern(trove(account), 20))
