"""The README and docs/ stay true: docs/api-coverage.md is the page the operation table makes, and every shell
and Python block in them runs as a user pastes it.

A block's fence says what it is: ```sh blocks run with `bash -e` and ```python blocks with python (a block that
defines `test_` functions is a test module: it runs with pytest), against a sandbox started with the README's own
`cdbsim serve` (a temporary state file and a free port; the README's ports are rewritten to free ones; lifecycles a
tenth as long and the shell's `sleep` scaled with them, BLOCKS_TIME_SCALE). ```text blocks are not commands (the
set-up lines at the top, output samples, the layout) and are not run; a fence without a language fails the check, so
every block is marked one way or the other.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import NamedTuple

import pytest
from support import UNUSED_PLUGINS

from simulator.app import describe_api

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
#: Every page a user reads: the README first, then docs/.
PAGES = {"README.md": README} | {f"docs/{p.name}": p.read_text() for p in sorted((ROOT / "docs").glob("*.md"))}
BIN = Path(sys.executable).parent  # the venv's bin: cdbsim, openstack, pytest
SANDBOX_PORT = "8779"  # the port the README's blocks talk to
RUN = {"sh": "shell", "python": "python"}
NOT_RUN = {"text"}
#: The recording the README's replay example answers from (the user records their own; the suite has this one).
EXAMPLE_RECORDINGS = ROOT / "tests" / "plugin" / "examples" / "recordings"


class Block(NamedTuple):
    """One fenced block of a page: its fence language, its text, the line its fence opens on and the page."""

    language: str
    text: str
    line: int
    page: str = "README.md"

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def is_test_module(self) -> bool:
        return self.language == "python" and re.search(r"^def test_", self.text, re.MULTILINE) is not None


def readme_blocks(text: str = README, page: str = "README.md") -> list[Block]:
    """Every fenced block at the start of a line, in order."""
    blocks: list[Block] = []
    opened: tuple[str, int] | None = None
    lines: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.startswith("```"):
            if opened:
                lines.append(line)
        elif opened is None:
            opened, lines = (line[3:].strip(), number), []
        else:
            blocks.append(Block(opened[0], "\n".join(lines) + "\n", opened[1], page))
            opened = None
    assert opened is None, f"{page}:{opened[1]}: a block that is never closed"
    return blocks


BLOCKS = [block for page, text in PAGES.items() for block in readme_blocks(text, page)]
COMMANDS = [b for b in BLOCKS if b.language in RUN and not b.is_test_module]
TEST_MODULES = [b for b in BLOCKS if b.is_test_module]


def test_api_coverage_page_is_the_one_the_operation_table_makes():
    assert PAGES["docs/api-coverage.md"] == describe_api().markdown(), (
        "docs/api-coverage.md is stale: python -m simulator.serve.api_docs > docs/api-coverage.md"
    )


def test_api_coverage_page_names_every_operation():
    page = PAGES["docs/api-coverage.md"]
    missing = [op.name for _, _, op in describe_api().operations() if f"| `{op.name}` |" not in page]
    assert not missing, f"operations missing from docs/api-coverage.md: {missing}"


def test_coverage_sample_counts_what_the_report_knows():
    """The plugin page's sample report names as many operations and transitions as a real report would, and only
    transitions the report knows."""
    from simulator.coverage import api_operations
    from simulator.reference.lifecycle import LIFECYCLE

    sample = PAGES["docs/plugin.md"]
    assert re.search(rf"^operations: \d+ of {len(api_operations())} exercised$", sample, re.MULTILINE)
    assert re.search(rf"^lifecycle transitions: \d+ of {len(LIFECYCLE)} seen$", sample, re.MULTILINE)
    block = sample.split("\nlifecycle transitions:", 1)[1].split("\nerror answers:", 1)[0]
    listed = re.findall(r"^  (?:seen|never): (.*)$", block, re.MULTILINE)
    labels = [re.sub(r" \(\d+\)$", "", item) for line in listed for item in line.split(", ") if item != "..."]
    assert labels and not [label for label in labels if label not in LIFECYCLE]


def test_scenarios_page_names_every_shipped_scenario():
    shipped = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))
    missing = [name for name in shipped if f"`{name}`" not in PAGES["docs/scenarios.md"]]
    assert not missing, f"shipped scenarios docs/scenarios.md does not name: {missing}"


def test_readme_opens_with_its_title_and_the_two_setup_commands():
    lines = README.splitlines()
    assert lines[0] == "# cdbsim"
    assert lines[2] == "```text"
    assert "cdbsim serve" in lines[3]
    assert "python -m pytest" in lines[4]


def test_readme_is_short_and_links_every_docs_page():
    assert len(README.splitlines()) <= 250
    unlinked = [page for page in PAGES if page.startswith("docs/") and f"]({page})" not in README]
    assert not unlinked, f"pages the README does not link: {unlinked}"


def test_every_readme_block_says_whether_it_is_run():
    unmarked = [f"{b.where}: ```{b.language}" for b in BLOCKS if b.language not in {*RUN, *NOT_RUN}]
    assert not unmarked, f"mark each block sh or python (run by this test) or text (not a command): {unmarked}"
    assert len(COMMANDS) >= 4 and len(TEST_MODULES) >= 4  # the blocks below are found at all


def test_readme_blocks_are_parsed_with_their_language_and_line():
    text = "intro\n```sh\necho hi\n```\n```text\nout\n```\n"
    assert readme_blocks(text, "docs/x.md") == [
        Block("sh", "echo hi\n", 2, "docs/x.md"),
        Block("text", "out\n", 5, "docs/x.md"),
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def with_ports(text: str, sandbox_port: int) -> str:
    """The block talking to the test's sandbox on its port, and any other port it names moved to a free one."""
    ports = set(re.findall(r"127\.0\.0\.1:(\d+)", text)) | set(re.findall(r"--port (\d+)", text))
    for port in ports:
        text = re.sub(rf"\b{port}\b", str(sandbox_port if port == SANDBOX_PORT else free_port()), text)
    return text


