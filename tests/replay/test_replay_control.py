"""/_sim/replay and /_sim/recording: load a recording, switch modes, read status and misses."""

from __future__ import annotations

import json

from support import ACCOUNT, TOKEN, Api, assert_fault

from simulator import DemoAccount, SimulatorConfig, create_app
from simulator.serve.cli import build_parser
from simulator.serve.replay_commands import replay_config


async def start(aiohttp_client, **config) -> Api:
    app = create_app(SimulatorConfig(seed=5, bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN), **config))
    return Api(await aiohttp_client(app))


async def record_flavors(aiohttp_client, path: str) -> None:
    api = await start(aiohttp_client, record_path=path)
    await api.get("/flavors")
    await api.client.close()


async def test_load_replay_from_file_then_show_status_with_misses(aiohttp_client, tmp_path):
    path = str(tmp_path / "r.har")
    await record_flavors(aiohttp_client, path)
    api = await start(aiohttp_client)
    status, body, _ = await api.put("/_sim/replay", {"path": path, "mode": "strict", "match": "method,path"})
    assert status == 200
    assert body["replay"]["player"]["interactions"] == 1
    assert body["replay"]["player"]["match_on"] == ["method", "path"]
    await api.get("/flavors?limit=5")  # matches: the query is not compared
    await api.get("/datastores")
    _, body, _ = await api.get("/_sim/replay")
    player = body["replay"]["player"]
    assert (player["hits"], player["played"], player["unplayed"]) == (1, 1, [])
    assert [m["path"] for m in player["misses"]] == [f"/v1.0/{ACCOUNT}/datastores"]
    assert player["misses"][0]["closest"]["path"] == f"/v1.0/{ACCOUNT}/flavors"


async def test_load_replay_inline_har_document(aiohttp_client, tmp_path):
    path = str(tmp_path / "r.har")
    await record_flavors(aiohttp_client, path)
    with open(path, encoding="utf-8") as fh:
        document = json.load(fh)
    api = await start(aiohttp_client)
    status, _, _ = await api.put("/_sim/replay", {"har": document})
    assert status == 200
    assert (await api.get("/flavors"))[0] == 200
    assert_fault(await api.get("/flavors"), "replayMiss", 502, contains="were already played")


async def test_change_replay_mode_to_fallthrough_lets_the_model_answer(aiohttp_client, tmp_path):
    path = str(tmp_path / "r.har")
    await record_flavors(aiohttp_client, path)
    api = await start(aiohttp_client)
    await api.put("/_sim/replay", {"path": path})
    assert (await api.get("/datastores"))[0] == 502
    status, body, _ = await api.patch("/_sim/replay", {"mode": "fallthrough"})
    assert status == 200 and body["replay"]["player"]["mode"] == "fallthrough"
    assert (await api.get("/datastores"))[0] == 200


async def test_stop_replay_returns_to_the_model(aiohttp_client, tmp_path):
    path = str(tmp_path / "r.har")
    await record_flavors(aiohttp_client, path)
    api = await start(aiohttp_client)
    await api.put("/_sim/replay", {"path": path})
    assert (await api.delete("/_sim/replay"))[0] == 204
    assert (await api.get("/datastores"))[0] == 200
    _, body, _ = await api.get("/_sim/replay")
    assert body["replay"] == {"replaying": False, "record_mode": None, "player": None, "recording": None}


async def test_load_replay_missing_file_is_item_not_found(aiohttp_client, tmp_path):
    api = await start(aiohttp_client)
    missing = str(tmp_path / "nope.har")
    assert_fault(
        await api.put("/_sim/replay", {"path": missing}),
        "itemNotFound",
        404,
        f"Cannot load the recording: no recording at {missing!r}.",
    )


async def test_load_replay_bad_mode_is_bad_request(aiohttp_client, tmp_path):
    path = str(tmp_path / "r.har")
    await record_flavors(aiohttp_client, path)
    api = await start(aiohttp_client)
    assert_fault(
        await api.put("/_sim/replay", {"path": path, "mode": "loose"}),
        "badRequest",
        400,
        "Cannot load the recording: unknown replay mode 'loose': choose from strict, fallthrough.",
    )
    assert_fault(
        await api.put("/_sim/replay", {"path": path, "match": ["verb"]}),
        "badRequest",
        400,
        "Cannot load the recording: unknown matcher(s) verb: choose from method, path, query, body.",
    )


async def test_load_replay_needs_exactly_one_source(aiohttp_client):
    api = await start(aiohttp_client)
    assert_fault(
        await api.put("/_sim/replay", {}),
        "badRequest",
        400,
        "Give exactly one of 'path' (a HAR file on the server) or 'har' (a HAR document).",
    )


async def test_change_replay_without_recording_is_bad_request(aiohttp_client):
    api = await start(aiohttp_client)
    assert_fault(
        await api.patch("/_sim/replay", {"mode": "strict"}), "badRequest", 400, "No recording is being replayed."
    )


async def test_show_recording_returns_the_har_being_made(aiohttp_client):
    api = await start(aiohttp_client)
    await api.put("/_sim/replay", {"record_mode": "all"})
    await api.get("/flavors")
    status, body, _ = await api.get("/_sim/recording")
    assert status == 200
    (entry,) = body["log"]["entries"]
    assert entry["request"]["url"].endswith(f"/v1.0/{ACCOUNT}/flavors")
    assert [h["value"] for h in entry["request"]["headers"] if h["name"] == "X-Auth-Token"] == ["<<token-1>>"]


async def test_show_recording_when_not_recording_is_item_not_found(aiohttp_client):
    api = await start(aiohttp_client)
    assert_fault(await api.get("/_sim/recording"), "itemNotFound", 404, "Nothing is being recorded.")


def test_replay_command_record_modes_set_replay_and_record_paths(tmp_path):
    path = str(tmp_path / "r.har")
    parse = build_parser().parse_args
    fresh = replay_config(parse(["replay", path, "--record-mode", "once"]))
    assert (fresh.replay_path, fresh.record_path) == (None, path)
    (tmp_path / "r.har").write_text('{"log": {"entries": []}}')
    once = replay_config(parse(["replay", path, "--record-mode", "once", "--match", "method,path"]))
    assert (once.replay_path, once.record_path, once.replay_match) == (path, None, ("method", "path"))
    episodes = replay_config(parse(["replay", path, "--record-mode", "new_episodes"]))
    assert (episodes.replay_path, episodes.record_path, episodes.replay_mode) == (path, path, "fallthrough")
    strict = replay_config(parse(["replay", path, "--mode", "fallthrough"]))
    assert (strict.replay_path, strict.record_path, strict.replay_mode, strict.db_path) == (
        path,
        None,
        "fallthrough",
        ":memory:",
    )
