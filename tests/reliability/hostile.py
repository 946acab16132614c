"""Generated hostile input for the bad input sweep: text no UTF-8 store can keep, placed in every string field a
request schema allows and in headers, and a raw HTTP/1.1 sender for header bytes no client library would send."""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass

from simulator.pipeline.body import LONE_SURROGATE, NOT_JSON


@dataclass(frozen=True)
class Hostile:
    """Bytes to put where a JSON string's text goes, and the messages a 400 for them may carry."""

    label: str
    raw: bytes
    messages: frozenset[str]


def _surrogate(label: str, raw: bytes, *escapes: str) -> Hostile:
    return Hostile(label, raw, frozenset(LONE_SURROGATE.format(escape=e) for e in escapes))


def _not_utf8(label: str, raw: bytes) -> Hostile:
    return Hostile(label, raw, frozenset({NOT_JSON}))


#: Escaped lone surrogates (JSON allows them, Unicode does not), the same encoded into the bytes (json.loads lets
#: them through), and bytes that are not UTF-8 at all.
BODY_TEXT = (
    _surrogate("high surrogate", rb"\ud800", "\\ud800"),
    _surrogate("low surrogate", rb"\udfff", "\\udfff"),
    _surrogate("surrogate inside text", rb"name-\uDC80-1", "\\udc80"),
    _surrogate("half a pair", rb"x\ud83d", "\\ud83d"),
    _surrogate("pair in the wrong order", rb"\ude00\ud83d", "\\ude00", "\\ud83d"),
    _surrogate("surrogate encoded as UTF-8", b"\xed\xa0\x80", "\\ud800"),
    _not_utf8("stray byte", b"\xff"),
    _not_utf8("latin-1", b"caf\xe9"),
    _not_utf8("truncated sequence", b"\xe2\x82"),
    _not_utf8("overlong slash", b"\xc0\xaf"),
    _not_utf8("five-byte form", b"\xf8\x88\x80\x80\x80"),
)
#: Header values that are not UTF-8, or that spell a surrogate escape as text.
HEADER_VALUES = (b"\xff", b"tok\xc3(en", b"\xed\xa0\x80", b"\xc0\xaf", b"caf\xe9", b"\x80\x81\xfe", rb"\ud800")
#: Headers a client sends (or a hostile one might): the token, the content type, and the rest.
HEADER_NAMES = (
    "X-Auth-Token",
    "Content-Type",
    "User-Agent",
    "Accept",
    "X-Admin-Token",
    "Authorization",
    "Referer",
    "Cookie",
    "X-Forwarded-For",
    "X-Sweep",
)
_MARK = "@@hostile@@"


def allows_string(schema: dict) -> bool:
    """Whether a JSON schema accepts some string here."""
    kind = schema.get("type")
    if kind == "string" or (isinstance(kind, list) and "string" in kind):
        return True
    if any(isinstance(v, str) for v in schema.get("enum", ())):
        return True
    return any(allows_string(s) for key in ("oneOf", "anyOf", "allOf") for s in schema.get(key, ()))


def _variants(schema: dict) -> list[dict]:
    return [schema] + [v for key in ("oneOf", "anyOf", "allOf") for s in schema.get(key, ()) for v in _variants(s)]


def string_slots(schema: dict, node=None, path: tuple = ()) -> Iterator[tuple]:
    """Every path of a body where its schema allows a string: the fields present in node and the ones it could
    have (objects and lists are made up on the way when node does not hold them)."""
    if len(path) > 8:
        return
    if path and allows_string(schema):
        yield path
    for variant in _variants(schema):
        for key, sub in variant.get("properties", {}).items():
            child = node.get(key) if isinstance(node, dict) else None
            yield from string_slots(sub, child, (*path, key))
        if isinstance(variant.get("items"), dict):
            child = node[0] if isinstance(node, list) and node else None
            yield from string_slots(variant["items"], child, (*path, 0))


