"""Contract fixtures: one simulator on a real loopback socket, a fresh account per test, the real clients."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from simulator import DemoAccount, Durations, SimulatorConfig
from simulator.testing import SimulatorServer

#: Lifecycle steps long enough that nothing finishes unless a test moves the (manual) clock on.
DURATIONS = Durations(
    build=30.0, reboot=10.0, resize=20.0, shutdown=10.0, backup=20.0, backup_per_gb=10.0, restore_per_gb=10.0
)
#: How far the clock moves between two polls of a waiting client.
POLL_STEP = 15.0
REGION = "DFW"


@dataclass
class Account:
    """One isolated account: its endpoint, identity user and a fixed token for admin_token clients."""

    account_id: str
    username: str
    password: str
    api_key: str
    token: str
    endpoint: str
    identity_url: str
    region: str = REGION


class Sim:
    """The running simulator plus the control calls the tests need (clock, accounts)."""

    def __init__(self, server: SimulatorServer) -> None:
        self.server = server
        self.url = server.url
        self.identity_url = f"{server.url}/v2.0"
        self._n = 0

    def control(self, method: str, path: str, body: dict | None = None) -> dict:
        """Call the /_sim/ control plane (loopback); raises on any non-2xx answer."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            text = resp.read()
        return json.loads(text) if text else {}

    def advance(self, seconds: float) -> None:
        """Move the simulator's manual clock on (lifecycle steps that fall due are carried out)."""
        self.control("POST", "/_sim/clock/advance", {"seconds": seconds})

    def new_account(self, role: str = "dbaas:admin", rate_limits: bool = False) -> Account:
        """A fresh account with one user of the given role and a fixed token."""
        self._n += 1
        tag = f"{os.getpid()}-{self._n}"
        body = {
            "username": f"contract-{tag}",
            "password": f"pw-{tag}",
            "api_key": f"key-{tag}",
            "token": f"token-{tag}",
            "role": role,
            "rate_limits": rate_limits,
        }
        acct = self.control("POST", "/_sim/accounts", body)["account"]
        return Account(
            acct["account_id"],
            acct["username"],
            acct["password"],
            acct["api_key"],
            acct["token"],
            f"{self.url}/v1.0/{acct['account_id']}",
            self.identity_url,
        )

    def wait_for(self, get, resource_id: str, status: str, limit: int = 20):
        """Poll get(resource_id) as a client would, moving the clock on between polls, until status.

        Returns the resource and the statuses seen on the way (the first one is what the client saw before
        any time passed)."""
        seen = []
        for _ in range(limit):
            item = get(resource_id)
            seen.append(item.status)
            if item.status == status:
                return item, seen
            if item.status in ("ERROR", "FAILED"):
                break
            self.advance(POLL_STEP)
        raise AssertionError(f"{resource_id} never reached {status}; saw {seen}")

    def wait_gone(self, get, resource_id: str, not_found=None, limit: int = 20) -> list[str]:
        """Poll get(resource_id), moving the clock on, until the client raises its 404 exception."""
        from troveclient import exceptions

        not_found = not_found or exceptions.NotFound
        seen = []
        for _ in range(limit):
            try:
                seen.append(get(resource_id).status)
            except not_found:
                return seen
            self.advance(POLL_STEP)
        raise AssertionError(f"{resource_id} never went away; saw {seen}")

    def raw(self, method: str, account: Account, path: str, body: dict | None = None) -> tuple[int, dict, dict]:
        """A plain HTTP call with the account's token (to arrange state, never to replace the client)."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            account.endpoint + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json", "X-Auth-Token": account.token},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, headers, text = resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as exc:
            status, headers, text = exc.code, dict(exc.headers), exc.read()
        return status, (json.loads(text) if text else {}), headers


@pytest.fixture(scope="session")
def sim():
    """One simulator for the whole contract session (manual clock; tests isolate themselves by account)."""
    config = SimulatorConfig(seed=2024, clock="manual", durations=DURATIONS, region=REGION, bootstrap=DemoAccount())
    with SimulatorServer(config) as server:
        yield Sim(server)


@pytest.fixture
def account(sim) -> Account:
    """A fresh dbaas:admin account for one test."""
    return sim.new_account()


# --- the openstack CLI --------------------------------------------------------------------------------


def openstack_path() -> Path:
    """The `openstack` command of the running interpreter's environment (the venv in CI and locally)."""
    return Path(sys.executable).parent / "openstack"


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str


