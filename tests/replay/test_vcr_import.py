"""VCR.py cassettes recorded with vcrpy against the simulator import into HAR and replay."""

from __future__ import annotations

import pytest
import vcr
from replay.replay_helpers import DB_USER_PASSWORD, PASSWORD, advancer, recording_config, troveclient_instance_session

from simulator import SimulatorConfig
from simulator.keys import JOURNAL
from simulator.replay.har import read_har
from simulator.replay.vcr import VcrError, import_vcr
from simulator.serve.cli import main
from simulator.testing import SimulatorServer


@pytest.fixture(scope="module")
def vcr_cassette(tmp_path_factory):
    """A troveclient session recorded by vcrpy (its own YAML format, secrets and all)."""
    folder = tmp_path_factory.mktemp("vcr")
    path = str(folder / "session.yaml")
    tokens: list = []
    with (
        SimulatorServer(recording_config(str(folder / "unused.har"))) as server,
        vcr.VCR(record_mode="all").use_cassette(path),
    ):
        answers = troveclient_instance_session(server.url, advancer(server), tokens)
    return path, answers, tokens


def test_vcr_cassette_imports_and_replays_to_the_same_client(vcr_cassette, tmp_path):
    path, recorded_answers, _ = vcr_cassette
    out = str(tmp_path / "imported.har")
    assert main(["import-vcr", path, "--out", out]) == 0
    with SimulatorServer(SimulatorConfig(replay_path=out)) as server:
        answers = troveclient_instance_session(server.url, advancer(server))
        journal = server.run(lambda app: app[JOURNAL].entries())
    root = next(i for i, a in enumerate(answers) if isinstance(a, list) and a[:1] == ["root"])
    assert answers[:root] + answers[root + 1 :] == recorded_answers[:root] + recorded_answers[root + 1 :]
    assert all(e["action"] == "replay" for e in journal if not e["path"].startswith("/_sim"))


def test_vcr_import_scrubs_the_secrets_vcrpy_kept(vcr_cassette, tmp_path):
    path, answers, tokens = vcr_cassette
    with open(path, encoding="utf-8") as fh:
        assert tokens[0] in fh.read()  # vcrpy keeps the token unless told otherwise
    out = str(tmp_path / "imported.har")
    count = import_vcr(path, out)
    interactions, meta = read_har(out)
    assert count == len(interactions) > 5
    assert meta["recorded_by"] == "vcrpy"
    with open(out, encoding="utf-8") as fh:
        text = fh.read()
    root_password = next(a[1] for a in answers if isinstance(a, list) and a[:1] == ["root"])
    for secret in (tokens[0], PASSWORD, DB_USER_PASSWORD, root_password):
        assert secret not in text


def test_vcr_import_keeps_recorded_order_methods_and_statuses(vcr_cassette, tmp_path):
    import yaml

    path, _, _ = vcr_cassette
    with open(path, encoding="utf-8") as fh:
        source = yaml.safe_load(fh)["interactions"]
    out = str(tmp_path / "imported.har")
    import_vcr(path, out)
    interactions, _ = read_har(out)
    assert [(i.request.method, i.response.status) for i in interactions] == [
        (s["request"]["method"], s["response"]["status"]["code"]) for s in source
    ]


def test_vcr_import_of_an_old_list_cassette_is_an_error(tmp_path):
    path = tmp_path / "old.yaml"
    path.write_text("- request: {method: GET, uri: 'http://x/'}\n  response: {status: {code: 200}}\n")
    with pytest.raises(VcrError, match=r"pre-1\.0 VCR\.py cassette"):
        import_vcr(str(path), str(tmp_path / "out.har"))


def test_import_vcr_command_reports_an_unreadable_cassette(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text("interactions: 3\n")
    assert main(["import-vcr", str(path), "--out", str(tmp_path / "out.har")]) == 2
    assert "is not a VCR.py cassette: no 'interactions' list" in capsys.readouterr().err
