"""What the sandbox trusts about a request before any layer acts on it: the Host it was sent to (against DNS
rebinding: every route, the API included) and, for a call that changes state, that a page of another site did not
send it (against CSRF: the /_sim/ control plane and its dashboard).

The rules (docs/security.md says why each holds):

- Host: a loopback name (`localhost`, `127.x.x.x`, `[::1]`, any port), the host of `--public-url`, or a name given
  with `--allowed-host` / CDBSIM_ALLOWED_HOSTS (`*` allows any, which gives up the defence); anything else is a 400.
- Cross-site: a state-changing control call is refused when `Sec-Fetch-Site` says `cross-site` or `same-site`, or
  when `Origin` is present and is not this server's own origin.
- Not a simple request: it must carry a Content-Type a page cannot send without a CORS preflight (anything but the
  three CORS-safelisted types: `application/json`, `application/yaml`, ...; the sandbox answers no preflight) or the
  `X-Cdbsim` header (likewise); a browser's own form post passes only when the browser itself says it is
  same-origin (`Sec-Fetch-Site: same-origin`, or an `Origin` equal to this server's). A request with neither
  `Origin` nor `Sec-Fetch-Site` comes from no browser (every browser sends `Origin` on a POST, PUT, PATCH or
  DELETE another page makes, and current ones `Sec-Fetch-Site` on every request): curl, scripts and the CLI need
  nothing more.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from urllib.parse import urlsplit

from aiohttp import web

from simulator.errors import BadRequest, Forbidden
from simulator.http import fault_response
from simulator.keys import CONFIG

#: The custom header a non-browser client may send instead of a JSON content type (any value).
PROOF_HEADER = "X-Cdbsim"
#: The environment variable that adds allowed hosts (comma-separated; `*` allows any).
ALLOWED_HOSTS_ENV = "CDBSIM_ALLOWED_HOSTS"
#: The content types a page may send to another origin without a preflight (the Fetch standard's safelist).
SIMPLE_CONTENT_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"})
#: Methods that never change state.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: The header values browsers set on a request a page of another site made.
FOREIGN_FETCH_SITES = frozenset({"cross-site", "same-site"})
#: Headers a reverse proxy adds: with one of them, a loopback peer is the proxy, not the user.
FORWARDING_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Real-IP")

UNKNOWN_HOST = (
    "The Host header names {host}, which this sandbox does not answer to (it answers to localhost, 127.0.0.1, "
    "[::1], the --public-url host and --allowed-host names): start it with --allowed-host NAME to allow it."
)
CROSS_SITE = "The /_sim/ control plane and the dashboard refuse state-changing requests from another site's pages."
SIMPLE_REQUEST = (
    f"A state-changing /_sim/ call must send Content-Type: application/json (any type but a form's or "
    f"text/plain) or the {PROOF_HEADER} header (e.g. '{PROOF_HEADER}: 1'), so that no other site's page can send it."
)


def host_name(host: str) -> str:
    """The name of a Host header value without its port, lower case ('[::1]:8779' -> '[::1]')."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return (host.rsplit(":", 1)[0] if host.count(":") == 1 else host).rstrip(".")


def is_loopback_name(name: str) -> bool:
    """localhost, a 127.0.0.0/8 address or [::1]."""
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts(public_url: str | None, extra: tuple[str, ...]) -> frozenset[str] | None:
    """The names besides loopback a request may be addressed to; None when any is allowed ('*')."""
    names = {host_name(name) for name in extra if name.strip()}
    if "*" in names:
        return None
    if public_url:
        public = urlsplit(public_url).hostname
        if public:
            names.add(host_name(f"[{public}]" if ":" in public else public))
    return frozenset(names)


def host_allowed(request: web.Request, allowed: frozenset[str] | None) -> bool:
    """The request's Host names this server (no Host header at all: an HTTP/1.0 client, never a browser)."""
    if allowed is None:
        return True
    host = request.headers.get("Host")
    if host is None:
        return True
    name = host_name(host)
    return is_loopback_name(name) or name in allowed


def host_check(allowed: frozenset[str] | None) -> Callable[[web.Request], web.StreamResponse | None]:
    """The pipeline's first step (journal_middleware runs it before anything else): a request addressed to a name
    this server does not answer to gets a 400 (the answer returned), before the journal, a fault rule or a handler
    sees it; None lets it through."""

    #: Host header value -> allowed, as first worked out: clients send the same Host on every request, and the
    #: parse costs ~3 us; kept small, so hostile names cannot grow it.
    known: dict[str | None, bool] = {}

    def refuse_unknown_host(request: web.Request) -> web.StreamResponse | None:
        host = request.headers.get("Host")
        ok = known.get(host)
        if ok is None:
            ok = host_allowed(request, allowed)
            if len(known) >= 64:
                known.clear()
            known[host] = ok
        if ok:
            return None
        shown = repr(request.headers.get("Host", "")[:100])
        return fault_response(BadRequest(UNKNOWN_HOST.format(host=shown)))

    return refuse_unknown_host


def own_origins(request: web.Request) -> set[str]:
    """The origins this server's own pages have: as the browser reached it, and the public URL's."""
    origins = {f"{request.scheme}://{request.host}".lower()}
    public = request.config_dict[CONFIG].public_url
    if public:
        parts = urlsplit(public)
        origins.add(f"{parts.scheme}://{parts.netloc}".lower())
    return origins


def is_cross_site(request: web.Request) -> bool:
    """A browser says a page of another site (or an opaque origin) made the request."""
    if request.headers.get("Sec-Fetch-Site", "").lower() in FOREIGN_FETCH_SITES:
        return True
    origin = request.headers.get("Origin")
    return origin is not None and origin.lower() not in own_origins(request)


def proves_not_simple(request: web.Request) -> bool:
    """The request is one a page of another site could not send without a preflight (answered by nobody), or the
    browser itself says this origin's page sent it."""
    content_type = request.headers.get("Content-Type")
    if PROOF_HEADER in request.headers:
        return True
    if "Origin" not in request.headers and "Sec-Fetch-Site" not in request.headers:
        return True  # not a browser's request: no page could have made it
    if content_type is not None and content_type.split(";")[0].strip().lower() not in SIMPLE_CONTENT_TYPES:
        return True
    if request.headers.get("Sec-Fetch-Site", "").lower() == "same-origin":
        return True
    origin = request.headers.get("Origin")
    return origin is not None and origin.lower() in own_origins(request)


def check_not_cross_site(request: web.Request) -> None:
    """403 for a state-changing request a page of another site sent or could have sent."""
    if request.method in SAFE_METHODS:
        return
    if is_cross_site(request):
        raise Forbidden(CROSS_SITE)
    if not proves_not_simple(request):
        raise Forbidden(SIMPLE_REQUEST)


def is_forwarded(request: web.Request) -> bool:
    """A reverse proxy relayed the request (its peer address is the proxy's, not the user's)."""
    return any(name in request.headers for name in FORWARDING_HEADERS)
