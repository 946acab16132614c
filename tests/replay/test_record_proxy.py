"""`cdbsim record --upstream URL --out FILE`: a recording proxy in front of a service (here the simulator)."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future
from pathlib import Path

import pytest
import requests
from aiohttp import web
from replay.replay_helpers import (
    ACCOUNT,
    PASSWORD,
    advancer,
    load_entries,
    recording_config,
    troveclient_instance_session,
)

from simulator import SimulatorConfig
from simulator.keys import PROXY
from simulator.replay.proxy import create_proxy_app
from simulator.testing import SimulatorServer

#: Every region's endpoint the catalog lists: the configured one (DFW) at /v1.0, the others at their prefix.
REGION_PREFIXES = ["", "/ord", "/iad", "/lon", "/hkg", "/syd"]


class ProxyServer:
    """The recording proxy on a loopback port in a background thread."""

    def __init__(self, upstream: str, out: str) -> None:
        self.upstream, self.out = upstream, out
        self.app: web.Application | None = None

    def __enter__(self) -> ProxyServer:
        ready: Future = Future()
        self._loop = asyncio.new_event_loop()

        def serve():
            asyncio.set_event_loop(self._loop)
            self.app = create_proxy_app(self.upstream, self.out)
            self._runner = web.AppRunner(self.app, access_log=None)
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            self._loop.run_until_complete(site.start())
            ready.set_result(self._runner.addresses[0][1])
            self._loop.run_forever()
            self._loop.run_until_complete(self._runner.cleanup())
            self._loop.close()

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{ready.result(timeout=30)}"
        return self

    def __exit__(self, *exc) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)


@pytest.fixture(scope="module")
def proxied_session(tmp_path_factory):
    """A troveclient session that authenticates through the proxy, whose upstream is a simulator."""
    folder = tmp_path_factory.mktemp("proxy")
    out = str(folder / "proxied.har")
    tokens: list = []
    with SimulatorServer(recording_config(str(folder / "upstream.har"))) as upstream:
        with ProxyServer(upstream.url, out) as proxy:
            answers = troveclient_instance_session(proxy.url, advancer(upstream), tokens)
            assert proxy.app is not None
            routes = dict(proxy.app[PROXY].routes)
        upstream_url = upstream.url
    return out, answers, tokens, upstream_url, proxy.url, routes


def test_record_proxy_client_keeps_talking_through_the_proxy(proxied_session):
    out, _, _, upstream_url, _proxy_url, routes = proxied_session
    entries = load_entries(out)
    assert entries[0]["request"]["url"] == f"{upstream_url}/v2.0/tokens"
    assert len(entries) > 5
    assert all(e["request"]["url"].startswith(upstream_url) for e in entries)
    assert routes == {f"{prefix}/v1.0/{ACCOUNT}": upstream_url for prefix in REGION_PREFIXES}


def test_record_proxy_rewrites_the_catalog_but_records_the_upstream_answer(proxied_session):
    import json

    out, _, _, upstream_url, _, _ = proxied_session
    recorded = json.loads(load_entries(out)[0]["response"]["content"]["text"])
    endpoints = [e["publicURL"] for s in recorded["access"]["serviceCatalog"] for e in s["endpoints"]]
    assert endpoints and set(endpoints) == {f"{upstream_url}{prefix}/v1.0/{ACCOUNT}" for prefix in REGION_PREFIXES}


def test_record_proxy_file_holds_no_secret(proxied_session):
    out, answers, tokens, _, _, _ = proxied_session
    text = Path(out).read_text(encoding="utf-8")
    root_password = next(a[1] for a in answers if isinstance(a, list) and a[:1] == ["root"])
    for secret in (*tokens, PASSWORD, root_password):
        assert secret not in text


def test_record_proxy_recording_replays_to_the_same_client(proxied_session):
    out, recorded_answers, _, _, _, _ = proxied_session
    with SimulatorServer(SimulatorConfig(replay_path=out)) as server:
        answers = troveclient_instance_session(server.url, advancer(server))
    root = next(i for i, a in enumerate(answers) if isinstance(a, list) and a[:1] == ["root"])
    assert answers[:root] + answers[root + 1 :] == recorded_answers[:root] + recorded_answers[root + 1 :]


def test_record_proxy_unreachable_upstream_is_bad_gateway(tmp_path):
    with ProxyServer("http://127.0.0.1:9", str(tmp_path / "x.har")) as proxy:
        resp = requests.get(f"{proxy.url}/v1.0/{ACCOUNT}/flavors")
    assert resp.status_code == 502
    body = resp.json()
    assert list(body) == ["badGateway"] and body["badGateway"]["code"] == 502
    assert body["badGateway"]["message"].startswith(
        f"The upstream http://127.0.0.1:9/v1.0/{ACCOUNT}/flavors could not be reached: "
    )


def test_record_proxy_upstream_must_be_an_http_url():
    with pytest.raises(ValueError, match="--upstream must be an http\\(s\\) URL, not 'ftp://x'"):
        create_proxy_app("ftp://x", None)
