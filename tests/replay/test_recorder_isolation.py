"""The recorder never breaks the server: text that is not UTF-8 is recorded escaped, and a failure to record or to
save is logged and counted while every answer stays the model's and the file catches up."""

from __future__ import annotations

import asyncio
import json
import shutil

from support import ACCOUNT, TOKEN, Api

from simulator import DemoAccount, SimulatorConfig, create_app
from simulator.replay.cassette import Cassette
from simulator.replay.filters import SecretMap
from simulator.replay.har import RecordedRequest, RecordedResponse, json_text, recordable
from simulator.replay.recorder import Recorder


async def start(aiohttp_client, path: str) -> Api:
    app = create_app(SimulatorConfig(seed=5, record_path=path, bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN)))
    return Api(await aiohttp_client(app))


async def raw_get(api: Api, path: str, extra_header: bytes) -> bytes:
    """A GET over a raw socket: HTTP clients refuse to send header bytes that are not UTF-8, aiohttp's server
    takes them (a str holding lone surrogates)."""
    reader, writer = await asyncio.open_connection(api.client.server.host, api.client.server.port)
    writer.write(
        b"GET "
        + path.encode()
        + b" HTTP/1.1\r\nHost: localhost\r\nX-Auth-Token: "
        + TOKEN.encode()
        + b"\r\n"
        + extra_header
        + b"\r\nConnection: close\r\n\r\n"
    )
    await writer.drain()
    answer = await reader.read()
    writer.close()
    return answer


def entries_on_disk(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)["log"]["entries"]


def header(entry: dict, name: str) -> str:
    return next(h["value"] for h in entry["request"]["headers"] if h["name"].lower() == name.lower())


async def test_non_utf8_user_agent_is_recorded_escaped_and_later_requests_answer_normally(aiohttp_client, tmp_path):
    path = str(tmp_path / "session.har")
    api = await start(aiohttp_client, path)
    answer = await raw_get(api, f"/v1.0/{ACCOUNT}/flavors", b"User-Agent: probe\xff\xfe/1.0")
    assert answer.startswith(b"HTTP/1.1 200 OK") and b"application/json" in answer
    for _ in range(2):
        status, body, resp = await api.get("/flavors")
        assert status == 200 and body["flavors"] and resp.content_type == "application/json"
    status, body, _ = await api.post("/instances", {"instance": {"name": "db1", "flavorRef": 1, "volume": {"size": 2}}})
    assert status == 200, body
    _, body, _ = await api.get("/_sim/replay")
    assert body["replay"]["recording"]["interactions"] == 4
    assert body["replay"]["recording"]["failures"] == 0
    entries = entries_on_disk(path)  # saved after every exchange, before the answer went out
    assert [e["request"]["method"] for e in entries] == ["GET", "GET", "GET", "POST"]
    assert header(entries[0], "User-Agent") == "probe\\xff\\xfe/1.0"
    assert (await api.delete("/_sim/replay"))[0] == 204


async def test_a_failing_save_is_counted_and_the_file_catches_up_once_it_can_be_written(aiohttp_client, tmp_path):
    folder = tmp_path / "recordings"
    path = str(folder / "session.har")
    api = await start(aiohttp_client, path)
    assert (await api.get("/flavors"))[0] == 200
    shutil.rmtree(folder)
    folder.write_text("a file where the recording's folder was")  # every save fails now
    for _ in range(2):
        status, body, resp = await api.get("/flavors")
        assert status == 200 and body["flavors"] and resp.content_type == "application/json"
    _, body, _ = await api.get("/_sim/replay")
    recording = body["replay"]["recording"]
    assert recording["interactions"] == 3
    assert recording["failures"] == 2
    assert recording["last_failure"].startswith(f"cannot save {path} (tried again with the next exchange): ")
    folder.unlink()
    folder.mkdir()
    assert (await api.get("/datastores"))[0] == 200
    assert [e["request"]["url"].rsplit("/", 1)[1] for e in entries_on_disk(path)] == [
        "flavors",
        "flavors",
        "flavors",
        "datastores",
    ]
    assert (await api.delete("/_sim/replay"))[0] == 204


def test_an_exchange_that_cannot_be_recorded_is_left_out_and_counted(tmp_path, caplog):
    path = str(tmp_path / "r.har")
    recorder = Recorder(Cassette(path=path), SecretMap())
    broken = {
        "path": "/v1.0/1234/flavors",
        "method": "GET",
        "status": 200,
        "url": "http://localhost/v1.0/1234/flavors",
        "request": {},
        "response": {},
    }
    recorder(broken)  # no headers: the listener must not raise
    assert recorder.failures == 1
    assert recorder.last_failure == "GET /v1.0/1234/flavors not recorded: KeyError: 'headers'"
    assert "recording: GET /v1.0/1234/flavors not recorded" in caplog.text
    good = {
        **broken,
        "time": "2024-01-01T00:00:00",
        "request": {"headers": {"Accept": "application/json"}, "body": b""},
        "response": {"headers": {"Content-Type": "application/json"}, "body": b"{}"},
    }
    recorder(good)
    assert recorder.failures == 1
    assert len(entries_on_disk(path)) == 1


def test_recordable_escapes_bytes_that_are_not_utf8_and_keeps_everything_else():
    undecoded = b"probe\xff\xfe".decode("utf-8", "surrogateescape")
    assert recordable(undecoded) == "probe\\xff\\xfe"
    assert recordable(undecoded, url=True) == "probe%FF%FE"
    assert recordable("lone \ud800 surrogate") == "lone \\ud800 surrogate"
    assert recordable("héllo ✓") == "héllo ✓"
    request = RecordedRequest("GET", "http://h/p?q=" + undecoded, headers=(("User-Agent", undecoded),))
    assert request.url == "http://h/p?q=probe%FF%FE"
    assert request.headers == (("User-Agent", "probe\\xff\\xfe"),)
    assert RecordedResponse(200, reason="OK " + undecoded).reason == "OK probe\\xff\\xfe"


def test_json_text_writes_a_lone_surrogate_as_its_json_escape():
    text = json_text({"note": "lone \ud800", "name": "é"}, 2)
    text.encode("utf-8")  # writable
    assert json.loads(text) == {"note": "lone \ud800", "name": "é"}
