"""recordings/restore-backup.har: the seed page's Restore backup exchange, replayed byte for byte."""

from __future__ import annotations

import json

from support import SEED_REQUEST_BODY

from simulator import SimulatorConfig, create_app
from simulator.replay.har import read_har
from simulator.shipped import SEED_RECORDING

SEED_HAR = str(SEED_RECORDING)  # shipped in the package; the top-level recordings/ folder in a checkout

#: The request and response bodies exactly as restore-backup.rst shows them.
SEED_REQUEST = SEED_REQUEST_BODY
SEED_RESPONSE = """{
    "instance": {
        "created": "2014-02-13T21:47:16",
        "datastore": {
            "type": "mysql",
            "version": "5.6"
        },
        "flavor": {
            "id": "1",
            "links": [
                {
                    "href": "https://ord.databases.api.rackspacecloud.com/v1.0/1234/flavors/1",
                    "rel": "self"
                },
                {
                    "href": "https://ord.databases.api.rackspacecloud.com/flavors/1",
                    "rel": "bookmark"
                }
            ]
        },
        "hostname": "e09ad9a3f73309469cf1f43d11e79549caf9acf2.rackspaceclouddb.com",
        "id": "1e9c84df-4443-4f39-9498-5ab7c14a3bb4",
        "links": [
            {
                "href": "https://ord.databases.api.rackspacecloud.com/v1.0/1234/instances/1e9c84df-4443-4f39-9498-5ab7c14a3bb4",
                "rel": "self"
            },
            {
                "href": "https://ord.databases.api.rackspacecloud.com/instances/1e9c84df-4443-4f39-9498-5ab7c14a3bb4",
                "rel": "bookmark"
            }
        ],
        "name": "json_restore",
        "status": "BUILD",
        "updated": "2014-02-13T21:47:16",
        "volume": {
            "size": 2
        }
    }
}"""
SEED_TOKEN = "87c6033c-9ff6-405f-943e-2deb73f278b7"


async def test_replay_seed_recording_returns_the_seed_status_and_body_byte_for_byte(aiohttp_client):
    client = await aiohttp_client(create_app(SimulatorConfig(replay_path=SEED_HAR)))
    resp = await client.post(
        "/v1.0/1234/instances",
        data=SEED_REQUEST,
        headers={
            "User-Agent": "python-troveclient",
            "X-Auth-Token": SEED_TOKEN,
            "Accept": "application/json",
            "Content-Type": "application/json",
        },
    )
    assert resp.status == 200
    assert resp.reason == "OK"
    assert await resp.read() == SEED_RESPONSE.encode()
    assert resp.headers["Content-Type"] == "application/json"
    assert resp.headers["Via"] == "1.1 Repose (Repose/2.6.7)"
    assert resp.headers["Date"] == "Thu, 13 Feb 2014 21:47:17 GMT"
    assert resp.headers["Server"] == "Jetty(8.0.y.z-SNAPSHOT)"


async def test_replay_seed_recording_matches_the_same_body_sent_compactly(aiohttp_client):
    client = await aiohttp_client(create_app(SimulatorConfig(replay_path=SEED_HAR)))
    resp = await client.post(
        "/v1.0/1234/instances", json=json.loads(SEED_REQUEST), headers={"X-Auth-Token": "any-token"}
    )
    assert resp.status == 200
    assert await resp.read() == SEED_RESPONSE.encode()


def test_seed_recording_holds_the_seed_exchange_with_its_headers_and_no_token():
    (entry,), _meta = read_har(SEED_HAR)
    assert entry.request.method == "POST"
    assert entry.request.url == "https://ord.databases.api.rackspacecloud.com/v1.0/1234/instances"
    assert entry.request.body == SEED_REQUEST.encode()
    assert [k for k, _ in entry.request.headers] == ["User-Agent", "Host", "X-Auth-Token", "Accept", "Content-Type"]
    assert entry.request.header("X-Auth-Token") == "<<token-1>>"
    assert entry.response.body == SEED_RESPONSE.encode()
    assert [k for k, _ in entry.response.headers] == ["Content-Type", "Via", "Content-Length", "Date", "Server"]
    with open(SEED_HAR, encoding="utf-8") as fh:
        assert SEED_TOKEN not in fh.read()