def user_env(first: Sequence[Path] = ()) -> dict[str, str]:
    """A user's shell after the README's set-up line: the venv's bin first on PATH (after the folders first, when
    given), no client settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env["PATH"] = os.pathsep.join([*map(str, first), str(BIN), env.get("PATH", "")])
    env["VIRTUAL_ENV"] = str(BIN.parent)
    return env


def run_pasted(command: list[str], cwd: Path, timeout: float = 180, first: Sequence[Path] = ()) -> tuple[int, str, str]:
    """Run as a user would (first: folders put first on PATH); anything it left running in the background is stopped
    afterwards."""
    out, err = cwd / "stdout.txt", cwd / "stderr.txt"
    with open(out, "w") as stdout, open(err, "w") as stderr:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=user_env(first),
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        code = process.wait(timeout)
    except subprocess.TimeoutExpired:
        code = -1
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
    return code, out.read_text(), err.read_text()


def readme_serve_command() -> list[str]:
    """The README's own command that starts the sandbox (the end of its first set-up line)."""
    setup = next(b for b in BLOCKS if b.page == "README.md").text.splitlines()[0]
    command = shlex.split(setup.split("&&")[-1])
    assert command[:2] == ["cdbsim", "serve"], setup
    return [str(BIN / command[0]), *command[1:]]


#: The blocks run on a faster clock than the README's: their sandbox's lifecycles take a tenth of the README's
#: durations (builds 0.5 s instead of 5 s, a 2 GB backup 0.8 s instead of 8 s) and their shell's `sleep 1` waits
#: 0.2 s (SCALED_SLEEP, first on their PATH). The README's `until ... sleep 1` loops still see BUILD and sleep at least
#: once each; the CLI block sleeps ~1 s instead of ~3-4 s (lifecycles at a fifth with the real `sleep`). The banner
#: test checks the README's own durations.
BLOCKS_TIME_SCALE = "0.1"

