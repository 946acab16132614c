"""The cdbsim marker through pytester: scenario, seed, clock, account, replay; and its argument checks."""

from __future__ import annotations

import json


def test_marker_scenario_loads_for_the_test_only(inner):
    result = inner(
        """
        import pytest

        @pytest.mark.cdbsim(scenario=["flavors_down.yaml", "failing_backups"])
        def test_with_scenarios(cdbsim):
            assert sorted(s["name"] for s in cdbsim.scenarios()) == ["failing_backups", "flavors_down"]
            assert cdbsim.call("GET", "flavors").status == 503

        def test_without(cdbsim):
            assert cdbsim.scenarios() == []
            assert cdbsim.call("GET", "flavors").status == 200
    """,
        files={
            "flavors_down.yaml": """
        name: flavors_down
        rules: [{match: {route: list_flavors}, actions: [{respond: 503}]}]
    """
        },
    )
    result.assert_outcomes(passed=2)


def test_marker_seed_gives_the_same_ids_in_any_test_and_order(inner, pytester):
    out = pytester.path / "ids.txt"
    source = f"""
        import pytest

        def make(cdbsim, test):
            body = cdbsim.call("POST", "instances", {{"instance": {{"name": "a", "flavorRef": 1,
                                                                  "volume": {{"size": 1}}}}}}).body
            with open({str(out)!r}, "a") as fh:
                fh.write(f"{{test}} {{body['instance']['id']}}\\n")

        @pytest.mark.cdbsim(seed=42)
        def test_a(cdbsim):
            make(cdbsim, "a")

        @pytest.mark.cdbsim(seed=42)
        def test_b(cdbsim):
            make(cdbsim, "b")

        def test_c(cdbsim):
            make(cdbsim, "c")
    """

    def ids(*args: str) -> dict:
        out.unlink(missing_ok=True)
        inner(source, *args).assert_outcomes(passed=1 if args else 3)
        return dict(line.split() for line in out.read_text().splitlines())

    everything = ids()
    assert everything["a"] == everything["b"] != everything["c"]  # the seed decides, not what ran before
    assert ids("-k", "test_c") == {"c": everything["c"]}  # alone, first: the same ids as after a and b
    assert ids("-k", "test_c", "--cdbsim-seed=42") == {"c": everything["a"]}  # the option sets the default
    assert ids("-k", "test_a", "--cdbsim-seed=1") == {"a": everything["a"]}  # the marker wins over the option


def test_marker_account_fixes_the_account_id(inner):
    result = inner("""
        import pytest

        @pytest.mark.cdbsim(account="123456")
        def test_fixed(cdbsim):
            assert cdbsim.account_id == "123456"
            assert cdbsim.endpoint.endswith("/v1.0/123456")
    """)
    result.assert_outcomes(passed=1)


def test_marker_on_a_class_applies_to_its_tests_and_the_closest_wins(inner):
    result = inner("""
        import pytest

        @pytest.mark.cdbsim(clock="real", seed=1)
        class TestClock:
            def test_class_marker(self, cdbsim):
                assert cdbsim.clock.mode == "real"

            @pytest.mark.cdbsim(clock="manual")
            def test_own_marker_wins(self, cdbsim):
                assert cdbsim.clock.mode == "manual"
    """)
    result.assert_outcomes(passed=2)


def test_marker_unknown_argument_is_a_usage_error(inner):
    result = inner("""
        import pytest

        @pytest.mark.cdbsim(scenarios="flaky_reads")
        def test_typo(cdbsim):
            pass

        @pytest.mark.cdbsim(clock="sometimes")
        def test_bad_clock(cdbsim):
            pass

        @pytest.mark.cdbsim(seed="42")
        def test_bad_seed(cdbsim):
            pass
    """)
    result.assert_outcomes(errors=3)
    result.stdout.fnmatch_lines(
        [
            "*unknown @pytest.mark.cdbsim argument(s) scenarios*",
            "*clock=...) must be one of auto, manual, real, not 'sometimes'*",
            "*seed=...) must be an integer, not '42'*",
        ]
    )


def test_marker_is_registered_for_strict_markers(inner):
    result = inner(
        """
        import pytest

        @pytest.mark.cdbsim(seed=1)
        def test_marked():
            pass
    """,
        "--strict-markers",
    )
    result.assert_outcomes(passed=1)
    result = inner("", "--markers")
    result.stdout.fnmatch_lines(
        ["@pytest.mark.cdbsim(scenario=None, seed=None, clock=None, replay=None, account=None): *"]
    )


def test_record_dir_then_replay_marker_answers_from_the_recording(inner, pytester):
    record = inner(
        """
        def test_recorded(cdbsim):
            assert cdbsim.call("GET", "flavors").status == 200
            assert cdbsim.call("GET", "instances/nope").status == 404
    """,
        "--cdbsim-record-dir=recordings",
    )
    record.assert_outcomes(passed=1)
    har = pytester.path / "recordings" / "test_inner" / "test_recorded.har"
    document = json.loads(har.read_text())
    assert [
        e["request"]["method"] + " " + e["request"]["url"].split("/v1.0/")[1].split("/", 1)[1]
        for e in document["log"]["entries"]
    ] == ["GET flavors", "GET instances/nope"]
    assert document["log"]["version"] == "1.2"

    replay = inner("""
        import pytest
        from simulator.testing import account_id_for

        @pytest.mark.cdbsim(replay="recordings/test_inner/test_recorded.har",
                            account=account_id_for("test_inner.py::test_recorded"))
        def test_replayed(cdbsim):
            assert cdbsim.call("GET", "instances/nope").status == 404
            assert cdbsim.call("GET", "flavors").status == 200
            assert [e["action"] for e in cdbsim.journal] == ["replay", "replay"]
            assert cdbsim.call("GET", "datastores").status == 502  # not in the recording: a strict miss
    """)
    replay.assert_outcomes(passed=1)
