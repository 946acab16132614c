"""The cdbsim fixture through pytester: its own account per test, credentials, clock, scenarios, more accounts."""

from __future__ import annotations

import pytest


def test_fixture_each_test_gets_a_fresh_account_of_its_own(inner):
    result = inner("""
        import json, urllib.request

        SEEN = []

        def create(cdbsim, name):
            answer = cdbsim.call("POST", "instances", {"instance": {"name": name, "flavorRef": 1,
                                                                      "volume": {"size": 1}}})
            assert answer.status == 200, answer.body
            return answer.body["instance"]

        def test_first(cdbsim):
            assert cdbsim.endpoint == f"{cdbsim.url}/v1.0/{cdbsim.account_id}"
            assert cdbsim.auth_url == f"{cdbsim.url}/v2.0"
            assert cdbsim.url.startswith("http://127.0.0.1:")
            assert cdbsim.call("GET", "instances").body == {"instances": []}
            create(cdbsim, "one")
            SEEN.append((cdbsim.url, cdbsim.account_id))

        def test_second(cdbsim):
            assert (cdbsim.url, cdbsim.account_id) != SEEN[0] and cdbsim.url == SEEN[0][0]
            assert cdbsim.call("GET", "instances").body == {"instances": []}
            # the first test's account is gone, with its token
            first = cdbsim.call("GET", f"/v1.0/{SEEN[0][1]}/instances")
            assert first.status == 403, first.body

        def test_credentials_work_with_the_fake_identity(cdbsim):
            for creds in ({"RAX-KSKEY:apiKeyCredentials": {"username": cdbsim.username, "apiKey": cdbsim.api_key}},
                          {"passwordCredentials": {"username": cdbsim.username, "password": cdbsim.password}}):
                req = urllib.request.Request(cdbsim.auth_url + "/tokens", method="POST",
                                             data=json.dumps({"auth": creds}).encode(),
                                             headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(req) as resp:
                    access = json.load(resp)["access"]
                assert access["token"]["tenant"]["id"] == cdbsim.account_id
            assert cdbsim.role == "dbaas:admin"
            assert cdbsim.headers["X-Auth-Token"] == cdbsim.token
    """)
    result.assert_outcomes(passed=3)


def test_fixture_clock_advance_carries_out_the_lifecycle(inner):
    result = inner(
        """
        import datetime as dt

        def test_build_takes_a_minute(cdbsim):
            start = cdbsim.clock.now()
            assert cdbsim.clock.mode == "manual" and start.tzinfo is not None
            body = cdbsim.call("POST", "instances", {"instance": {"name": "a", "flavorRef": 1,
                                                                  "volume": {"size": 1}}}).body["instance"]
            assert body["status"] == "BUILD"
            assert cdbsim.clock.advance(59) == start + dt.timedelta(seconds=59)
            assert cdbsim.call("GET", f"instances/{body['id']}").body["instance"]["status"] == "BUILD"
            cdbsim.clock.advance(1)
            assert cdbsim.call("GET", f"instances/{body['id']}").body["instance"]["status"] == "ACTIVE"
            assert cdbsim.clock.set("2031-05-06T07:08:09Z") == dt.datetime(2031, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc)

        def test_every_test_starts_at_the_same_moment(cdbsim):
            # the previous test moved the clock to 2031; each test starts again at the session's start
            assert cdbsim.clock.now().year < 2031
    """,
        files={
            "conftest.py": """
        import pytest
        from simulator import Durations, SimulatorConfig

        @pytest.fixture(scope="session")
        def cdbsim_config():
            return SimulatorConfig(durations=Durations(build=60))
    """
        },
    )
    result.assert_outcomes(passed=2)


def test_fixture_scenario_faults_only_the_tests_account(inner):
    result = inner(
        """
        def test_scenario_file_relative_to_the_test(cdbsim):
            assert cdbsim.load_scenario("flavors_down.yaml") == "flavors_down"
            other = cdbsim.new_account()
            assert cdbsim.call("GET", "flavors").status == 503
            assert other.call("GET", "flavors").status == 200
            entry = cdbsim.journal.last
            assert (entry["route"], entry["status"], entry["rule"]) == ("list_flavors", 503,
                                                                        "flavors_down/flavors-503")
            assert [s["name"] for s in cdbsim.scenarios()] == ["flavors_down"]
            assert cdbsim.clear_scenarios() == []  # the rule fired, so nothing is unused
            assert cdbsim.call("GET", "flavors").status == 200

        def test_shipped_scenario_by_name(cdbsim):
            cdbsim.load_scenario("failing_backups")
            assert cdbsim.scenarios()[0]["rules"][0]["name"] == "backup-ends-failed"

        def test_bad_scenario_is_refused_with_its_problem(cdbsim):
            from simulator.testing import CdbsimError
            import pytest
            with pytest.raises(CdbsimError, match="not a shipped scenario") as info:
                cdbsim.load_scenario("no_such_scenario")
            assert info.value.status == 400 and info.value.fault == "badRequest"
    """,
        files={
            "flavors_down.yaml": """
        name: flavors_down
        rules:
          - name: flavors-503
            match: {route: list_flavors}
            actions: [{respond: 503}]
    """
        },
    )
    result.assert_outcomes(passed=3)


