"""HAR 1.2 recordings: the exchange value objects, reading and atomic writing (our metadata in `_cdbsim`)."""

from __future__ import annotations

import base64
import json
import os
import re
import stat
import tempfile
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import NamedTuple
from urllib.parse import parse_qsl, unquote

import msgspec

#: Version of our `_cdbsim` metadata inside the HAR log (the HAR itself is always 1.2).
FORMAT_VERSION = 1
CREATOR = {"name": "cdbsim", "version": "0.1.0"}
#: Headers that describe one connection or one encoding of the body, never the exchange itself.
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "content-length",
    "content-encoding",
}


class HarError(ValueError):
    """A file that is not a HAR 1.2 recording we can read."""


# Text a recording can hold ----------------------------------------------------------------------
#: A lone surrogate: what aiohttp leaves in a str for a header byte that is not UTF-8 (surrogateescape keeps byte
#: 0xNN as U+DCNN), or what a JSON "\ud800" escape gives. Neither can be written as UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _backslash_byte(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def _percent_byte(match: re.Match) -> str:
    code = ord(match.group())
    raw = bytes([code - 0xDC00]) if 0xDC80 <= code <= 0xDCFF else match.group().encode("utf-8", "surrogatepass")
    return "".join(f"%{b:02X}" for b in raw)


def recordable(text: str, *, url: bool = False) -> str:
    """text as it can be written in UTF-8: a byte that was not UTF-8 becomes `\\xNN` (in a URL `%NN`), any other
    lone surrogate `\\uNNNN` (in a URL the `%NN` of its bytes); text without them comes back as it is."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub(_percent_byte if url else _backslash_byte, text)
    return text


def recordable_headers(headers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """Header pairs with every name and value recordable (the same tuple when all are ASCII, the usual case)."""
    for name, value in headers:
        if not (name.isascii() and value.isascii()):
            return tuple((recordable(k), recordable(v)) for k, v in headers)
    return headers


def request_target(url: str) -> tuple[str, tuple[str, str, str]]:
    """url as a recording holds it (only text UTF-8 can hold: a byte that was not UTF-8 must not stop the recording
    being written) and its (origin, path unquoted, query). Faster than urlsplit, which the index feels: the origin
    ends at the first "/", "?" or "#" after "://" (each search bounded by the one before)."""
    if not url.isascii():
        url = recordable(url, url=True)
    start = url.find("://")
    if start >= 0:
        end = url.find("/", start + 3)
        if end < 0:
            end = len(url)
        found = url.find("?", start + 3, end)
        if found >= 0:
            end = found
        found = url.find("#", start + 3, end)
        if found >= 0:
            end = found
        origin, rest = url[:end], url[end:]
    else:
        origin, rest = "", url
    if "#" in rest:
        rest = rest.split("#", 1)[0]
    path, _, query = rest.partition("?")
    if not path:
        path = "/"
    elif "%" in path:
        path = unquote(path)
    return url, (origin, path, query)


class _Message:
    """What a recorded request and response share: headers as pairs and a raw body."""

    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        """The first value of a header (case-insensitive)."""
        lower = name.lower()
        return next((v for k, v in self.headers if k.lower() == lower), None)

    def json(self):
        """The body parsed as JSON, or None when it is empty or not JSON."""
        return parse_json(self.body)


@dataclass(frozen=True)
class RecordedRequest(_Message):
    """One request as recorded (or as it arrives, for matching): the body is raw bytes."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    #: (origin, path unquoted, query) of url, parsed once in __post_init__.
    _split: tuple[str, str, str] = field(init=False, repr=False, compare=False, default=("", "", ""))

    def __post_init__(self) -> None:
        # Parsed once: the cassette index reads path and query of every recorded request.
        url, split = request_target(self.url)
        if url is not self.url:
            object.__setattr__(self, "url", url)
        if self.headers:
            object.__setattr__(self, "headers", recordable_headers(self.headers))
        object.__setattr__(self, "_split", split)

    @property
    def path(self) -> str:
        return self._split[1]

    @property
    def query(self) -> str:
        return self._split[2]

    @property
    def origin(self) -> str:
        return self._split[0]


