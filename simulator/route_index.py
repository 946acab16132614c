"""One router index entry for the API's /v1.0/{account_id}/... operations: the path's segments pick the candidate
routes from a dict, where aiohttp's UrlDispatcher would try each operation's resource (a coroutine and a regular
expression each) in table order.

The operations' own resources stay registered on the router as they were (routes(), names, url_for, the OpenAPI
document and the fault rules read them); only the router's index points at an ApiIndex instead of at each of them.
A match is the same as aiohttp's: the first route in table order whose path matches and whose method is the
request's, with the same match_info (values unquoted as aiohttp does) and route; else the methods of every route
whose path matches (the 405's Allow header), and the router tries what comes after in its index."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter

from aiohttp import web
from aiohttp.web_urldispatcher import DynamicResource, ResourceRoute
from yarl import URL

#: aiohttp's pattern for a plain variable ({name}): one non-empty segment without braces.
PLAIN_VARIABLE = DynamicResource.GOOD


def _unquote(value: str) -> str:
    """What aiohttp does to a matched value of the decoded path (%2F and %25 are the only escapes left in it)."""
    return value.replace("%2F", "/").replace("%25", "%") if "%" in value else value


def _picker(indexes: list[int]) -> Callable[[Sequence[str | None]], tuple]:
    """What picks these segments of a path, as a tuple (one C call; an index given once is picked twice, which
    compares and zips the same)."""
    if not indexes:
        return lambda parts: ()
    return itemgetter(*indexes, *indexes) if len(indexes) == 1 else itemgetter(*indexes)


@dataclass(frozen=True)
class Template:
    """One route's path, segment by segment: names for {variables}, strings for the rest; or, when a variable has
    its own regular expression, the resource's compiled pattern (matched on the whole path, as aiohttp does)."""

    order: int
    route: ResourceRoute
    segments: tuple[str | None, ...]  # None: a variable
    names: tuple[str, ...]  # the variables, in path order
    pattern: re.Pattern | None = None
    # derived from segments (__post_init__): the fixed segments and the variables picked by C calls (itemgetter),
    # not a Python loop over the segments
    _fixed: Callable[[Sequence[str | None]], tuple] = field(init=False, repr=False, compare=False)
    _fixed_values: tuple = field(init=False, repr=False, compare=False)
    _variables: Callable[[Sequence[str | None]], tuple] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        fixed = _picker([i for i, want in enumerate(self.segments) if want is not None])
        set_ = object.__setattr__  # a frozen dataclass sets its derived fields so
        set_(self, "_fixed", fixed)
        set_(self, "_fixed_values", fixed(self.segments))
        set_(self, "_variables", _picker([i for i, want in enumerate(self.segments) if want is None]))

    def match(self, path: str, parts: list[str]) -> dict[str, str] | None:
        """The match_info aiohttp's resource gives for this path (parts: path.split("/")), or None."""
        if self.pattern is not None:
            found = self.pattern.fullmatch(path)
            return None if found is None else {k: _unquote(v) for k, v in found.groupdict().items()}
        if len(parts) != len(self.segments) or self._fixed(parts) != self._fixed_values:
            return None
        values = self._variables(parts)
        joined = "".join(values)
        if not all(values) or "{" in joined or "}" in joined:  # a variable is one non-empty segment without braces
            return None
        if "%" in joined:
            return {name: _unquote(value) for name, value in zip(self.names, values, strict=False)}
        return dict(zip(self.names, values, strict=False))  # a lone variable is picked twice (_picker)


def _template(order: int, route: ResourceRoute) -> Template:
    resource = route.resource
    if not isinstance(resource, DynamicResource):
        raise TypeError(f"{resource!r}: ApiIndex takes routes with variables only")
    pattern = resource.get_info()["pattern"]
    segments: list[str | None] = []
    names: list[str] = []
    for part in resource.canonical.split("/"):  # the {name} formatter: a {name:regex} shows as {name}
        if part.startswith("{") and part.endswith("}") and part.count("{") == 1:
            segments.append(None)
            names.append(part[1:-1])
        else:
            segments.append(part)
    plain = pattern.pattern.count(PLAIN_VARIABLE) == len(names) == pattern.groups
    return Template(order, route, tuple(segments), tuple(names), None if plain else pattern)