#: The blocks' `sleep` (first on their PATH): one plain number of seconds waits that times BLOCKS_TIME_SCALE, but no
#: less than 0.2 s (or the number, when less): a loop waiting for a process to start (docs/recording.md's `sleep 0.2`)
#: waits on the machine's own speed, and polling it faster would only cost CPU. Anything else (a suffix, several
#: arguments, --help) is the real sleep's, unscaled.
SCALED_SLEEP = """#!/bin/sh
if [ "$#" -eq 1 ] && [ -n "$1" ] && [ "${{1#*[!0-9.]}}" = "$1" ]; then
    set -- "$(awk -v n="$1" -v s={scale} 'BEGIN {{ t = n * s; if (t < 0.2) t = (n < 0.2 ? n : 0.2); print t }}')"
fi
exec {sleep} "$@"
"""


def serve_sandbox(folder: Path, *extra: str) -> Generator[tuple[int, str], None, None]:
    """The README's `cdbsim serve` (with extra options) on a temporary state file and a free port: (port, banner)."""
    log = folder / "serve.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [*readme_serve_command(), "--db", str(folder / "cdbsim.db"), "--port", "0", *extra],
            cwd=folder,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=user_env(),
        )
    try:
        deadline = time.monotonic() + 30
        while not (found := re.search(r"at http://127\.0\.0\.1:(\d+)", log.read_text())):
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        time.sleep(0.2)  # the rest of the banner
        yield int(found.group(1)), log.read_text()
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture
def readme_sandbox(tmp_path):
    """The sandbox exactly as the README starts it: (port, its banner)."""
    yield from serve_sandbox(tmp_path)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    """The sandbox the blocks talk to: the README's command, lifecycles BLOCKS_TIME_SCALE times as long."""
    yield from serve_sandbox(tmp_path_factory.mktemp("sandbox"), "--time-scale", BLOCKS_TIME_SCALE)


def scaled_sleep(folder: Path, real: str) -> Path:
    """folder, holding SCALED_SLEEP as `sleep`, on the real sleep at real."""
    (folder / "sleep").write_text(SCALED_SLEEP.format(sleep=shlex.quote(real), scale=BLOCKS_TIME_SCALE))
    (folder / "sleep").chmod(0o755)
    return folder


@pytest.fixture(scope="module")
def scaled_sleep_bin(tmp_path_factory) -> Path:
    """A folder whose `sleep` the blocks' shell finds first (SCALED_SLEEP, on the system's sleep)."""
    real = shutil.which("sleep")
    assert real, "no sleep on PATH"
    return scaled_sleep(tmp_path_factory.mktemp("sleep-bin"), real)


def test_the_blocks_sleep_scales_a_plain_number_down_to_a_fifth_of_a_second_and_passes_anything_else_on(tmp_path):
    """What the blocks' `sleep` hands the real one (here a stand-in that prints its arguments)."""
    (tmp_path / "bin").mkdir()
    (tmp_path / "args").write_text('#!/bin/sh\necho "[$*]"\n')
    (tmp_path / "args").chmod(0o755)
    folder = scaled_sleep(tmp_path / "bin", str(tmp_path / "args"))
    (tmp_path / "run.sh").write_text(
        "sleep 5\nsleep 1\nsleep 0.2\nsleep 0.1\nsleep 2s\nsleep 1 2\nsleep --help\nsleep ''\n"
    )
    code, out, err = run_pasted(["bash", "-e", "run.sh"], tmp_path, first=[folder])
    assert (code, err) == (0, ""), (code, err)
    assert out.splitlines() == ["[0.5]", "[0.2]", "[0.2]", "[0.1]", "[2s]", "[1 2]", "[--help]", "[]"]


