"""The async fixture (cdbsim_client): aiohttp's test client on an in-process simulator, for pytest-asyncio."""

from __future__ import annotations


def test_async_client_fixture_serves_its_own_account(inner):
    result = inner("""
        import pytest

        @pytest.mark.asyncio
        async def test_create_and_advance(cdbsim_client):
            answer = await cdbsim_client.request("POST", "instances", {"instance": {
                "name": "a", "flavorRef": 1, "volume": {"size": 1}}})
            assert answer.status == 200 and answer.body["instance"]["status"] == "BUILD"
            cdbsim_client.clock.advance(0)
            shown = await cdbsim_client.request("GET", f"instances/{answer.body['instance']['id']}")
            assert shown.body["instance"]["status"] == "ACTIVE"
            assert cdbsim_client.journal.routes() == ["create_instance", "show_instance"]
            raw = await cdbsim_client.client.get(f"/v1.0/{cdbsim_client.account_id}/flavors",
                                                 headers={"X-Auth-Token": cdbsim_client.token})
            assert raw.status == 200
            assert cdbsim_client.endpoint.endswith(f"/v1.0/{cdbsim_client.account_id}")

        @pytest.mark.asyncio
        @pytest.mark.cdbsim(scenario="failing_backups", seed=5)
        async def test_marker_and_more_accounts(cdbsim_client):
            assert [s["name"] for s in cdbsim_client.scenarios()] == ["failing_backups"]
            other = cdbsim_client.new_account(role="dbaas:observer")
            answer = await other.request("GET", "instances")
            assert answer.status == 200 and answer.body == {"instances": []}
            assert (await other.request("POST", "instances", {"instance": {}})).status == 403
    """)
    result.assert_outcomes(passed=2)


def test_async_client_fixture_reports_a_simulator_bug(inner):
    result = inner("""
        import pytest
        from simulator.keys import BACKEND

        @pytest.mark.asyncio
        async def test_bug(cdbsim_client):
            def broken(*args, **kwargs):
                raise RuntimeError("async boom")
            cdbsim_client.app[BACKEND].instances.page = broken
            assert (await cdbsim_client.request("GET", "instances")).status == 500
    """)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*CdbsimServerError*", "*RuntimeError: async boom*"])
