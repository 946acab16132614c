"""The API's index entry (route_index.ApiIndex) resolves every path and method as aiohttp's router resolves them
through the operations' own resources: the same route, match_info, 404 or 405 with the same Allow header."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from yarl import URL

from simulator.route_index import ApiIndex, index_api
from simulator.routes import API, API_NAMES, OPERATIONS, ROUTES, TROVE_ONLY

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
ODD_VALUES = ("x", "a%2Fb", "100%25", "caf\u00e9", "{x}", "versions", "instances")


def routers() -> tuple[web.UrlDispatcher, web.UrlDispatcher]:
    """aiohttp's own router over the table, and the same with the API's index entry (as setup_routes builds it)."""
    plain, indexed = web.UrlDispatcher(), web.UrlDispatcher()
    plain.add_routes(ROUTES)
    plain.add_routes(TROVE_ONLY)
    indexed.add_routes(ROUTES)
    index_api(indexed, API, API_NAMES)
    indexed.add_routes(TROVE_ONLY)
    return plain, indexed


def sample_paths() -> list[str]:
    """Every operation's path with its variables filled in several ways, plus paths near them."""
    paths = set()
    for op in OPERATIONS:
        variables = op.path.count("{")
        mixed = ("y",) + ("x",) * (variables - 1) if variables else ()
        for values in [(value,) * variables for value in ODD_VALUES[:3]] + [mixed]:
            path = op.path
            for value in values:
                start = path.index("{")
                path = path[:start] + value + path[path.index("}", start) + 1 :]
            paths.update({path, path + "/", path + "/extra", path.rsplit("/", 1)[0] + "/{x}"})
    for value in ODD_VALUES:
        paths.update(
            {
                f"/v1.0/1234/instances/{value}",
                f"/v1.0/1234/datastores/versions/{value}",
                f"/v1.0/1234/datastores/{value}/versions",
                f"/v1.0/1234/ha/h1/acls/10.0.0.0/{value}",
                f"/v1.0/{value}/instances",
                f"/v1.0/1234/{value}",
                f"/v1.0/1234/{value}/1/2/3/4/5/6/7",
            }
        )
    paths.update({"/v1.0", "/v1.0/", "/v1.0//instances", "/v1.0/1234", "/v1.0/1234/", "/v1.0/1234/ha/h1/acls/"})
    paths.update({"/v1.0/1234/clusters", "/v1.0/1234/instances/x/log", "/v1.0/1234/mgmt/instances/x/y"})
    return sorted(paths)


def routed(method: str, path: str):
    """What a router reads of a request (make_mocked_request's 2 ms each would make this test 20 s)."""
    return SimpleNamespace(method=method, rel_url=URL(path))


async def resolved(router: web.UrlDispatcher, request) -> tuple:
    info = await router.resolve(request)
    if info.http_exception is not None:
        return info.http_exception.status, info.http_exception.headers.get("Allow")
    return info.route.name, info.route.method, dict(info), info.route.handler


async def test_the_index_resolves_every_path_and_method_as_aiohttp_does() -> None:
    plain, indexed = routers()
    paths = sample_paths()
    assert len(paths) > 300
    for path, method in itertools.product(paths, METHODS):
        request = routed(method, path)
        assert await resolved(indexed, request) == await resolved(plain, request), (method, path)


async def test_the_index_answers_a_get_instance_with_its_route_and_values() -> None:
    _, indexed = routers()
    info = await indexed.resolve(make_mocked_request("GET", "/v1.0/1234/instances/a%2Fb"))
    assert info.route.name == "show_instance"
    assert dict(info) == {"account_id": "1234", "instance_id": "a/b"}


def test_the_router_still_lists_and_names_every_operation() -> None:
    plain, indexed = routers()
    assert [r.name for r in indexed.routes()] == [r.name for r in plain.routes()]
    assert not any(isinstance(r, ApiIndex) for r in indexed.resources())
    assert str(indexed["show_instance"].url_for(account_id="1", instance_id="i")) == "/v1.0/1/instances/i"


def test_a_route_without_a_fixed_segment_after_the_prefix_is_refused() -> None:
    router = web.UrlDispatcher()

    async def handler(request: web.Request) -> web.Response:
        return web.Response()

    router.add_get(API + "/{anything}", handler, name="anything")
    with pytest.raises(ValueError, match="fixed segment after"):
        index_api(router, API, ["anything"])
