"""A large HAR recording kept on disk: one pass finds each entry's offset and request, an entry is read on a hit."""

from __future__ import annotations

import mmap
import os
import re
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import msgspec

from simulator.replay.har import (
    FORMAT_VERSION,
    HarError,
    Interaction,
    RequestLine,
    _bytes,
    entry_to_interaction,
    request_target,
)
from simulator.replay.matchers import key_function

#: How many interactions read from disk are kept in memory (the most recent; about 2 KB each).
KEEP = 16_384
_decode = msgspec.json.Decoder().decode
#: Whitespace and the comma between two entries of the entries array.
_BETWEEN = re.compile(rb"[ \t\r\n]*,?[ \t\r\n]*")
#: A placeholder as it stands in the file's bytes (filters.PLACEHOLDER, on bytes); an escaped "<" (which could hide
#: one from that search). Two patterns: each keeps re's fast search for its literal start.
_PLACEHOLDER = re.compile(rb"<<[A-Za-z]+-\d+>>")
_ESCAPED_LT = re.compile(rb"\\u003[cC]")


class _Post(msgspec.Struct, gc=False):
    text: str | None = None
    encoding: str | None = None
    underscore_encoding: str | None = msgspec.field(default=None, name="_encoding")


class _Request(msgspec.Struct, gc=False):
    method: str
    url: str
    postData: _Post | None = None  # HAR spells it so


class _Head(msgspec.Struct, gc=False):
    """What the index needs of an entry: its request line and body (the answer stays on disk)."""

    request: _Request


class _Log(msgspec.Struct, gc=False):
    entries: list[msgspec.Raw]
    meta: dict | None = msgspec.field(default=None, name="_cdbsim")


class _Document(msgspec.Struct, gc=False):
    log: _Log


def _positions(found: dict, h: int, i: int) -> None:
    """Add position i under h (one position is held as an int, more as a list: most keys occur once)."""
    held = found.get(h)
    if held is None:
        found[h] = i
    elif isinstance(held, list):
        held.append(i)
    else:
        found[h] = [held, i]


def _as_list(held) -> list[int]:
    return [] if held is None else held if isinstance(held, list) else [held]


class DiskIndex:
    """Where each entry of a HAR file lies and the hashes of its match key and route (the entries stay on disk).

    Entries whose keys hash alike hold the same key (a file where two keys collide is not indexed this way), so a
    request's candidates are right once one of them is seen to carry the request's key."""

    def __init__(self, count: int) -> None:
        self.offsets = array("q")
        self.lengths = array("q")
        self.keys: dict[int, int | list[int]] = {}
        self.routes: dict[int, int | list[int]] = {}
        self.methods: dict[str, array] = {}
        self.count = count

    def positions(self, key: tuple) -> list[int]:
        """The entries whose match key hashes like key (in recorded order)."""
        return _as_list(self.keys.get(hash(key)))

    def route(self, method: str, path: str) -> list[int]:
        return _as_list(self.routes.get(hash((method, path))))

    def method(self, method: str) -> Sequence[int]:
        return self.methods.get(method, ())


@dataclass
class Scan:
    """One pass over a HAR file: the index of its entries, its metadata and the placeholders it uses."""

    index: DiskIndex
    meta: dict
    placeholders: str
    stat: os.stat_result
    fd: int


def scan_har(path: str, match_on: tuple[str, ...]) -> Scan | None:
    """The entries of the HAR file at path indexed without reading their answers, or None when this quick reading
    cannot vouch for the file (then the full reader reads it and says what is wrong, as it always did)."""
    fd = os.open(path, os.O_RDONLY)  # kept open: entries are read from the file as it was scanned
    scan = None
    try:
        stat = os.fstat(fd)
        if stat.st_size > 0:
            with mmap.mmap(fd, 0, access=mmap.ACCESS_READ) as buf:
                try:
                    scan = _scan(buf, stat, match_on, fd)
                except (msgspec.DecodeError, msgspec.ValidationError, ValueError):
                    scan = None
    finally:
        if scan is None:
            os.close(fd)
    return scan


def _line(raw: msgspec.Raw, head) -> RequestLine:
    """What the match key of the entry raw reads (head: the decoder of an entry's request line and body)."""
    req = head(raw).request
    post = req.postData
    body = _bytes(post.text, post.underscore_encoding or post.encoding) if post is not None else b""
    _, (_, path, query) = request_target(req.url)
    return RequestLine(req.method.upper(), path, query, body)


