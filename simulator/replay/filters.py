"""Secrets become stable placeholders before a recording is written, and real values again on playback."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import quote, urlsplit, urlunsplit

from simulator.pipeline.redact import header_kind, map_secrets, mask_text, query_secrets
from simulator.replay.har import Interaction, RecordedRequest, RecordedResponse, parse_json

#: `<<token-1>>`, `<<password-2>>`, `<<apiKey-1>>`: one per distinct secret, numbered per kind.
PLACEHOLDER = re.compile(r"<<([A-Za-z]+)-(\d+)>>")
#: Shorter secrets are only replaced where they stand as a field value, never inside other text.
MIN_FREE_TEXT = 3


def placeholder_kind(text: str) -> str | None:
    """The kind of a whole-string placeholder ('token' for '<<token-1>>'), else None."""
    m = PLACEHOLDER.fullmatch(text) if isinstance(text, str) else None
    return m.group(1) if m else None


class SecretMap:
    """Secret <-> placeholder, both ways, for one recording session (nothing of it is written to disk)."""

    def __init__(self) -> None:
        self.placeholders: dict[str, str] = {}  # secret -> placeholder
        self.values: dict[str, str] = {}  # placeholder -> secret (learned or handed out on playback)
        self.counters: dict[str, int] = {}
        self._pattern: re.Pattern | None = None

    def note_existing(self, text: str) -> None:
        """Continue numbering after the placeholders already in a loaded recording."""
        for kind, number in PLACEHOLDER.findall(text):
            self.counters[kind] = max(self.counters.get(kind, 0), int(number))

    def placeholder(self, kind: str, secret: str) -> str:
        """The placeholder of secret (a new one the first time it is seen)."""
        if placeholder_kind(secret):
            return secret
        known = self.placeholders.get(secret)
        if known:
            return known
        self.counters[kind] = self.counters.get(kind, 0) + 1
        name = f"<<{kind}-{self.counters[kind]}>>"
        self.placeholders[secret] = name
        self.values.setdefault(name, secret)
        self._pattern = None
        return name

    def bind(self, placeholder: str, value: str) -> None:
        """Playback learned the real value of a placeholder (from an incoming request); first binding wins."""
        if not value or placeholder_kind(value) or placeholder in self.values:
            return
        self.values[placeholder] = value
        self.placeholders.setdefault(value, placeholder)
        self._pattern = None

    def value(self, placeholder: str, generate: Callable[[str], str]) -> str:
        """The value to put back for a placeholder, handing out a new one (generate(kind)) when unknown."""
        found = self.values.get(placeholder)
        if found is None:
            found = generate(placeholder_kind(placeholder) or "secret")
            self.values[placeholder] = found
            self.placeholders.setdefault(found, placeholder)
            self._pattern = None
        return found

    # scrubbing text --------------------------------------------------------------------------
    def _free_text_pattern(self) -> re.Pattern | None:
        if self._pattern is None:
            variants: dict[str, str] = {}
            for secret, name in self.placeholders.items():
                if len(secret) < MIN_FREE_TEXT:
                    continue
                for form in {secret, json.dumps(secret)[1:-1], quote(secret, safe="")}:
                    variants.setdefault(form, name)
            if not variants:
                return None
            forms = sorted(variants, key=len, reverse=True)
            # Whole words only, so a short secret never eats part of an unrelated word.
            self._pattern = re.compile(r"(?<![A-Za-z0-9])(" + "|".join(map(re.escape, forms)) + r")(?![A-Za-z0-9])")
            self._variants = variants
        return self._pattern

    def scrub_text(self, text: str) -> str:
        """text with every known secret replaced by its placeholder."""
        pattern = self._free_text_pattern()
        if pattern is None or not text:
            return text
        return pattern.sub(lambda m: self._variants[m.group(1)], text)


# recording --------------------------------------------------------------------------------------
def _collect(value, secrets: SecretMap) -> None:
    """Give a placeholder to every secret field of a JSON value."""
    map_secrets(value, lambda kind, secret: secrets.placeholder(kind, secret))


def _scrub_headers(headers, secrets: SecretMap) -> tuple[tuple[str, str], ...]:
    out = []
    for name, value in headers:
        kind = header_kind(name)
        if kind and value:
            out.append((name, secrets.placeholder(kind, value)))
        else:
            out.append((name, secrets.scrub_text(value)))
    return tuple(out)


def _scrub_body(raw: bytes, secrets: SecretMap) -> bytes:
    """Placeholders in a body; the bytes stay as they were everywhere else."""
    if not raw:
        return raw
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw
    scrubbed = secrets.scrub_text(text)
    parsed = parse_json(scrubbed.encode("utf-8"))
    if parsed is None:  # not JSON (a form, a JSON text cut short): its secrets are found by pattern
        scrubbed = mask_text(scrubbed, secrets.placeholder)
    else:
        leftovers: list[str] = []

        def note(kind: str, secret: str) -> str:
            leftovers.append(secret)
            return secret

        map_secrets(parsed, note)
        if any(not placeholder_kind(s) for s in leftovers):
            # A secret too short to replace in free text: rewrite the JSON with placeholders.
            fixed = map_secrets(parsed, lambda kind, secret: secrets.placeholder(kind, secret))
            return json.dumps(fixed).encode("utf-8")
    return scrubbed.encode("utf-8")


def collect_secrets(interaction: Interaction, secrets: SecretMap) -> None:
    """Give a placeholder to every secret in the interaction: secret headers, credential fields, issued tokens."""
    req, resp = interaction.request, interaction.response
    for name, value in (*req.headers, *resp.headers):
        kind = header_kind(name)
        if kind and value:
            secrets.placeholder(kind, value)
    for kind, value in query_secrets(req.query):  # `?token=...`: the URL is scrubbed as text
        secrets.placeholder(kind, value)
    for body in (req.body, resp.body):
        parsed = parse_json(body)
        if parsed is not None:
            _collect(parsed, secrets)


def scrub(interaction: Interaction, secrets: SecretMap) -> Interaction:
    """The interaction with every secret replaced by its stable placeholder (what may be written to disk)."""
    collect_secrets(interaction, secrets)
    req, resp = interaction.request, interaction.response
    request = RecordedRequest(
        method=req.method,
        url=secrets.scrub_text(req.url),
        headers=_scrub_headers(req.headers, secrets),
        body=_scrub_body(req.body, secrets),
    )
    response = RecordedResponse(
        status=resp.status,
        reason=resp.reason,
        headers=_scrub_headers(resp.headers, secrets),
        body=_scrub_body(resp.body, secrets),
    )
    return replace(interaction, request=request, response=response)


# playback ---------------------------------------------------------------------------------------
def bind_secrets(recorded: RecordedRequest, incoming: RecordedRequest, secrets: SecretMap) -> None:
    """Learn the real values behind the recorded request's placeholders from the matching incoming request."""
    for name, value in recorded.headers:
        if placeholder_kind(value):
            actual = incoming.header(name)
            if actual:
                secrets.bind(value, actual)
    _bind_json(recorded.json(), incoming.json(), secrets)


