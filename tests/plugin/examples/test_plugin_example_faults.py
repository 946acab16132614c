"""README example: inject faults for this test's account only, and check your code copes."""

import pytest
from troveclient import exceptions


def restore_with_retry(trove, backup_id, flavor_id, sleep, attempts=5):
    """Your code: restore a backup, waiting as told when the service says 413 (rate limited)."""
    for _ in range(attempts):
        try:
            return trove.instances.create(
                "restored", flavor_id=flavor_id, volume={"size": 2}, restorePoint={"backupRef": backup_id}
            )
        except exceptions.RequestEntityTooLarge as exc:
            sleep(exc.retry_after or 60)
    raise RuntimeError("restore kept being rate limited")


@pytest.mark.cdbsim(scenario="restore_over_limit")  # shipped: the first two restores get 413, Retry-After 30
def test_restore_waits_out_the_rate_limit(cdbsim):
    trove = cdbsim.trove_client()
    source = trove.instances.create("src", flavor_id="1", volume={"size": 2}, databases=[{"name": "shop"}])
    cdbsim.clock.advance(60)
    backup = trove.backups.create("before-upgrade", source.id)
    cdbsim.clock.advance(60)

    started = cdbsim.clock.now()
    restored = restore_with_retry(trove, backup.id, "1", sleep=cdbsim.clock.advance)

    assert restored.status == "BUILD"
    assert (cdbsim.clock.now() - started).total_seconds() == 60  # honoured Retry-After twice
    restores = cdbsim.journal.entries(route="create_instance")[1:]
    assert [(e["status"], e["rule"]) for e in restores] == [
        (413, "restore_over_limit/restore-rate-limited"),
        (413, "restore_over_limit/restore-rate-limited"),
        (200, None),
    ]


BROKEN_BACKUPS = """
name: broken_backups
rules:
  - name: backups-end-failed
    match: {route: create_backup}
    actions: [model_fault]
"""


def test_failed_backup_is_reported(cdbsim):
    cdbsim.load_scenario(BROKEN_BACKUPS)  # a file path, a shipped name, a mapping or YAML text
    trove = cdbsim.trove_client()
    source = trove.instances.create("src", flavor_id="1", volume={"size": 2})
    cdbsim.clock.advance(60)
    backup = trove.backups.create("nightly", source.id)
    cdbsim.clock.advance(60)
    assert trove.backups.get(backup.id).status == "FAILED"
    with pytest.raises(exceptions.Conflict):  # a restore from it is refused with 409
        trove.instances.create("r", flavor_id="1", volume={"size": 2}, restorePoint={"backupRef": backup.id})
    assert cdbsim.scenarios()[0]["rules"][0]["hits"] == 1
