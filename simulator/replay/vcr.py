"""Import VCR.py cassettes (YAML, or vcrpy's JSON serializer) as our HAR, secrets scrubbed on the way."""

from __future__ import annotations

import gzip
import json
import os
import zlib
from io import BytesIO

import yaml

from simulator.replay.filters import SecretMap, collect_secrets, scrub
from simulator.replay.har import Interaction, RecordedRequest, RecordedResponse, reason_phrase, write_har

#: The only cassette format vcrpy has written since 1.0.
VCR_FORMAT_VERSION = 1


class CassetteLoader(yaml.SafeLoader):
    """Safe YAML plus the few harmless Python tags vcrpy cassettes contain (str, tuple, BytesIO bodies)."""


def _bytesio(loader, node):
    mapping = loader.construct_mapping(node, deep=True)
    state = mapping.get("state") or (b"",)
    data = state[0] if state else b""
    return BytesIO(data.encode("utf-8") if isinstance(data, str) else (data or b""))


CassetteLoader.add_constructor("tag:yaml.org,2002:python/str", lambda loader, node: loader.construct_scalar(node))
CassetteLoader.add_constructor("tag:yaml.org,2002:python/unicode", lambda loader, node: loader.construct_scalar(node))
CassetteLoader.add_constructor(
    "tag:yaml.org,2002:python/tuple", lambda loader, node: tuple(loader.construct_sequence(node))
)
CassetteLoader.add_constructor("tag:yaml.org,2002:python/object/new:_io.BytesIO", _bytesio)


class VcrError(ValueError):
    """A file that is not a VCR.py cassette we can import."""


def _as_bytes(value) -> bytes:
    if value is None:
        return b""
    if isinstance(value, BytesIO):
        return value.getvalue()
    if isinstance(value, bytes):
        return value
    if isinstance(value, dict):  # response bodies are {"string": ...}
        return _as_bytes(value.get("string"))
    return str(value).encode("utf-8")


def _headers(raw) -> list[tuple[str, str]]:
    """vcrpy keeps each header as a list of values."""
    out = []
    for name, values in (raw or {}).items():
        for value in values if isinstance(values, (list, tuple)) else [values]:
            out.append((str(name), str(value)))
    return out


def _decoded(body: bytes, headers: list[tuple[str, str]]) -> tuple[bytes, list[tuple[str, str]]]:
    """vcrpy keeps a compressed body as it came off the wire; a HAR holds the decoded one."""
    encoding = next((v.lower() for k, v in headers if k.lower() == "content-encoding"), None)
    if not body or encoding not in ("gzip", "deflate"):
        return body, headers
    try:
        body = gzip.decompress(body) if encoding == "gzip" else zlib.decompress(body)
    except (OSError, zlib.error):
        return body, headers
    return body, [(k, v) for k, v in headers if k.lower() not in ("content-encoding", "content-length")]


def load_vcr(path: str) -> list[Interaction]:
    """The interactions of a VCR.py cassette, in recorded order (secrets still in them)."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    try:
        data = json.loads(text) if text.lstrip().startswith("{") else yaml.load(text, Loader=CassetteLoader)
    except (ValueError, yaml.YAMLError) as exc:
        raise VcrError(f"{path} is not a VCR.py cassette: {exc}") from None
    if isinstance(data, list):
        raise VcrError(f"{path} is a pre-1.0 VCR.py cassette; re-record it or run vcrpy's migration first")
    if not isinstance(data, dict) or not isinstance(data.get("interactions"), list):
        raise VcrError(f"{path} is not a VCR.py cassette: no 'interactions' list")
    if data.get("version", VCR_FORMAT_VERSION) != VCR_FORMAT_VERSION:
        raise VcrError(
            f"{path} is a VCR.py cassette of format version {data.get('version')!r}; "
            f"cdbsim imports version {VCR_FORMAT_VERSION}"
        )
    interactions = []
    for n, item in enumerate(data["interactions"], 1):
        try:
            req, resp = item["request"], item["response"]
            status = resp.get("status") or {}
            code = int(status.get("code", 200)) if isinstance(status, dict) else int(status)
            body, headers = _decoded(_as_bytes(resp.get("body")), _headers(resp.get("headers")))
            interactions.append(
                Interaction(
                    request=RecordedRequest(
                        method=str(req["method"]).upper(),
                        url=str(req["uri"]),
                        headers=tuple(_headers(req.get("headers"))),
                        body=_as_bytes(req.get("body")),
                    ),
                    response=RecordedResponse(
                        status=code,
                        reason=(status.get("message") if isinstance(status, dict) else None) or reason_phrase(code),
                        headers=tuple(headers),
                        body=body,
                    ),
                    meta={"imported_from": "vcr"},
                )
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise VcrError(f"{path}: interaction {n} cannot be read: {exc!r}") from None
    return interactions


def import_vcr(path: str, out: str) -> int:
    """Convert a VCR.py cassette to a HAR file (secrets become placeholders); returns the entry count."""
    secrets = SecretMap()
    loaded = load_vcr(path)
    for interaction in loaded:  # all secrets first, so one used before it is issued is caught too
        collect_secrets(interaction, secrets)
    interactions = [scrub(i, secrets) for i in loaded]
    write_har(out, interactions, {"recorded_by": "vcrpy", "imported_from": os.path.basename(path)})
    return len(interactions)