def _bind_json(recorded, incoming, secrets: SecretMap) -> None:
    if isinstance(recorded, str):
        if placeholder_kind(recorded) and isinstance(incoming, str):
            secrets.bind(recorded, incoming)
    elif isinstance(recorded, dict) and isinstance(incoming, dict):
        for key, value in recorded.items():
            if key in incoming:
                _bind_json(value, incoming[key], secrets)
    elif isinstance(recorded, list) and isinstance(incoming, list):
        for a, b in zip(recorded, incoming, strict=False):
            _bind_json(a, b, secrets)


def restore_text(text: str, secrets: SecretMap, generate: Callable[[str], str], *, in_json: bool) -> str:
    """text with each placeholder replaced by its real (or newly handed-out) value."""

    def put_back(m: re.Match) -> str:
        value = secrets.value(m.group(0), generate)
        return json.dumps(value)[1:-1] if in_json else value

    return PLACEHOLDER.sub(put_back, text)


def restore_response(
    response: RecordedResponse, secrets: SecretMap, generate: Callable[[str], str]
) -> RecordedResponse:
    """The recorded answer with real values where the recording has placeholders."""
    headers = tuple((k, restore_text(v, secrets, generate, in_json=False)) for k, v in response.headers)
    body = response.body
    if body and b"<<" in body:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None:
            body = restore_text(text, secrets, generate, in_json=parse_json(body) is not None).encode("utf-8")
    return replace(response, headers=headers, body=body)


def normalize_secrets(value):
    """A JSON value with every secret (or placeholder) reduced to its kind, so matching ignores secrets."""
    value = map_secrets(value, lambda kind, secret: f"<{kind}>")
    return _placeholders_to_kinds(value)


def _placeholders_to_kinds(value):
    if isinstance(value, str):
        kind = placeholder_kind(value)
        return f"<{kind}>" if kind else value
    if isinstance(value, dict):
        return {k: _placeholders_to_kinds(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_placeholders_to_kinds(v) for v in value]
    return value


# identity answers -------------------------------------------------------------------------------
def point_catalog_at(body, origin: str) -> tuple[object, dict[str, str]]:
    """An identity answer whose service catalog URLs point at origin; also {path prefix: original origin}.

    Both the v2.0 catalog (access.serviceCatalog[].endpoints[].publicURL/internalURL/adminURL) and
    the v3 one (token.catalog[].endpoints[].url) are rewritten; paths are kept.
    """
    routes: dict[str, str] = {}
    if not isinstance(body, dict):
        return body, routes
    catalog = (body.get("access") or {}).get("serviceCatalog") if isinstance(body.get("access"), dict) else None
    if catalog is None and isinstance(body.get("token"), dict):
        catalog = body["token"].get("catalog")
    if not isinstance(catalog, list):
        return body, routes
    body = json.loads(json.dumps(body))  # a copy, so a recorded answer is never changed in place
    catalog = body["access"]["serviceCatalog"] if "access" in body else body["token"]["catalog"]
    for service in catalog:
        for endpoint in (service.get("endpoints") or []) if isinstance(service, dict) else []:
            if not isinstance(endpoint, dict):
                continue
            for key in ("publicURL", "internalURL", "adminURL", "url"):
                url = endpoint.get(key)
                if isinstance(url, str) and "://" in url:
                    parts = urlsplit(url)
                    routes[parts.path.rstrip("/")] = f"{parts.scheme}://{parts.netloc}"
                    new = urlsplit(origin)
                    endpoint[key] = urlunsplit((new.scheme, new.netloc, parts.path, parts.query, parts.fragment))
    return body, routes


def is_identity_answer(body) -> bool:
    """Does this JSON answer carry a service catalog (v2.0 access or v3 token)?"""
    if not isinstance(body, dict):
        return False
    access, token = body.get("access"), body.get("token")
    return (isinstance(access, dict) and "serviceCatalog" in access) or (isinstance(token, dict) and "catalog" in token)