def text_leaves(value, path: tuple = ()) -> Iterator[tuple]:
    """The paths of the strings of a JSON value (for bodies whose schema names no fields)."""
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from text_leaves(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from text_leaves(item, (*path, i))


def placed(body, path: tuple, value):
    """A copy of body with value at path, containers made on the way."""
    out = copy.deepcopy(body) if isinstance(body, (dict, list)) else {}
    node = out
    for key, following in itertools.pairwise(path):
        empty: list | dict = [] if isinstance(following, int) else {}
        if isinstance(node, list):
            while len(node) <= key:
                node.append(type(empty)())
            if not isinstance(node[key], type(empty)):
                node[key] = empty
        elif not isinstance(node.get(key), type(empty)):
            node[key] = empty
        node = node[key]
    if isinstance(node, list):
        while len(node) <= path[-1]:
            node.append(None)
    node[path[-1]] = value
    return out


def renamed_key(body, path: tuple):
    """A copy of body whose field at path has the mark in its name (so the hostile text is in a key)."""
    out = placed(body, path, "value-1")
    node = out
    for key in path[:-1]:
        node = node[key]
    node[_MARK + str(path[-1])] = node.pop(path[-1])
    return out


def hostile_bodies(schema: dict, body) -> Iterator[tuple[str, bytes, Hostile]]:
    """(what, raw JSON bytes, hostile text) for each string slot of the schema and each hostile text, in the
    slot's value and in its key."""
    slots = dict.fromkeys([*string_slots(schema, body), *text_leaves(body)])
    for path in slots:
        shaped = [("value", json.dumps(placed(body, path, _MARK)).encode())]
        if isinstance(path[-1], str):
            shaped.append(("key", json.dumps(renamed_key(body, path)).encode()))
        for where, text in shaped:
            for hostile in BODY_TEXT:
                yield (
                    f"{hostile.label} in the {where} at {'.'.join(map(str, path))}",
                    text.replace(_MARK.encode(), hostile.raw),
                    hostile,
                )


class RawClient:
    """HTTP/1.1 requests sent byte for byte over one kept-alive connection (a new one when the server closes it)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def request(
        self, method: str, target: str, headers: list[tuple[str, bytes]], body: bytes = b""
    ) -> tuple[int, dict | str | None]:
        """(status, JSON body, or the text when it is not JSON); status 0 when no answer came."""
        head = [
            f"{method} {target} HTTP/1.1".encode(),
            f"Host: {self.host}:{self.port}".encode(),
            f"Content-Length: {len(body)}".encode(),
        ]
        data = b"\r\n".join(head + [name.encode() + b": " + value for name, value in headers]) + b"\r\n\r\n" + body
        for _ in range(2):  # a kept-alive connection the server had closed gets one retry on a new one
            reader, writer = await self._connection()
            try:
                writer.write(data)
                await writer.drain()
                return await asyncio.wait_for(self._answer(reader), 30)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
        return 0, None

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._conn is None:
            self._conn = await asyncio.open_connection(self.host, self.port)
        return self._conn

    async def _answer(self, reader: asyncio.StreamReader) -> tuple[int, dict | str | None]:
        head = (await reader.readuntil(b"\r\n\r\n")).lower()
        status = int(head.split(b" ", 2)[1])
        fields = dict(line.split(b": ", 1) for line in head.split(b"\r\n")[1:] if b": " in line)
        if fields.get(b"transfer-encoding") == b"chunked":
            payload = b""
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                payload += (await reader.readexactly(size + 2))[:-2]
            await reader.readuntil(b"\r\n")
        else:
            payload = await reader.readexactly(int(fields.get(b"content-length", b"0")))
        if fields.get(b"connection") == b"close":
            await self.close()
        text = payload.decode("utf-8", "replace")
        try:
            return status, json.loads(text) if text else None
        except ValueError:
            return status, text

    async def close(self) -> None:
        if self._conn is not None:
            self._conn[1].close()
            self._conn = None
