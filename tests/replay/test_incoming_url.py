"""The replay matcher sees the same URL text aiohttp's request.url gives, dot segments and escapes included."""

import pytest
from aiohttp.test_utils import make_mocked_request

from simulator.replay import _url


@pytest.mark.parametrize(
    "target",
    [
        "/v1.0/1234/instances?limit=2&marker=a%20b",
        "/v1.0/1234/a/../instances/x",
        "/v1.0/1234/users/a%40b",
        "/p?q=%E2%82%AC&x",
        "/v1.0/1234/./flavors",
    ],
)
def test_incoming_url_is_request_url_as_text(target):
    request = make_mocked_request("GET", target, headers={"Host": "127.0.0.1:8080"})
    assert _url(request) == str(request.url)