class RequestLine(NamedTuple):
    """What a request's match key reads, without the rest of a RecordedRequest (the on-disk index makes one for each
    entry of a large recording: a tuple costs a fraction of a frozen dataclass). path and query as request_target
    gives them."""

    method: str
    path: str
    query: str
    body: bytes

    def json(self):
        return parse_json(self.body)


@dataclass(frozen=True)
class RecordedResponse(_Message):
    """One answer as recorded."""

    status: int
    reason: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def __post_init__(self) -> None:
        # An upstream's answer (the recording proxy) may carry header bytes that are not UTF-8 as well.
        if not self.reason.isascii():
            object.__setattr__(self, "reason", recordable(self.reason))
        object.__setattr__(self, "headers", recordable_headers(self.headers))


@dataclass(frozen=True)
class Interaction:
    """A request and the answer it got, with when it happened and our metadata."""

    request: RecordedRequest
    response: RecordedResponse
    started: str = "1970-01-01T00:00:00.000Z"
    time_ms: float = 0.0
    meta: dict = field(default_factory=dict, compare=False)


_decode_json = msgspec.json.Decoder().decode


def parse_json(raw: bytes):
    """Parsed JSON, or None for an empty or non-JSON body. msgspec reads strict JSON (3x faster: a played answer is
    parsed on its first play); what it refuses goes to json, which also reads NaN, a BOM, UTF-16 and lone surrogates,
    so what parses is what json alone parsed."""
    if not raw:
        return None
    try:
        return _decode_json(raw)
    except msgspec.DecodeError:
        pass
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None


# HAR <-> value objects --------------------------------------------------------------------------
def _headers_out(headers) -> list[dict]:
    return [{"name": k, "value": v} for k, v in headers]


def _headers_in(items) -> tuple[tuple[str, str], ...]:
    # HTTP/2 pseudo headers (":authority") from browsers are not headers a replay can send back.
    return tuple((str(h["name"]), str(h["value"])) for h in items or () if not str(h["name"]).startswith(":"))


def _text(body: bytes) -> tuple[str, str | None]:
    """A body as HAR text: UTF-8 when it decodes, else base64 (HAR's `encoding`)."""
    try:
        return body.decode("utf-8"), None
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), "base64"


def _bytes(text: str | None, encoding: str | None) -> bytes:
    if not text:
        return b""
    if encoding == "base64":
        return base64.b64decode(text)
    return text.encode("utf-8")


def _mime(headers) -> str:
    return next((v for k, v in headers if k.lower() == "content-type"), "")


def interaction_to_entry(interaction: Interaction) -> dict:
    """A HAR 1.2 entry (our own fields are `_`-prefixed, as the spec allows)."""
    req, resp = interaction.request, interaction.response
    entry_request = {
        "method": req.method,
        "url": req.url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _headers_out(req.headers),
        "queryString": [{"name": k, "value": v} for k, v in parse_qsl(req.query, keep_blank_values=True)],
        "headersSize": -1,
        "bodySize": len(req.body),
    }
    if req.body:
        text, encoding = _text(req.body)
        post = {"mimeType": _mime(req.headers), "text": text}
        if encoding:
            post["_encoding"] = encoding  # HAR 1.2 has no encoding for postData
        entry_request["postData"] = post
    text, encoding = _text(resp.body)
    content = {"size": len(resp.body), "mimeType": _mime(resp.headers), "text": text}
    if encoding:
        content["encoding"] = encoding
    entry = {
        "startedDateTime": interaction.started,
        "time": interaction.time_ms,
        "request": entry_request,
        "response": {
            "status": resp.status,
            "statusText": resp.reason,
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": _headers_out(resp.headers),
            "content": content,
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": len(resp.body),
        },
        "cache": {},
        "timings": {"send": 0, "wait": interaction.time_ms, "receive": 0},
    }
    if interaction.meta:
        entry["_cdbsim"] = interaction.meta
    return entry


