"""PUT /_sim/replay writes recordings only below the recordings directory, and replaces one only when asked to."""

from __future__ import annotations

import os

import pytest
from support import ACCOUNT, TOKEN, Api, assert_fault

from simulator import DemoAccount, SimulatorConfig, create_app
from simulator.replay import engine_of
from simulator.replay.cassette import Cassette
from simulator.serve.cli import build_parser
from simulator.serve.options import config_from_args

OUTSIDE = (
    "is outside the recordings directory {}: recordings are written only below it (serve --recordings-dir "
    "DIR chooses it)."
)


async def start(aiohttp_client, directory=None, **config) -> Api:
    app = create_app(
        SimulatorConfig(
            seed=5,
            bootstrap=DemoAccount(account_id=ACCOUNT, token=TOKEN),
            recordings_dir=None if directory is None else str(directory),
            **config,
        )
    )
    return Api(await aiohttp_client(app))


@pytest.fixture
def rec(tmp_path):
    """The recordings directory (its parent, tmp_path, is outside it)."""
    folder = tmp_path / "rec"
    folder.mkdir()
    return folder


async def record_flavors(aiohttp_client, path) -> None:
    api = await start(aiohttp_client, record_path=str(path))
    await api.get("/flavors")
    await api.client.close()


async def test_a_relative_path_records_below_the_recordings_directory(aiohttp_client, rec):
    api = await start(aiohttp_client, rec)
    status, body, _ = await api.put("/_sim/replay", {"path": "nested/session.har", "record_mode": "all"})
    assert status == 200, body
    assert body["replay"]["recording"]["path"] == str(rec / "nested" / "session.har")
    await api.get("/flavors")
    assert len(Cassette.load(str(rec / "nested" / "session.har"))) == 1


@pytest.mark.parametrize("where", ["../escape.har", "nested/../../escape.har", "ABSOLUTE", "."])
async def test_a_path_outside_the_recordings_directory_is_bad_request(aiohttp_client, rec, where):
    api = await start(aiohttp_client, rec)
    path = str(rec.parent / "escape.har") if where == "ABSOLUTE" else where
    assert_fault(
        await api.put("/_sim/replay", {"path": path, "record_mode": "all"}),
        "badRequest",
        400,
        f"Cannot load the recording: {path!r} " + OUTSIDE.format(rec),
    )
    assert not (rec.parent / "escape.har").exists()
    _, body, _ = await api.get("/_sim/replay")
    assert body["replay"]["recording"] is None


async def test_a_symlink_pointing_out_of_the_recordings_directory_is_bad_request(aiohttp_client, rec):
    target = rec.parent / "elsewhere.har"
    (rec / "link.har").symlink_to(target)
    api = await start(aiohttp_client, rec)
    assert_fault(
        await api.put("/_sim/replay", {"path": "link.har", "record_mode": "all"}),
        "badRequest",
        400,
        "Cannot load the recording: 'link.har' " + OUTSIDE.format(rec),
    )
    assert not target.exists()


async def test_new_episodes_and_once_refuse_to_write_outside_too(aiohttp_client, rec):
    api = await start(aiohttp_client, rec)
    for mode in ("new_episodes", "once"):
        assert_fault(
            await api.put("/_sim/replay", {"path": "../x.har", "record_mode": mode}),
            "badRequest",
            400,
            "Cannot load the recording: '../x.har' " + OUTSIDE.format(rec),
        )
    assert not (rec.parent / "x.har").exists()


async def test_an_existing_recording_is_replaced_only_with_overwrite(aiohttp_client, rec):
    await record_flavors(aiohttp_client, rec / "kept.har")
    before = (rec / "kept.har").read_bytes()
    api = await start(aiohttp_client, rec)
    assert_fault(
        await api.put("/_sim/replay", {"path": "kept.har", "record_mode": "all"}),
        "badRequest",
        400,
        f"Cannot load the recording: 'kept.har' already exists in {rec}: send \"overwrite\": true to replace it.",
    )
    assert (rec / "kept.har").read_bytes() == before
    assert_fault(
        await api.put("/_sim/replay", {"path": "kept.har", "record_mode": "all", "overwrite": "yes"}),
        "badRequest",
        400,
        "Cannot load the recording: 'overwrite' must be true or false.",
    )
    status, _, _ = await api.put("/_sim/replay", {"path": "kept.har", "record_mode": "all", "overwrite": True})
    assert status == 200
    await api.get("/datastores")
    assert [i.request.path for i in Cassette.load(str(rec / "kept.har")).interactions] == [
        f"/v1.0/{ACCOUNT}/datastores"
    ]


async def test_new_episodes_adds_to_its_own_file_without_overwrite(aiohttp_client, rec):
    await record_flavors(aiohttp_client, rec / "grow.har")
    api = await start(aiohttp_client, rec)
    status, body, _ = await api.put("/_sim/replay", {"path": "grow.har", "record_mode": "new_episodes"})
    assert status == 200, body
    await api.get("/datastores")
    assert len(Cassette.load(str(rec / "grow.har"))) == 2


async def test_replay_reads_a_recording_outside_the_recordings_directory(aiohttp_client, rec, tmp_path):
    await record_flavors(aiohttp_client, tmp_path / "elsewhere.har")
    api = await start(aiohttp_client, rec)
    status, body, _ = await api.put("/_sim/replay", {"path": str(tmp_path / "elsewhere.har")})
    assert status == 200, body
    assert (await api.get("/flavors"))[0] == 200


async def test_replay_of_a_directory_or_a_device_is_refused_without_reading_it(aiohttp_client, rec):
    api = await start(aiohttp_client, rec)
    assert_fault(
        await api.put("/_sim/replay", {"path": str(rec)}),
        "badRequest",
        400,
        f"Cannot load the recording: {rec} is not a regular file.",
    )
    assert_fault(
        await api.put("/_sim/replay", {"path": "/dev/zero"}),
        "itemNotFound",
        404,
        "Cannot load the recording: no recording at '/dev/zero'.",
    )  # empty to stat: never read


async def test_the_recordings_directory_is_the_working_directory_by_default(aiohttp_client):
    api = await start(aiohttp_client)
    engine = engine_of(api.app)
    assert engine is not None and engine.recordings_dir == os.path.realpath(os.getcwd())


async def test_serve_record_writes_where_the_person_at_the_terminal_says(aiohttp_client, rec, tmp_path):
    path = tmp_path / "terminal.har"
    path.write_text("an older file")
    api = await start(aiohttp_client, rec, record_path=str(path))
    await api.get("/flavors")
    assert len(Cassette.load(str(path))) == 1


def test_serve_recordings_dir_option_sets_the_config():
    args = build_parser().parse_args(["serve", "--recordings-dir", "recs"])
    assert config_from_args(args).recordings_dir == "recs"
    assert config_from_args(build_parser().parse_args(["serve"])).recordings_dir is None