@pytest.fixture(scope="module")
def openstack_bin(tmp_path_factory):
    """A folder whose `openstack` the blocks' shell finds first: it runs the venv's own `openstack` script,
    unmodified, forked from a zygote that has imported what it imports (tests/contract/cli_zygote.py, as the
    contract tests do), on the command's own argv, environment, working directory, stdin, stdout and stderr; without
    it each command spends 1-2 s of CPU starting up."""
    from contract.cli_zygote import OPENSTACK_PROBE, SHIM

    folder = tmp_path_factory.mktemp("openstack-bin")
    socket_path = folder / "zygote.sock"
    script, probe = str(BIN / "openstack"), json.dumps(OPENSTACK_PROBE)
    zygote = subprocess.Popen(
        [sys.executable, str(ROOT / "tests/contract/cli_zygote.py"), script, probe, str(socket_path)],
        stdout=subprocess.PIPE,
        text=True,
        env=user_env(),
    )
    try:
        assert zygote.stdout.readline().strip() == "READY", "the openstack zygote did not start"  # type: ignore[union-attr]
        shim = folder / "openstack"
        shim.write_text(SHIM.format(python=sys.executable, socket=str(socket_path)))
        shim.chmod(0o755)
        yield folder
    finally:
        zygote.terminate()
        zygote.wait(10)
        zygote.stdout.close()  # type: ignore[union-attr]


@pytest.mark.slow
def test_the_openstack_stand_in_prints_and_exits_as_the_script_run_alone(openstack_bin, tmp_path):
    """The blocks' `openstack` only saves the start-up: what a command prints and its exit code are the script's."""
    results = []
    for args in ("--version", "database no-such-command"):
        (tmp_path / "run.sh").write_text(f"openstack {args}\n")
        results.append(run_pasted(["bash", "run.sh"], tmp_path))
        assert run_pasted(["bash", "run.sh"], tmp_path, first=[openstack_bin]) == results[-1]
    (version_code, version, _), (unknown_code, unknown, _) = results
    assert version_code == 0 and version.startswith("openstack ")
    assert unknown_code == 2 and "'database no-such-command' is not an openstack command" in unknown


def block_id(block: Block) -> str:
    return f"{block.where}:{block.language}"


@pytest.mark.slow
def test_the_banner_says_how_to_turn_rate_limits_off_and_speed_up_lifecycles(readme_sandbox):
    _, banner = readme_sandbox
    assert "rate limits:      on, per minute as documented (start with --no-rate-limits to turn them off)" in banner
    assert "builds take 5 s, backups 4 s + 2 s per GB (start with --time-scale 0 to make them immediate)" in banner


@pytest.mark.slow
@pytest.mark.parametrize("block", COMMANDS, ids=block_id)
def test_readme_block_runs_as_pasted(block: Block, sandbox, scaled_sleep_bin, tmp_path, request):
    port, _ = sandbox
    first = [scaled_sleep_bin]
    if re.search(r"^openstack ", block.text, re.MULTILINE):
        first.insert(0, request.getfixturevalue("openstack_bin"))
    text = with_ports(block.text, port)
    if block.language == "sh":
        (tmp_path / "block.sh").write_text(text)
        command = ["bash", "-e", "block.sh"]
    else:
        (tmp_path / "block.py").write_text(text)
        command = [sys.executable, "block.py"]
    code, out, err = run_pasted(command, tmp_path, first=first)
    assert code == 0, f"{block.where} failed ({code}):\n{text}\n--- stdout\n{out}\n--- stderr\n{err}"
    assert out.strip(), f"{block.where} printed nothing:\n{text}"


def module_name(block: Block) -> str:
    stem = re.sub(r"\W", "_", block.page.removesuffix(".md"))
    return f"test_{stem}_{block.line}.py"


@pytest.mark.slow
def test_readme_test_modules_pass_with_pytest(tmp_path):
    """The example test modules of the README and docs/, each saved as a file, pass with pytest (and its plugin)."""
    for block in TEST_MODULES:
        (tmp_path / module_name(block)).write_text(block.text)
    shutil.copytree(EXAMPLE_RECORDINGS, tmp_path / "recordings")
    pytest_args = ["-q", "-p", "no:cacheprovider", "-p", "no:xdist", *UNUSED_PLUGINS, "-rA", str(tmp_path)]
    code, out, err = run_pasted([sys.executable, "-m", "pytest", *pytest_args], tmp_path)
    assert code == 0, f"--- stdout\n{out}\n--- stderr\n{err}"
    passed = {name.split("::")[0] for name in re.findall(r"^PASSED (\S+)", out, re.MULTILINE)}
    assert passed == {module_name(b) for b in TEST_MODULES}, out
