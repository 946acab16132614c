"""README example: answer a test from a HAR recording (made with --cdbsim-record-dir, or with
`cdbsim record --upstream ...` against the real service), so it sees exactly the recorded answers."""

import pytest


def instance_report(trove):
    """Your code: one line per instance, the broken ones flagged."""
    return [
        f"{i.name}: {i.status}" + (" <- needs attention" if i.status == "ERROR" else "") for i in trove.instances.list()
    ]


# The recording's URLs name account 123456, so the test's account has that id too.
@pytest.mark.cdbsim(replay="recordings/instance_report.har", account="123456")
def test_instance_report_from_a_recording(cdbsim):
    trove = cdbsim.trove_client()
    assert instance_report(trove) == ["orders-restored: ERROR <- needs attention", "orders-db: ACTIVE"]
    assert [(e["route"], e["action"]) for e in cdbsim.journal] == [("list_instances", "replay")]


@pytest.mark.cdbsim(replay="recordings/instance_report.har", account="123456")
def test_a_call_the_recording_lacks_is_a_miss(cdbsim):
    answer = cdbsim.call("GET", "backups")  # strict replay: an unrecorded request is a 502 replayMiss
    assert answer.status == 502 and "replayMiss" in answer.body