def _scan(buf: mmap.mmap, stat: os.stat_result, match_on: tuple[str, ...], fd: int) -> Scan | None:
    document = msgspec.json.decode(buf, type=_Document)
    raws = document.log.entries
    meta = dict(document.log.meta or {})
    if int(meta.get("version", FORMAT_VERSION)) > FORMAT_VERSION:
        return None
    index = DiskIndex(len(raws))
    # key hash -> the key of its first entry, for the hashes more than one entry has: each later entry's key is
    # compared with it, so two keys that hash alike are told apart (a hash seen once needs no key kept)
    firsts: dict[int, tuple] = {}
    head = msgspec.json.Decoder(_Head).decode
    position = buf.find(bytes(raws[0])) if raws else 0
    between = _BETWEEN.match
    key_of = key_function(match_on)
    offsets, lengths, keys, routes, methods = index.offsets, index.lengths, index.keys, index.routes, index.methods
    method, by_method = None, array("q")
    for i, raw in enumerate(raws):
        size = len(raw)
        end = position + size
        if buf[position] != 0x7B or buf[end - 1] != 0x7D:  # "{" and "}"
            return None  # not where the entries' order says it must be: let the full reader read it
        offsets.append(position)
        lengths.append(size)
        request = _line(raw, head)
        key = key_of(request)
        h = hash(key)
        held = keys.get(h)
        if held is None:
            keys[h] = i
        else:
            first_key = firsts.get(h)
            if first_key is None:
                first = held if isinstance(held, int) else held[0]
                first_key = firsts[h] = key_of(_line(raws[first], head))
            if first_key != key:
                return None
            _positions(keys, h, i)
        h = hash((request.method, request.path))
        if h in routes:
            _positions(routes, h, i)
        else:
            routes[h] = i
        if request.method != method:
            method = request.method
            by_method = methods.setdefault(method, array("q"))
        by_method.append(i)
        # the next entry: after a comma (compact JSON), else after whitespace and a comma
        gap = None if buf[end : end + 2] == b",{" else between(buf, end)
        position = end + 1 if gap is None else gap.end()
    del raws, document, firsts
    if _ESCAPED_LT.search(buf):
        return None  # it may hide a placeholder from the byte search: let the full reader read the file
    placeholders = " ".join(sorted(m.decode() for m in set(_PLACEHOLDER.findall(buf))))
    return Scan(index, meta, placeholders, stat, fd)


class DiskEntries(Sequence[Interaction]):
    """The interactions of a HAR file, each read from disk when asked for (the most recent kept in memory);
    interactions appended later (a recording into this cassette) are held in memory."""

    def __init__(self, path: str, scan: Scan) -> None:
        self.path = path
        self._fd = scan.fd  # the file as it was scanned, even if a save replaces it
        self._offsets = scan.index.offsets
        self._lengths = scan.index.lengths
        self._stat = (scan.stat.st_ino, scan.stat.st_size, scan.stat.st_mtime_ns)
        self._kept: dict[int, Interaction] = {}
        self._added: list[Interaction] = []

    def __len__(self) -> int:
        return len(self._offsets) + len(self._added)

    def __getitem__(self, i):
        if type(i) is int:  # a hit: the entry is usually kept already
            found = self._kept.get(i)
            if found is not None:
                return found
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        on_disk = len(self._offsets)
        if i >= on_disk:
            return self._added[i - on_disk]
        found = self._kept.get(i)
        if found is None:
            if len(self._kept) >= KEEP:
                self._kept.clear()
            found = self._kept[i] = self._read(i)
        return found

    def __iter__(self) -> Iterator[Interaction]:
        for i in range(len(self)):
            yield self[i]

    def append(self, interaction: Interaction) -> None:
        self._added.append(interaction)

    def _read(self, i: int) -> Interaction:
        stat = os.fstat(self._fd)
        if (stat.st_ino, stat.st_size, stat.st_mtime_ns) != self._stat:
            raise HarError(f"{self.path} changed on disk since it was loaded: load the recording again")
        raw = os.pread(self._fd, self._lengths[i], self._offsets[i])
        try:
            entry = _decode(raw)
        except msgspec.DecodeError as exc:
            raise HarError(f"{self.path}: entry #{i + 1} is not JSON: {exc}") from None
        return entry_to_interaction(entry)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __del__(self) -> None:
        self.close()
