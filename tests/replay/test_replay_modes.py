"""Playback in the pipeline: strict misses, fallthrough, repeats, matchers, and the VCR.py record modes."""

from __future__ import annotations

import json
import os

import pytest
from support import ACCOUNT, TOKEN, Api, assert_fault

from simulator import DemoAccount, SimulatorConfig, create_app
from simulator.keys import BACKEND, REPLAY
from simulator.replay.cassette import Cassette

INSTANCE = {"instance": {"name": "db1", "flavorRef": 1, "volume": {"size": 2}}}


def demo() -> DemoAccount:
    return DemoAccount(account_id=ACCOUNT, token=TOKEN)


async def start(aiohttp_client, **config) -> Api:
    config.setdefault("bootstrap", demo())
    return Api(await aiohttp_client(create_app(SimulatorConfig(seed=3, **config))))


@pytest.fixture
async def recording(aiohttp_client, tmp_path) -> str:
    """flavors, a create, and three polls of the new instance (BUILD, BUILD, ACTIVE) recorded to a file."""
    from simulator.config import Durations

    path = str(tmp_path / "rec.har")
    api = await start(aiohttp_client, record_path=path, durations=Durations(build=5.0))
    await api.get("/flavors")
    _, body, _ = await api.post("/instances", INSTANCE)
    instance_id = body["instance"]["id"]
    for step in (0, 3, 3):
        api.advance(step)
        await api.get(f"/instances/{instance_id}")
    await api.client.close()  # cleanup saves the file
    return path


def recorded_instance_id(path: str) -> str:
    with open(path, encoding="utf-8") as fh:
        entries = json.load(fh)["log"]["entries"]
    return json.loads(entries[1]["response"]["content"]["text"])["instance"]["id"]


async def test_replay_strict_miss_is_replay_miss_naming_closest_request(aiohttp_client, recording):
    api = await start(aiohttp_client, replay_path=recording, bootstrap=None)
    other = {"instance": {**INSTANCE["instance"], "name": "db2"}}
    assert_fault(
        await api.post("/instances", other),
        "replayMiss",
        502,
        f"No recorded request matches POST /v1.0/{ACCOUNT}/instances. Closest recorded request: "
        f"#2 POST /v1.0/{ACCOUNT}/instances; matchers that differed: body "
        f"($.instance.name: 'db2' != recorded 'db1').",
    )


async def test_replay_strict_miss_body_lists_closest_and_differing_matchers(aiohttp_client, recording):
    api = await start(aiohttp_client, replay_path=recording, bootstrap=None)
    status, body, _ = await api.get("/instances/nope")
    assert status == 502
    assert body["replayMiss"]["closest"] == {
        "index": 3,
        "method": "GET",
        "path": f"/v1.0/{ACCOUNT}/instances/{recorded_instance_id(recording)}",
        "query": "",
    }
    assert [d["matcher"] for d in body["replayMiss"]["differed"]] == ["path"]


async def test_replay_strict_miss_is_noted_in_the_journal(aiohttp_client, recording):
    api = await start(aiohttp_client, replay_path=recording, bootstrap=None)
    await api.get("/flavors?limit=1")
    _, journal, _ = await api.get("/_sim/journal")
    miss = journal["journal"][-1]
    assert miss["status"] == 502
    assert miss["note"].startswith(
        f"replay miss: No recorded request matches GET /v1.0/{ACCOUNT}/flavors?limit=1. "
        f"Closest recorded request: #1 GET /v1.0/{ACCOUNT}/flavors"
    )
    assert "query (limit=1 != recorded (none))" in miss["note"]


async def test_replay_repeated_request_gets_recorded_answers_in_order_then_misses(aiohttp_client, recording):
    api = await start(aiohttp_client, replay_path=recording, bootstrap=None)
    instance_id = recorded_instance_id(recording)
    statuses = [(await api.get(f"/instances/{instance_id}"))[1]["instance"]["status"] for _ in range(3)]
    assert statuses == ["BUILD", "BUILD", "ACTIVE"]
    assert_fault(
        await api.get(f"/instances/{instance_id}"),
        "replayMiss",
        502,
        f"All 3 recorded answer(s) to GET /v1.0/{ACCOUNT}/instances/{instance_id} were already played; "
        f"the recording has no further answer for this request.",
    )


async def test_replay_allow_playback_repeats_keeps_answering_with_the_last(aiohttp_client, recording):
    api = await start(aiohttp_client)
    status, _, _ = await api.put("/_sim/replay", {"path": recording, "allow_playback_repeats": True})
    assert status == 200
    instance_id = recorded_instance_id(recording)
    statuses = [(await api.get(f"/instances/{instance_id}"))[1]["instance"]["status"] for _ in range(5)]
    assert statuses == ["BUILD", "BUILD", "ACTIVE", "ACTIVE", "ACTIVE"]


async def test_replay_fallthrough_miss_is_answered_by_the_model(aiohttp_client, recording):
    api = await start(aiohttp_client, replay_path=recording, replay_mode="fallthrough")
    status, body, _ = await api.post("/instances", {"instance": {**INSTANCE["instance"], "name": "live"}})
    assert status == 200
    assert body["instance"]["name"] == "live"
    assert api.backend.store.db["instances"].count == 1
    _, journal, _ = await api.get("/_sim/journal")
    assert journal["journal"][-1]["note"].startswith("replay miss: ")
    assert journal["journal"][-1]["action"] is None