class ApiIndex(web.AbstractResource):
    """The router's index entry for routes that share a prefix of `depth` segments (/v1.0/{account_id}: 3, the
    empty one before the first slash included): candidates by the path's segment count and its first segment after
    the prefix, then matched in table order. It is in the router's index only, never among its resources."""

    def __init__(self, prefix: str, routes: Iterable[ResourceRoute]) -> None:
        super().__init__(name=None)
        self._prefix = prefix
        self._depth = depth = len(prefix.split("/"))
        templates = [_template(i, route) for i, route in enumerate(routes)]
        if any(len(t.segments) <= depth or t.segments[depth] is None for t in templates):
            raise ValueError(f"every route must have a fixed segment after {prefix}")
        self._patterns = [t for t in templates if t.pattern is not None]
        groups: dict[tuple[int, str | None], list[Template]] = {}
        for t in templates:
            if t.pattern is None:
                groups.setdefault((len(t.segments), t.segments[depth]), []).append(t)
        # a route with its own regular expression may match any count of segments: it joins its first segment's
        # groups, in table order
        self._groups = {
            key: tuple(sorted((*group, *self._lead(key[1])), key=lambda t: t.order)) for key, group in groups.items()
        }
        #: each group's templates by method, in table order
        self._by_method: dict[tuple[int, str | None], dict[str, tuple[Template, ...]]] = {
            key: {m: tuple(t for t in group if t.route.method == m) for m in {t.route.method for t in group}}
            for key, group in self._groups.items()
        }

    def _lead(self, first: str | None) -> tuple[Template, ...]:
        """The routes with their own regular expression whose first segment after the prefix is first."""
        return tuple(t for t in self._patterns if t.segments[self._depth] == first)

    @property
    def canonical(self) -> str:
        return self._prefix

    def url_for(self, **kwargs: str) -> URL:
        raise NotImplementedError("an index entry has no URL: use the operation's own resource (router[name])")

    def add_prefix(self, prefix: str) -> None:
        raise NotImplementedError("ApiIndex serves the application's own router, not a sub-application's")

    def get_info(self) -> dict:  # type: ignore[override]
        return {"prefix": self._prefix, "routes": len({t.order for g in self._groups.values() for t in g})}

    def raw_match(self, path: str) -> bool:
        return False

    def __len__(self) -> int:
        return 0  # its routes are the operations' resources'

    def __iter__(self) -> Iterator[ResourceRoute]:
        return iter(())

    async def resolve(self, request: web.Request) -> tuple[web.UrlMappingMatchInfo | None, set[str]]:
        """aiohttp's answer for the routes in the index: the first matching route for the method, else None and
        the methods the path's routes take."""
        path = request.rel_url.path_safe
        parts = path.split("/")
        depth = self._depth
        if len(parts) <= depth:
            return None, set()
        key = (len(parts), parts[depth])
        group = self._groups.get(key)
        method = request.method
        if group is None:
            group = self._lead(parts[depth])
            candidates = tuple(t for t in group if t.route.method == method)
        else:
            candidates = self._by_method[key].get(method, ())
        # the first route in table order whose path matches among those of the method: only those are matched
        # (a path's routes are one template each, GET, PUT, DELETE...)
        for template in candidates:
            match = template.match(path, parts)
            if match is not None:
                return web.UrlMappingMatchInfo(match, template.route), set()
        allowed = {t.route.method for t in group if t.match(path, parts) is not None}
        return None, allowed


def index_api(router: web.UrlDispatcher, prefix: str, names: Iterable[str]) -> ApiIndex:
    """Point the router's index at one ApiIndex for the named routes (all under prefix, registered in table order),
    in the place the first of them held, so the routes indexed after them are still tried after them."""
    resources = [router[name] for name in names]
    routes: list[ResourceRoute] = []
    for resource in resources:
        for route in resource:
            if not isinstance(route, ResourceRoute):
                raise TypeError(f"{route!r}: ApiIndex takes a resource's own routes")
            routes.append(route)
    index = ApiIndex(prefix, routes)
    for resource in resources:
        router.unindex_resource(resource)
    router.index_resource(index)
    return index
