"""Command-line options (their group and help text), the failing test's report and the coverage report."""

from __future__ import annotations

import json


def test_options_help_lists_the_cdbsim_group_with_help_text(inner):
    result = inner("", "--help")
    result.stdout.fnmatch_lines(
        [
            "cdbsim (Cloud Databases simulator):",
            "*--cdbsim-seed=N*seed of the ids each test draws*",
            "*--cdbsim-clock={auto,manual,real}*",
            "*--cdbsim-record-dir=DIR*",
            "*--cdbsim-coverage*",
            "*--cdbsim-coverage-json=FILE*",
            "*--cdbsim-url=URL*",
            "*--cdbsim-admin-token=TOKEN*",
        ]
    )
    text = result.stdout.str()
    for words in (
        "record each test's exchanges as a HAR file",
        "which API operations, lifecycle transitions",
        "follows datetime.now and so freezegun",
        "each test still gets its own account",
    ):
        assert words in " ".join(text.split()), words


def test_options_clock_real_makes_every_test_follow_real_time(inner):
    result = inner(
        """
        def test_mode(cdbsim):
            assert cdbsim.clock.mode == "real"
    """,
        "--cdbsim-clock=real",
    )
    result.assert_outcomes(passed=1)


def test_failing_test_report_shows_the_accounts_journal(inner):
    result = inner("""
        def test_fails(cdbsim):
            cdbsim.call("POST", "instances", {"instance": {"name": "a", "flavorRef": 1, "volume": {"size": 1}}})
            cdbsim.call("GET", "instances/nope")
            assert cdbsim.call("GET", "flavors").status == 500

        def test_passes(cdbsim):
            cdbsim.call("GET", "flavors")
    """)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- cdbsim journal -*",
            "account test_fails-* at http://127.0.0.1:*/v1.0/test_fails-*: 3 requests",
            "  #* POST /v1.0/test_fails-*/instances -> 200 (create_instance)",
            "  #* GET /v1.0/test_fails-*/instances/nope -> 404 (show_instance)",
            "  #* GET /v1.0/test_fails-*/flavors -> 200 (list_flavors)",
        ]
    )
    assert "account test_passes" not in result.stdout.str()


def test_coverage_report_names_what_was_exercised_and_what_never_was(inner, pytester):
    result = inner(
        """
        import pytest

        def create(cdbsim, **extra):
            answer = cdbsim.call("POST", "instances", {"instance": {"name": "a", "flavorRef": 1,
                                                                    "volume": {"size": 1}, **extra}})
            assert answer.status == 200, answer.body
            return answer.body["instance"]["id"]

        def test_build_and_backup_and_restore(cdbsim):
            instance_id = create(cdbsim, databases=[{"name": "shop"}])
            assert cdbsim.call("GET", f"instances/{instance_id}").body["instance"]["status"] == "ACTIVE"
            full = cdbsim.call("POST", "backups", {"backup": {"name": "f", "instance": instance_id}}).body["backup"]
            assert cdbsim.call("GET", f"backups/{full['id']}").body["backup"]["status"] == "COMPLETED"
            inc = cdbsim.call("POST", "backups", {"backup": {"name": "i", "instance": instance_id,
                                                             "parent_id": full["id"]}}).body["backup"]
            assert cdbsim.call("GET", f"backups/{inc['id']}").body["backup"]["status"] == "COMPLETED"
            restored = create(cdbsim, restorePoint={"backupRef": inc["id"]})
            assert cdbsim.call("GET", f"instances/{restored}").body["instance"]["status"] == "ACTIVE"
            assert cdbsim.call("DELETE", f"instances/{restored}").status == 202
            assert cdbsim.call("GET", f"instances/{restored}").status == 404

        @pytest.mark.cdbsim(scenario="failing_backups")
        def test_failed_backup(cdbsim):
            instance_id = create(cdbsim)
            backup = cdbsim.call("POST", "backups", {"backup": {"name": "f", "instance": instance_id}}).body["backup"]
            assert cdbsim.call("GET", f"backups/{backup['id']}").body["backup"]["status"] == "FAILED"
            refused = cdbsim.call("POST", "instances", {"instance": {"name": "r", "flavorRef": 1,
                                  "volume": {"size": 1}, "restorePoint": {"backupRef": backup["id"]}}})
            assert refused.status == 409
    """,
        "--cdbsim-coverage-json=coverage.json",
    )
    result.assert_outcomes(passed=2)
    # The transitions are those the model carried out: three instances built, each of the three backups made its
    # instance show BACKUP and ACTIVE again (no test looked), and each backup went through BUILDING.
    result.stdout.fnmatch_lines(
        [
            "*= cdbsim coverage =*",
            "2 tests used cdbsim",
            "operations: 5 of * exercised",
            "  exercised: create_instance (4), show_instance (3), delete_instance (1), create_backup (3), "
            "show_backup (3)",
            "  never: *list_flavors*delete_backup*",
            "lifecycle transitions: 10 of 51 seen",
            "  seen: instance BUILD -> ACTIVE (3), instance ACTIVE -> BACKUP (3), instance BACKUP -> ACTIVE (3), "
            "instance ACTIVE -> SHUTDOWN (1), instance SHUTDOWN -> deleted (1), backup (full) NEW -> COMPLETED (1), "
            "backup (incremental) NEW -> COMPLETED (1), backup NEW -> FAILED (1), "
            "restore from incremental backup: BUILD -> ACTIVE (1), restore refused (4xx) (1)",
            "  never: instance BUILD -> ERROR, instance ACTIVE -> REBOOT, *instance UPGRADE -> ACTIVE, "
            "backup COMPLETED -> deleted, restore from full backup: BUILD -> ACTIVE, restore: BUILD -> ERROR, "
            "replica BUILD -> ACTIVE, *, ha DELETING -> deleted",
            "  also seen: backup NEW -> BUILDING (3)",
            "error answers: 2",
            "  seen: create_instance 409 conflict (1), show_instance 404 itemNotFound (1)",
            "fault rules: 1 of 1 loaded rules fired",
            "  fired: failing_backups/backup-ends-failed (1)",
            "  shipped scenarios never loaded: *flaky_reads*",
        ]
    )
    report = json.loads((pytester.path / "coverage.json").read_text())
    assert report["operations"]["exercised"]["create_backup"] == 3
    assert "delete_backup" in report["operations"]["never"]
    assert report["lifecycle"]["exercised"]["instance SHUTDOWN -> deleted"] == 1
    assert report["faults"]["never_fired"] == []
    assert "failing_backups" not in report["faults"]["shipped_never_loaded"]


def test_coverage_is_off_unless_asked(inner):
    result = inner("""
        def test_x(cdbsim):
            cdbsim.call("GET", "flavors")
    """)
    result.assert_outcomes(passed=1)
    assert "cdbsim coverage" not in result.stdout.str()
