"""cdbclient 1.0.9 (Rackspace's own Cloud Databases client, an sdist of 2017) in a venv of its own, built once under
pytest's cache folder, and the two ways the contract tests drive it: its library (through cdbclient_driver.py, run by
that venv's interpreter) and its `cdb-cli` command.

Why a venv of its own: it pins PrettyTable<0.8 and finds its managers through pkg_resources, which checks its whole
requirement tree at run time; python-troveclient and the openstack CLI need a newer PrettyTable. The recipe (RECIPE):
setuptools 67.8 first (its setup.py imports pkg_resources and easy_install.get_script_header, gone from setuptools
68, so it is built without build isolation), and keyring 21.8.0 (a newer keyring pulls jaraco.* packages whose
metadata that pkg_resources cannot find, and cdb-cli then stops at start-up)."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

VERSION = "1.0.9"
#: pip steps, in order, from a clean venv (each with the venv's own python -m pip).
RECIPE = [
    ["install", "-q", "setuptools==67.8.0", "wheel"],
    ["install", "-q", "--no-build-isolation", f"cdbclient=={VERSION}", "keyring==21.8.0"],
]


def cdbclient_venv(cache_dir: Path) -> Path:
    """The venv (built on first use; a lock keeps parallel test workers from building it twice)."""
    tag = f"cdbclient-{VERSION}-py{sys.version_info.major}{sys.version_info.minor}"
    venv = cache_dir / tag
    ready = venv / ".ready"
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / f"{tag}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ready.exists():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
            for step in RECIPE:
                done = subprocess.run(
                    [str(venv / "bin" / "python"), "-m", "pip", *step], capture_output=True, text=True
                )
                assert done.returncode == 0, f"pip {' '.join(step)} failed:\n{done.stdout}\n{done.stderr}"
            ready.write_text(" && ".join("pip " + " ".join(step) for step in RECIPE) + "\n")
    return venv


def private_env(home: Path) -> dict[str, str]:
    """A clean environment: no OS_* or TROVE* settings of the caller, a private HOME (cdbclient caches its tokens
    in ~/.cdbclient)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OS_", "TROVE"))}
    env.update(HOME=str(home), PYTHONWARNINGS="ignore")
    return env


@dataclass
class CdbError:
    """What cdbclient raised: its exception class, the HTTP status and the service's message."""

    cls: str
    status: int | None
    message: str


class CdbClientFailed(AssertionError):
    def __init__(self, call: str, error: CdbError) -> None:
        super().__init__(f"cdbclient {call} raised {error.cls} ({error.status}): {error.message}")
        self.error = error


class CdbLibrary:
    """cdbclient's library in its venv, one process per test; each call goes through the driver."""

    def __init__(self, venv: Path, home: Path, account) -> None:
        driver = Path(__file__).with_name("cdbclient_driver.py")
        self.proc = subprocess.Popen(
            [str(venv / "bin" / "python"), str(driver)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=private_env(home),
        )
        self.endpoint = self._send(
            {
                "client": {
                    "username": account.username,
                    "api_key": account.api_key,
                    "tenant_id": account.account_id,
                    "auth_url": account.identity_url,
                    "region": account.region,
                }
            },
            "client",
        )

    def _send(self, request: dict, call: str):
        self.proc.stdin.write(json.dumps(request) + "\n")  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        answer = json.loads(self.proc.stdout.readline())  # type: ignore[union-attr]
        if "error" in answer:
            raise CdbClientFailed(
                call, CdbError(answer["error"]["class"], answer["error"]["status"], answer["error"]["message"])
            )
        return answer["ok"]

    def __call__(self, call: str, *args, **kwargs):
        """manager.method(*args, **kwargs), e.g. cdb("instances.get", id); resources come back as their JSON."""
        return self._send({"call": call, "args": list(args), "kwargs": kwargs}, call)

    def fails(self, call: str, *args, **kwargs) -> CdbError:
        """A call that must raise; returns what it raised."""
        try:
            result = self(call, *args, **kwargs)
        except CdbClientFailed as exc:
            return exc.error
        raise AssertionError(f"cdbclient {call} unexpectedly succeeded: {result}")

    def close(self) -> None:
        self.proc.stdin.close()  # type: ignore[union-attr]
        self.proc.wait(timeout=30)
        self.proc.stdout.close()  # type: ignore[union-attr]


@dataclass
class CliRun:
    returncode: int
    stdout: str
    stderr: str


def cli_script(venv: Path) -> Path:
    """The venv's `cdb-cli` console script."""
    return venv / "bin" / "cdb-cli"


#: The command cdb-cli's zygote runs once (against a closed port) to learn what cdb-cli imports: auth, then a list.
CLI_PROBE = {
    "args": [
        "--os-auth-system", "rax", "--os-auth-url", "http://127.0.0.1:9/v2.0", "--os-username", "probe",
        "--os-password", "probe", "--os-tenant-id", "0", "--os-region-name", "DFW", "list",
    ],
    "env": {},
}  # fmt: skip


class CdbCli:
    """`cdb-cli` with RAX-KSKEY auth (--os-auth-system rax) through the simulator's identity; each command is forked
    from the zygote when one is given (the same unmodified script in its own process, without its start-up)."""

    def __init__(self, venv: Path, home: Path, account, zygote=None) -> None:
        self.zygote = zygote
        self.command = [
            str(cli_script(venv)),
            "--os-auth-system",
            "rax",
            "--os-auth-url",
            account.identity_url,
            "--os-username",
            account.username,
            "--os-password",
            account.api_key,
            "--os-tenant-id",
            account.account_id,
            "--os-region-name",
            account.region,
        ]
        self.env = private_env(home)

    def __call__(self, *args: str) -> CliRun:
        if self.zygote is not None:
            (result,) = self.zygote.run([(*self.command[1:], *args)], self.env)
            return CliRun(result.returncode, result.stdout, result.stderr)
        proc = subprocess.run([*self.command, *args], env=self.env, capture_output=True, text=True, timeout=120)
        return CliRun(proc.returncode, proc.stdout, proc.stderr)

    def ok(self, *args: str) -> str:
        res = self(*args)
        assert res.returncode == 0, f"cdb-cli {' '.join(args)} failed ({res.returncode}):\n{res.stderr}"
        return res.stdout

    def json(self, *args: str):
        """A command with --json (cdbclient prints the resource as JSON; an instance's show prints its "Available
        upgrades" table before it, --json or not, so the document starts at the first line that opens one)."""
        out = self.ok("--json", *args)
        start = min((i for i in (out.find("\n{"), out.find("\n[")) if i >= 0), default=-1)
        return json.loads(out if out.lstrip()[:1] in "{[" else out[start + 1 :])

    def fails(self, *args: str) -> str:
        res = self(*args)
        assert res.returncode != 0, f"cdb-cli {' '.join(args)} unexpectedly succeeded:\n{res.stdout}"
        return res.stdout + res.stderr
