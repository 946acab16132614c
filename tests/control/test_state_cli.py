"""`cdbsim state export|import` on state files, and `serve --state FILE` loading a document at start."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from support import Api

from simulator import SimulatorConfig, create_app
from simulator.errors import BadRequest
from simulator.serve.cli import main


@pytest.fixture
def cdbsim(capsys):
    """Run the cdbsim command in-process: its exit status, standard output and error."""

    def run(*args: str, check: bool = True) -> SimpleNamespace:
        code = main(list(args))
        captured = capsys.readouterr()
        assert not check or code == 0, captured.err
        return SimpleNamespace(returncode=code, stdout=captured.out, stderr=captured.err)

    return run


def test_export_import_export_through_the_command_line_is_byte_identical(cdbsim, tmp_path):
    first, second = str(tmp_path / "a.db"), str(tmp_path / "b.db")
    cdbsim("add-account", "5678", "--db", first, "--password", "pw-5678-secret", "--token", "tok-5678")
    cdbsim("state", "export", "--db", first, "--out", str(tmp_path / "state.json"))
    loaded = cdbsim("state", "import", str(tmp_path / "state.json"), "--db", second)
    assert loaded.stdout.startswith("loaded ") and "of every account into" in loaded.stdout
    again = cdbsim("state", "export", "--db", second).stdout
    assert again == (tmp_path / "state.json").read_text()
    assert "pw-5678-secret" not in again and "tok-5678" not in again
    one = json.loads(cdbsim("state", "export", "--db", second, "--account", "5678").stdout)
    assert one["account_id"] == "5678" and [a["id"] for a in one["tables"]["accounts"]] == ["5678"]


def test_import_of_a_damaged_document_exits_2_naming_the_file_and_changes_nothing(cdbsim, tmp_path):
    db, doc = str(tmp_path / "a.db"), tmp_path / "state.json"
    cdbsim("add-account", "5678", "--db", db)
    before = cdbsim("state", "export", "--db", db).stdout
    damaged = json.loads(before)
    damaged["tables"]["users"][0]["bogus"] = 1
    damaged["tables"]["instances"] = []
    doc.write_text(json.dumps(damaged))
    out = cdbsim("state", "import", str(doc), "--db", db, check=False)
    assert out.returncode == 2
    assert out.stderr.strip() == f"cdbsim: {doc}: Table users, row 1: unknown column(s) bogus."
    assert cdbsim("state", "export", "--db", db).stdout == before
    missing = cdbsim("state", "export", "--db", db, "--account", "nope", check=False)
    assert (missing.returncode, missing.stderr.strip()) == (2, "cdbsim: Account nope cannot be found.")


async def test_serve_state_loads_the_document_at_start(cdbsim, aiohttp_client, tmp_path):
    db = str(tmp_path / "a.db")
    cdbsim("add-account", "5678", "--db", db, "--token", "tok-5678")
    path = tmp_path / "state.json"
    cdbsim("state", "export", "--db", db, "--account", "5678", "--out", str(path))
    api = Api(await aiohttp_client(create_app(SimulatorConfig(state_file=str(path)))), "5678", "tok-5678")
    status, body, _ = await api.get("/instances")
    assert (status, body) == (200, {"instances": []})  # the account and its token came from the file


def test_serve_state_with_a_bad_document_stops_the_start_naming_it(cdbsim, tmp_path):
    path = tmp_path / "state.json"
    path.write_text('{"format": "cdbsim-state", "version": 0}')
    with pytest.raises(BadRequest, match=f"^{path}: This state document is version 0"):
        create_app(SimulatorConfig(state_file=str(path)))
    out = cdbsim("serve", "--db", ":memory:", "--port", "0", "--state", str(path), check=False)
    assert out.returncode == 2 and out.stderr.startswith(f"cdbsim: {path}: This state document is version 0")