async def test_replay_fallthrough_hit_still_comes_from_the_recording(aiohttp_client, recording):
    api = await start(aiohttp_client, replay_path=recording, replay_mode="fallthrough")
    status, body, _ = await api.post("/instances", INSTANCE)
    assert status == 200
    assert body["instance"]["id"] == recorded_instance_id(recording)
    assert api.backend.store.db["instances"].count == 0


async def test_replay_match_method_and_path_ignores_body(aiohttp_client, recording):
    api = await start(aiohttp_client, replay_path=recording, replay_match=("method", "path"), bootstrap=None)
    status, body, _ = await api.post(
        "/instances", {"instance": {"name": "anything", "flavorRef": 9, "volume": {"size": 1}}}
    )
    assert status == 200
    assert body["instance"]["name"] == "db1"


async def test_replay_matching_ignores_the_token_sent(aiohttp_client, recording):
    api = await start(aiohttp_client, replay_path=recording, bootstrap=None)
    status, body, _ = await api.get("/flavors", headers={"X-Auth-Token": "some-other-token"})
    assert status == 200
    assert body["flavors"]


async def test_replay_without_recording_file_fails_at_start(tmp_path):
    with pytest.raises(FileNotFoundError):
        create_app(SimulatorConfig(replay_path=str(tmp_path / "missing.har")))


async def test_record_mode_new_episodes_replays_hits_and_adds_misses_to_the_file(aiohttp_client, recording):
    api = await start(aiohttp_client, replay_path=recording, record_path=recording)
    assert (await api.post("/instances", INSTANCE))[1]["instance"]["id"] == recorded_instance_id(recording)
    status, body, _ = await api.get("/datastores")
    assert status == 200 and body["datastores"]
    await api.client.close()
    cassette = Cassette.load(recording)
    assert len(cassette) == 6
    assert cassette.interactions[-1].request.path == f"/v1.0/{ACCOUNT}/datastores"
    assert cassette.interactions[-1].request.header("X-Auth-Token") == "<<token-1>>"


async def test_record_mode_once_records_when_no_file_then_only_replays(aiohttp_client, tmp_path):
    path = str(tmp_path / "once.har")
    first = await start(aiohttp_client, recordings_dir=str(tmp_path))
    await first.put("/_sim/replay", {"path": path, "record_mode": "once"})
    assert (await first.get("/flavors"))[0] == 200
    await first.client.close()
    second = await start(aiohttp_client, recordings_dir=str(tmp_path))
    _, status, _ = await second.put("/_sim/replay", {"path": path, "record_mode": "once"})
    assert status["replay"]["record_mode"] == "none"
    assert (await second.get("/flavors"))[0] == 200
    assert_fault(
        await second.get("/datastores"),
        "replayMiss",
        502,
        contains=f"No recorded request matches GET /v1.0/{ACCOUNT}/datastores.",
    )


async def test_record_mode_all_records_everything_and_replays_nothing(aiohttp_client, recording):
    api = await start(aiohttp_client, recordings_dir=os.path.dirname(recording))
    await api.put("/_sim/replay", {"path": recording, "record_mode": "all", "overwrite": True})
    status, _, _ = await api.post("/instances", INSTANCE)
    assert status == 200
    assert api.backend.store.db["instances"].count == 1  # the model answered
    await api.client.close()
    assert [i.request.method for i in Cassette.load(recording).interactions] == ["POST"]


async def test_record_skips_the_control_plane(aiohttp_client, tmp_path):
    path = str(tmp_path / "rec.har")
    api = await start(aiohttp_client, record_path=path)
    await api.get("/_sim/clock")
    await api.get("/flavors")
    recorder = api.app[REPLAY].recorder
    assert [i.request.path for i in recorder.cassette.interactions] == [f"/v1.0/{ACCOUNT}/flavors"]
    assert api.app[BACKEND] is not None


async def test_replay_fallthrough_identity_answer_hands_out_a_token_the_model_accepts(aiohttp_client, tmp_path):
    path = str(tmp_path / "login.har")
    login = {"auth": {"passwordCredentials": {"username": "demo", "password": "demo-password"}, "tenantId": ACCOUNT}}
    api = await start(aiohttp_client, record_path=path)
    await api.post("/v2.0/tokens", login)
    await api.client.close()
    api = await start(aiohttp_client, replay_path=path, replay_mode="fallthrough")
    status, body, _ = await api.post("/v2.0/tokens", login)
    assert status == 200
    token = body["access"]["token"]["id"]
    assert api.backend.store.db["instances"].count == 0
    status, body, _ = await api.as_account(ACCOUNT, token).get("/datastores")  # not recorded: the model answers
    assert status == 200 and body["datastores"]


async def test_replay_strict_identity_answer_hands_out_a_fresh_token_and_catalog_of_this_server(
    aiohttp_client, tmp_path
):
    path = str(tmp_path / "login.har")
    login = {"auth": {"passwordCredentials": {"username": "demo", "password": "demo-password"}, "tenantId": ACCOUNT}}
    api = await start(aiohttp_client, record_path=path)
    _, recorded, _ = await api.post("/v2.0/tokens", login)
    await api.client.close()
    api = await start(aiohttp_client, replay_path=path, bootstrap=None)
    status, body, _ = await api.post("/v2.0/tokens", login)
    assert status == 200
    assert body["access"]["token"]["id"] not in (recorded["access"]["token"]["id"], "<<token-1>>")
    origin = str(api.client.make_url("")).rstrip("/")
    urls = {e["publicURL"] for s in body["access"]["serviceCatalog"] for e in s["endpoints"]}
    assert urls == {f"{origin}{prefix}/v1.0/{ACCOUNT}" for prefix in ("", "/ord", "/iad", "/lon", "/hkg", "/syd")}