class CliZygote:
    """A client's console-script commands forked from one process that has imported what the script imports
    (cli_zygote.py): each still runs the unmodified script in a process of its own, without the start-up it costs."""

    def __init__(self, python: Path, script: Path, env: dict[str, str], probe: dict) -> None:
        self.script = script
        self.proc = subprocess.Popen(
            [str(python), str(Path(__file__).with_name("cli_zygote.py")), str(script), json.dumps(probe)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        if self.proc.stdout.readline().strip() != "READY":  # type: ignore[union-attr]
            raise RuntimeError(f"the zygote of {script} did not start")

    def run(self, commands: list[tuple[str, ...]], env: dict[str, str]) -> list[CliResult]:
        request = {"commands": [list(args) for args in commands], "env": env, "argv0": str(self.script)}
        self.proc.stdin.write(json.dumps(request) + "\n")  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        answer = json.loads(self.proc.stdout.readline())  # type: ignore[union-attr]
        return [CliResult(r["returncode"], r["stdout"], r["stderr"]) for r in answer["results"]]

    def close(self) -> None:
        self.proc.stdin.close()  # type: ignore[union-attr]
        self.proc.wait(timeout=30)
        self.proc.stdout.close()  # type: ignore[union-attr]


class OpenStackCli:
    """Runs `openstack <args>` with a clean environment and the given OS_* settings."""

    def __init__(self, home: Path, env: dict[str, str], zygote: CliZygote | None = None) -> None:
        self.home = home
        self.env = env
        self.zygote = zygote

    def _environ(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
        # A private HOME: no user clouds.yaml, cache or keyring can change what the CLI does.
        env.update(
            HOME=str(self.home),
            XDG_CONFIG_HOME=str(self.home / ".config"),
            XDG_CACHE_HOME=str(self.home / ".cache"),
            PYTHONWARNINGS="ignore",
        )
        env.update(self.env)
        return env

    def __call__(self, *args: str) -> CliResult:
        return self.run_all([args])[0]

    def run_all(self, commands: list[tuple[str, ...]]) -> list[CliResult]:
        """Run independent commands side by side (each start-up costs about a second of CPU without the zygote)."""
        if self.zygote is not None:
            return self.zygote.run(commands, self._environ())
        procs = [
            subprocess.Popen(
                [str(openstack_path()), *args],
                env=self._environ(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for args in commands
        ]
        results = []
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            results.append(CliResult(proc.returncode, out, err))
        return results

    def json_all(self, *commands: tuple[str, ...]) -> list:
        """Several independent `-f json` commands at once; each must succeed."""
        results = self.run_all([(*args, "-f", "json") for args in commands])
        for args, res in zip(commands, results, strict=False):
            assert res.returncode == 0, f"openstack {' '.join(args)} failed ({res.returncode}):\n{res.stderr}"
        return [json.loads(res.stdout) for res in results]

    def ok(self, *args: str) -> str:
        """Run a command that must succeed; returns its stdout."""
        res = self(*args)
        assert res.returncode == 0, f"openstack {' '.join(args)} failed ({res.returncode}):\n{res.stderr}"
        return res.stdout

    def json(self, *args: str):
        """Run a command with `-f json` and parse its output."""
        return json.loads(self.ok(*args, "-f", "json"))

    def fails(self, *args: str) -> str:
        """Run a command that must fail; returns everything it printed (stdout then stderr)."""
        res = self(*args)
        assert res.returncode != 0, f"openstack {' '.join(args)} unexpectedly succeeded:\n{res.stdout}"
        return res.stdout + res.stderr

    def active_instance(self, sim: Sim, name: str) -> str:
        """`openstack database instance create NAME` (flavor 2, 1 GB, MySQL 5.7), waited for until ACTIVE; its id."""
        created = self.json(
            "database", "instance", "create", name, "--flavor", "2", "--size", "1",
            "--datastore", "mysql", "--datastore-version", "5.7",
        )  # fmt: skip
        self.wait_for(sim, "instance", created["id"], "ACTIVE")
        return created["id"]

    def wait_for(self, sim: Sim, kind: str, resource_id: str, status: str, limit: int = 5) -> dict:
        """`openstack database <kind> show` after moving the clock on, until status (each call costs ~1 s)."""
        seen = []
        for _ in range(limit):
            sim.advance(POLL_STEP)
            item = self.json("database", kind, "show", resource_id)
            seen.append(item["status"])
            if item["status"] == status:
                return item
        raise AssertionError(f"{kind} {resource_id} never reached {status}; saw {seen}")


@pytest.fixture(scope="session")
def cli_home(tmp_path_factory) -> Path:
    assert openstack_path().exists(), f"the openstack CLI is not installed next to {sys.executable}"
    return tmp_path_factory.mktemp("openstack-home")


@pytest.fixture(scope="session")
def cli_zygote(cli_home):
    """One zygote per test process, started with the environment every command gets but its OS_* settings."""
    from contract.cli_zygote import OPENSTACK_PROBE

    zygote = CliZygote(Path(sys.executable), openstack_path(), OpenStackCli(cli_home, {})._environ(), OPENSTACK_PROBE)
    yield zygote
    zygote.close()


@pytest.fixture
def token_cli(cli_home, cli_zygote, account):
    """`openstack` with admin_token auth: a fixed endpoint and the account's fixed token, no identity."""
    return OpenStackCli(
        cli_home,
        {"OS_AUTH_TYPE": "admin_token", "OS_ENDPOINT": account.endpoint, "OS_TOKEN": account.token},
        cli_zygote,
    )


@pytest.fixture
def password_cli(cli_home, cli_zygote):
    """Builds `openstack` with v2password auth through the simulator's identity and its service catalog."""

    def build(account: Account, password: str | None = None) -> OpenStackCli:
        return OpenStackCli(
            cli_home,
            {
                "OS_AUTH_TYPE": "v2password",
                "OS_AUTH_URL": account.identity_url,
                "OS_USERNAME": account.username,
                "OS_PASSWORD": password or account.password,
                "OS_PROJECT_ID": account.account_id,
                "OS_REGION_NAME": account.region,
            },
            cli_zygote,
        )

    return build


# --- cdbclient 1.0.9 (a venv of its own: cdbclient_env.py) -------------------------------------------


@pytest.fixture(scope="session")
def cdbclient_venv(request) -> Path:
    """cdbclient's venv under pytest's cache folder (a fixed temporary folder when the cache is turned off, as with
    -p no:cacheprovider), built by the recipe on first use."""
    import tempfile

    from contract.cdbclient_env import cdbclient_venv as build

    cache = getattr(request.config, "cache", None)
    folder = Path(cache.mkdir("cdbclient")) if cache else Path(tempfile.gettempdir()) / "cdbsim-cdbclient"
    return build(folder)


@pytest.fixture
def cdb(cdbclient_venv, account, tmp_path):
    """cdbclient's library for a fresh account, authenticated with its API key (RAX-KSKEY)."""
    from contract.cdbclient_env import CdbLibrary

    library = CdbLibrary(cdbclient_venv, tmp_path, account)
    yield library
    library.close()


@pytest.fixture(scope="session")
def cdb_cli_zygote(cdbclient_venv, tmp_path_factory):
    """One `cdb-cli` zygote per test process, run by the cdbclient venv's interpreter."""
    from contract.cdbclient_env import CLI_PROBE, cli_script, private_env

    home = tmp_path_factory.mktemp("cdb-cli-zygote")
    zygote = CliZygote(cdbclient_venv / "bin" / "python", cli_script(cdbclient_venv), private_env(home), CLI_PROBE)
    yield zygote
    zygote.close()


@pytest.fixture
def cdb_cli(cdbclient_venv, cdb_cli_zygote, account, tmp_path):
    """`cdb-cli` for a fresh account (the same account as `cdb` in the same test)."""
    from contract.cdbclient_env import CdbCli

    return CdbCli(cdbclient_venv, tmp_path, account, cdb_cli_zygote)
