"""`cdbsim verify`: a recording of the simulator passes; a recording edited to differ reports drift."""

from __future__ import annotations

import json
from pathlib import Path

from simulator.serve.cli import main
from simulator.serve.verify import shape, shape_differences, verify_file
from simulator.shipped import SEED_RECORDING

SEED_HAR = str(SEED_RECORDING)  # shipped in the package; the top-level recordings/ folder in a checkout


def edited(source: str, target: Path, change) -> str:
    """A copy of a HAR file with change(entries) applied."""
    with open(source, encoding="utf-8") as fh:
        document = json.load(fh)
    change(document["log"]["entries"])
    target.write_text(json.dumps(document, indent=2))
    return str(target)


def entry_where(entries, method: str, path_part: str, n: int = 0) -> dict:
    found = [e for e in entries if e["request"]["method"] == method and path_part in e["request"]["url"]]
    return found[n]


def edit_body(entry: dict, change) -> None:
    body = json.loads(entry["response"]["content"]["text"])
    change(body)
    entry["response"]["content"]["text"] = json.dumps(body)


def test_verify_recording_of_the_simulator_passes(recorded_session, capsys):
    path, _, _ = recorded_session
    assert main(["verify", path]) == 0
    out = capsys.readouterr().out
    assert "setup: account 1234: user demo" in out
    assert out.strip().endswith(" ok, 0 drift")
    assert "DRIFT" not in out


def test_verify_maps_recorded_ids_to_the_ids_the_model_hands_out(recorded_session):
    path, _, _ = recorded_session
    report = verify_file(path, seed=12345)  # another seed: every id the model hands out differs
    polls = [c for c in report.checks if c.method == "GET" and "/instances/" in c.path]
    assert polls and all(c.ok and c.model_status == c.recorded_status for c in polls)


def test_verify_reports_a_key_missing_from_the_recording_as_drift(recorded_session, tmp_path, capsys):
    path, _, _ = recorded_session
    changed = edited(
        path,
        tmp_path / "edited.har",
        lambda entries: edit_body(
            entry_where(entries, "POST", "/backups"), lambda body: body["backup"].pop("locationRef")
        ),
    )
    assert main(["verify", changed]) == 1
    out = capsys.readouterr().out
    assert "$.backup.locationRef: in the model, not in the recording" in out
    assert out.strip().endswith(" ok, 1 drift")


def test_verify_reports_a_changed_status_and_value_type_as_drift(recorded_session, tmp_path):
    path, _, _ = recorded_session

    def change(entries):
        entry_where(entries, "GET", "/flavors")["response"]["status"] = 203
        edit_body(entry_where(entries, "POST", "/instances"), lambda body: body["instance"]["volume"].update(size="2"))

    report = verify_file(edited(path, tmp_path / "edited.har", change))
    drifted = {c.path.rsplit("/", 1)[-1]: c.problems for c in report.checks if not c.ok}
    assert drifted == {
        "flavors": ["status: 203 in the recording, 200 in the model"],
        "instances": ["$.instance.volume.size: string in the recording, number in the model"],
    }


def test_verify_seed_recording_restore_backup_passes(capsys):
    assert main(["verify", SEED_HAR]) == 0
    out = capsys.readouterr().out
    assert "setup: backup 61f12fef-edb1-4561-8122-e7c00ef26a82 -> " in out
    assert "1 exchanges: 1 ok, 0 drift" in out


def test_verify_unreadable_file_exits_2(tmp_path, capsys):
    path = tmp_path / "x.har"
    path.write_text("not json")
    assert main(["verify", str(path)]) == 2
    assert "is not JSON" in capsys.readouterr().err


def test_verify_json_report_lists_every_check(recorded_session, capsys):
    path, _, _ = recorded_session
    assert main(["verify", path, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["drift"] is False
    assert report["checks"][0]["path"] == "/v2.0/tokens" and report["checks"][0]["ok"] is True


def test_shape_merges_array_elements_and_ignores_values():
    recorded = {"links": [{"href": "a", "rel": "self"}, {"href": "b", "rel": "bookmark"}], "n": 1, "id": "x"}
    model = {"links": [{"href": "c", "rel": "self"}], "n": 2.5, "id": "y"}
    assert shape_differences(shape(recorded), shape(model)) == []


def test_shape_differences_name_where_and_what():
    recorded = {"a": {"b": 1, "c": None}, "items": [{"x": 1}], "gone": True}
    model = {"a": {"b": "1", "c": None, "d": []}, "items": [{"x": 1, "y": 2}]}
    assert shape_differences(shape(recorded), shape(model)) == [
        "$.gone: in the recording, not in the model",
        "$.a.d: in the model, not in the recording",
        "$.a.b: number in the recording, string in the model",
        "$.items[].y: in the model, not in the recording",
    ]