def entry_to_interaction(entry: dict) -> Interaction:
    """The value objects of one HAR entry."""
    try:
        req, resp = entry["request"], entry["response"]
        post = req.get("postData") or {}
        content = resp.get("content") or {}
        status = int(resp["status"])
        return Interaction(
            request=RecordedRequest(
                method=str(req["method"]).upper(),
                url=str(req["url"]),
                headers=_headers_in(req.get("headers")),
                body=_bytes(post.get("text"), post.get("_encoding") or post.get("encoding")),
            ),
            response=RecordedResponse(
                status=status,
                reason=resp.get("statusText") or reason_phrase(status),
                headers=_headers_in(resp.get("headers")),
                body=_bytes(content.get("text"), content.get("encoding")),
            ),
            started=entry.get("startedDateTime") or "1970-01-01T00:00:00.000Z",
            time_ms=float(entry.get("time") or 0),
            meta=dict(entry.get("_cdbsim") or {}),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise HarError(f"not a HAR entry: {exc!r}") from None


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def har_document(entries: list[dict], meta: dict | None = None) -> dict:
    """A whole HAR log around already-encoded entries."""
    log = {
        "version": "1.2",
        "creator": dict(CREATOR),
        "pages": [],
        "entries": entries,
        "_cdbsim": {"version": FORMAT_VERSION, **(meta or {})},
    }
    return {"log": log}


def load_document(document: dict) -> tuple[list[Interaction], dict]:
    """Interactions and our log metadata from a parsed HAR document."""
    if not isinstance(document, dict) or not isinstance(document.get("log"), dict):
        raise HarError("not a HAR file: no 'log' object")
    log = document["log"]
    entries = log.get("entries")
    if not isinstance(entries, list):
        raise HarError("not a HAR file: 'log.entries' is not a list")
    meta = dict(log.get("_cdbsim") or {})
    if int(meta.get("version", FORMAT_VERSION)) > FORMAT_VERSION:
        raise HarError(
            f"recording metadata version {meta['version']} is newer than this cdbsim reads ({FORMAT_VERSION})"
        )
    return [entry_to_interaction(e) for e in entries], meta


def read_har(path: str) -> tuple[list[Interaction], dict]:
    """Interactions and metadata of a HAR file."""
    if not stat.S_ISREG(os.stat(path).st_mode):  # a device or a pipe would be read forever, a directory not at all
        raise HarError(f"{path} is not a regular file")
    try:
        with open(path, encoding="utf-8") as fh:
            document = json.load(fh)
    except ValueError as exc:
        raise HarError(f"{path} is not JSON: {exc}") from None
    return load_document(document)


def json_text(value, indent: int) -> str:
    """JSON text that UTF-8 can hold: characters as they are, unless a lone surrogate is among them (then the
    escapes JSON has for them, which read back as the same text)."""
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = json.dumps(value, indent=indent)
    return text


def encode_entry(entry: dict) -> str:
    """One entry as indented JSON text (cached by callers so a save does not re-encode old entries)."""
    text = json_text(entry, 2)
    return "\n".join("      " + line for line in text.splitlines())


def render_har(encoded_entries: list[str], meta: dict | None = None) -> str:
    """The file text: a HAR document with the pre-encoded entries spliced in."""
    head = json_text(har_document([], meta), 2)
    marker = '"entries": []'
    body = ",\n".join(encoded_entries)
    return head.replace(marker, '"entries": [\n' + body + "\n    ]" if encoded_entries else marker, 1) + "\n"


def write_atomic(path: str, text: str) -> None:
    """Write text to path through a temp file in the same folder and os.replace (never a half file)."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".har", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_har(path: str, interactions: list[Interaction], meta: dict | None = None) -> None:
    """Write interactions as a HAR 1.2 file, atomically."""
    write_atomic(path, render_har([encode_entry(interaction_to_entry(i)) for i in interactions], meta))