def test_fixture_more_accounts_reset_and_snapshot(inner):
    result = inner("""
        def create(account, name="db"):
            answer = account.call("POST", "instances", {"instance": {"name": name, "flavorRef": 1,
                                                                     "volume": {"size": 1}}})
            assert answer.status == 200, answer.body
            return answer.body["instance"]["id"]

        def test_new_account_has_its_own_role_and_is_isolated(cdbsim):
            observer = cdbsim.new_account(role="dbaas:observer")
            assert observer.account_id != cdbsim.account_id and observer.role == "dbaas:observer"
            assert observer.call("GET", "instances").status == 200
            assert observer.call("POST", "instances", {"instance": {}}).status == 403
            create(cdbsim)
            assert observer.call("GET", "instances").body == {"instances": []}

        def test_reset_empties_the_account_and_keeps_the_token(cdbsim):
            create(cdbsim)
            assert len(cdbsim.journal) == 1
            cdbsim.reset()
            assert cdbsim.call("GET", "instances").body == {"instances": []}
            assert [e["route"] for e in cdbsim.journal] == ["list_instances"]

        def test_snapshot_and_restore_one_account(cdbsim):
            kept = create(cdbsim, "kept")
            name = cdbsim.snapshot()
            create(cdbsim, "later")
            cdbsim.restore(name)
            ids = [i["id"] for i in cdbsim.call("GET", "instances").body["instances"]]
            assert ids == [kept]

        def test_check_login_sees_database_users(cdbsim):
            answer = cdbsim.call("POST", "instances", {"instance": {
                "name": "a", "flavorRef": 1, "volume": {"size": 1}, "databases": [{"name": "shop"}],
                "users": [{"name": "app", "password": "s3cret", "databases": [{"name": "shop"}]}]}})
            instance_id = answer.body["instance"]["id"]
            cdbsim.clock.advance(0)
            assert cdbsim.check_login(instance_id, "app", "s3cret")
            assert not cdbsim.check_login(instance_id, "app", "wrong")
    """)
    result.assert_outcomes(passed=4)


def test_fixture_works_with_python_troveclient(inner):
    pytest.importorskip("troveclient")
    result = inner("""
        def test_troveclient_sees_the_account(cdbsim):
            trove = cdbsim.trove_client()
            flavors = trove.flavors.list()
            assert flavors and flavors[0].name
            created = trove.instances.create("sdk-db", flavor_id=str(flavors[0].id), volume={"size": 1})
            cdbsim.clock.advance(0)
            assert trove.instances.get(created.id).status == "ACTIVE"
            assert cdbsim.journal.routes() == ["list_flavors", "create_instance", "show_instance"]
    """)
    result.assert_outcomes(passed=1)


def test_fixture_reraises_a_simulator_bug_at_teardown(inner):
    result = inner("""
        from simulator.keys import BACKEND

        def test_bug_in_the_fake(cdbsim, make_cdbsim):
            def broken(*args, **kwargs):
                raise RuntimeError("boom in the fake")
            make_cdbsim.server.run(lambda app: setattr(app[BACKEND].instances, "page", broken))
            try:
                assert cdbsim.call("GET", "instances").status == 500
            finally:
                make_cdbsim.server.run(lambda app: delattr(app[BACKEND].instances, "page"))
    """)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*CdbsimServerError: the simulator raised while serving this test*", "*RuntimeError: boom in the fake*"]
    )


def test_fixture_uses_a_running_simulator_given_by_url(inner):
    from simulator import SimulatorConfig
    from simulator.keys import BACKEND, STORE
    from simulator.testing import SimulatorServer, account_id_for

    with SimulatorServer(SimulatorConfig(seed=3)) as server:
        result = inner(
            """
            def test_remote(cdbsim):
                assert cdbsim.call("GET", "instances").status == 200
                cdbsim.load_scenario("failing_backups")
                assert cdbsim.scenarios()[0]["account_id"] == cdbsim.account_id
                assert cdbsim.journal.routes() == ["list_instances"]
                assert cdbsim.clock.advance(5)
        """,
            f"--cdbsim-url={server.url}",
        )
        accounts = server.run(lambda app: app[BACKEND].identity.accounts())
        left = server.run(lambda app: app[STORE].state.has_rows(account_id_for("test_inner.py::test_remote")))
    result.assert_outcomes(passed=1)
    assert accounts == [] and not left  # the test's account was deleted at the end, journal and all
