"""SimulatorConfig: every setting create_app takes, each with its one default (the command line takes them from here;
serving details such as the port and tuning constants stay with the module they tune)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Durations:
    """How long each lifecycle step lasts, in seconds of the simulator's clock."""

    build: float = 0.0
    reboot: float = 0.0
    resize: float = 0.0
    shutdown: float = 0.0
    backup: float = 0.0
    backup_per_gb: float = 0.0
    restore_per_gb: float = 0.0

    def scaled(self, factor: float) -> Durations:
        """The same durations multiplied by factor (0 makes every step immediate)."""
        return Durations(**{k: v * factor for k, v in self.__dict__.items()})


#: What a person at a terminal sees: BUILD for a few seconds, then ACTIVE.
SANDBOX_DURATIONS = Durations(
    build=5.0, reboot=3.0, resize=5.0, shutdown=2.0, backup=4.0, backup_per_gb=2.0, restore_per_gb=2.0
)


@dataclass(frozen=True)
class DemoAccount:
    """The account and user the sandbox creates on first start (the seed page's account 1234)."""

    account_id: str = "1234"
    username: str = "demo"
    api_key: str = "demo-api-key"
    password: str = "demo-password"
    role: str = "dbaas:admin"
    token: str | None = "87c6033c-9ff6-405f-943e-2deb73f278b7"  # the seed page's X-Auth-Token


@dataclass(frozen=True)
class SimulatorConfig:
    """Everything create_app needs; no other module holds a default."""

    db_path: str = ":memory:"
    seed: int = 0
    clock: str = "manual"  # "manual" (advanced by tests / control calls) or "real"
    start_time: str | None = None  # ISO time the manual clock starts at; default: real time at start
    durations: Durations = field(default_factory=Durations)
    region: str = "DFW"
    public_url: str | None = None  # links and catalog URLs; default: the request's own origin
    max_instances: int = 25
    max_volume_size: int = 1024
    max_backups: int = 50
    rate_limits: bool = False
    max_body_size: int = 1024 * 1024  # a larger Content-Length is a 413 before a byte is read
    body_timeout: float = 30.0  # seconds a request body has to arrive in whole (408 after)
    token_lifetime: float = 24 * 3600.0
    bootstrap: DemoAccount | None = None
    scenarios: tuple[str, ...] = ()
    record_path: str | None = None
    replay_path: str | None = None
    replay_mode: str = "strict"
    replay_match: tuple[str, ...] = ("method", "path", "query", "body")
    recordings_dir: str | None = None  # where PUT /_sim/replay may write recordings; default: the working directory
    admin_token: str | None = None  # required for /_sim/ calls that do not come from loopback
    allowed_hosts: tuple[str, ...] = ()  # Host names answered besides loopback and public_url's ("*": any, unsafe)
    trust_proxy: bool = False  # a loopback peer that sends Forwarded / X-Forwarded-For is trusted as loopback
    log_requests: bool = False  # one line per request on stderr (serve has it on; --quiet turns it off)
    journal_limit: int = 10_000  # newest entries kept; older ones are pruned so memory stays flat
    journal_bytes: int = 32 << 20  # ... and at most this many bytes of their requests and answers (0: no budget)
    max_snapshots: int = 20  # snapshots kept at once (a 413 beyond)
    snapshot_bytes: int = 256 << 20  # bytes all snapshots may take (whole-state files and account rows)
    demo: bool = False  # make faker demo data (seeded by `seed`) on first start: `serve --demo`
    state_file: str | None = None  # a state document loaded at every start, after the demo account: `serve --state`
