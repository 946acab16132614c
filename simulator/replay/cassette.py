"""A recording: an index for O(1) lookup, play counts, recorded order, record modes, closest miss (a large
recording's entries stay on disk until played)."""

from __future__ import annotations

import itertools
import os
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum

from simulator.replay.har import (
    Interaction,
    RecordedRequest,
    encode_entry,
    interaction_to_entry,
    read_har,
    render_har,
    write_atomic,
)
from simulator.replay.matchers import DEFAULT_MATCH_ON, MATCHERS, differences, request_key, validate_match_on
from simulator.replay.ondisk import DiskEntries, DiskIndex, scan_har

#: How many recorded requests a miss report compares at most (a miss may scan; a hit never does).
CLOSEST_LIMIT = 2000
#: A recording file larger than this is indexed where it lies: its answers are read from disk when played.
ON_DISK_ABOVE = 8 << 20
#: How many keys' positions on disk are kept once looked up (a hit then costs no second look at the entry).
KEYS_KEPT = 16_384


class RecordMode(str, Enum):
    """How a recording grows, as VCR.py users know it."""

    #: Record when the file does not exist yet; once it exists, replay only (a new request is a miss).
    ONCE = "once"
    #: Replay what the recording has; send everything else on (model or upstream) and add it to the recording.
    NEW_EPISODES = "new_episodes"
    #: Replay only; never write (a new request is a miss).
    NONE = "none"
    #: Record everything again; replay nothing.
    ALL = "all"


def validate_record_mode(value) -> RecordMode:
    """The RecordMode for a string; a misspelt mode fails loudly instead of acting like another one."""
    try:
        return RecordMode(value)
    except ValueError:
        raise ValueError(
            f"unknown record mode {value!r}: choose from {', '.join(m.value for m in RecordMode)}"
        ) from None


@dataclass
class Miss:
    """A request the recording cannot answer, and the recorded request closest to it."""

    request: RecordedRequest
    closest: int | None = None
    closest_request: RecordedRequest | None = None
    differences: list[tuple[str, str]] = field(default_factory=list)
    exhausted: int = 0  # > 0: this many recorded answers matched, and all were already played

    def message(self) -> str:
        """What a person needs to fix the test or the recording."""
        what = f"{self.request.method} {self.request.path}" + (f"?{self.request.query}" if self.request.query else "")
        if self.exhausted:
            return (
                f"All {self.exhausted} recorded answer(s) to {what} were already played; the recording has "
                f"no further answer for this request."
            )
        rec = self.closest_request
        if self.closest is None or rec is None:
            return f"No recorded request matches {what}: the recording is empty."
        shown = f"{rec.method} {rec.path}" + (f"?{rec.query}" if rec.query else "")
        differed = "; ".join(f"{name} ({how})" for name, how in self.differences)
        return (
            f"No recorded request matches {what}. Closest recorded request: #{self.closest + 1} {shown}; "
            f"matchers that differed: {differed}."
        )

    def as_dict(self) -> dict:
        rec = self.closest_request
        return {
            "method": self.request.method,
            "path": self.request.path,
            "query": self.request.query,
            "closest": None
            if self.closest is None or rec is None
            else {"index": self.closest + 1, "method": rec.method, "path": rec.path, "query": rec.query},
            "differed": [{"matcher": n, "difference": d} for n, d in self.differences],
            "exhausted": self.exhausted,
            "message": self.message(),
        }


class Cassette:
    """Interactions in recorded order, indexed by their match key; each recorded answer plays once by default."""

    def __init__(
        self,
        interactions=(),
        *,
        match_on=DEFAULT_MATCH_ON,
        path: str | None = None,
        meta: dict | None = None,
        allow_playback_repeats: bool = False,
    ) -> None:
        self.match_on = validate_match_on(match_on)
        self.path = path
        self.meta = dict(meta or {})
        self.allow_playback_repeats = allow_playback_repeats
        self.interactions: list[Interaction] | DiskEntries = []
        self.play_counts: list[int] = []
        self._encoded: list[str | None] = []
        self._disk: DiskIndex | None = None  # the index of a recording whose entries stay on disk
        self._disk_keys: dict[tuple, list[int]] = {}  # key -> its positions, once looked up on disk
        self._on_disk = 0  # the first this many interactions are read from the file when asked for
        self._placeholders = ""  # the placeholders those use
        self._index: dict[tuple, list[int]] = {}
        self._cursor: dict[tuple, int] = {}
        self._by_route: dict[tuple[str, str], list[int]] = {}
        self._by_method: dict[str, list[int]] = {}
        for interaction in interactions:
            self.append(interaction)

    # loading and saving ----------------------------------------------------------------------
    @classmethod
    def load(cls, path: str, *, on_disk_above: int | None = None, **options) -> Cassette:
        """A cassette from a HAR file (one over on_disk_above bytes, ON_DISK_ABOVE by default, keeps its entries
        on disk)."""
        info = os.stat(path)
        if stat.S_ISREG(info.st_mode) and info.st_size > (ON_DISK_ABOVE if on_disk_above is None else on_disk_above):
            scan = scan_har(path, validate_match_on(options.get("match_on", DEFAULT_MATCH_ON)))
            if scan is not None:
                cassette = cls(path=path, meta=scan.meta, **options)
                count = scan.index.count
                cassette.interactions = DiskEntries(path, scan)
                cassette._disk, cassette._on_disk, cassette._placeholders = scan.index, count, scan.placeholders
                cassette.play_counts = [0] * count
                cassette._encoded = [None] * count
                return cassette
        interactions, meta = read_har(path)
        return cls(interactions, path=path, meta=meta, **options)

    def save(self, path: str | None = None) -> str:
        """Write the whole recording atomically (entries already encoded are not encoded again)."""
        path = path or self.path
        if not path:
            raise ValueError("this recording has no file to save to")
        write_atomic(path, render_har(self._entry_texts(), self.meta))
        return path

    def to_har(self) -> str:
        """The recording as HAR text (for the control API)."""
        return render_har(self._entry_texts(), self.meta)

    def _entry_texts(self) -> list[str]:
        """Every entry as HAR text; those made here are kept (an entry on disk is encoded again each time)."""
        texts = []
        for i, text in enumerate(self._encoded):
            if text is None:
                text = encode_entry(interaction_to_entry(self.interactions[i]))
                if i >= self._on_disk:
                    self._encoded[i] = text
            texts.append(text)
        return texts

    def note_placeholders(self, note) -> None:
        """Hand note (SecretMap.note_existing) the text of every place a recorded placeholder may stand."""
        if self._placeholders:
            note(self._placeholders)
        for i in range(self._on_disk, len(self.interactions)):
            interaction = self.interactions[i]
            note(interaction.request.url)
            for body in (interaction.request.body, interaction.response.body):
                if b"<<" in body:
                    note(body.decode("utf-8", "replace"))
            for _, value in (*interaction.request.headers, *interaction.response.headers):
                note(value)

    # building --------------------------------------------------------------------------------
    def append(self, interaction: Interaction, *, played: bool = False, encoded: str | None = None) -> int:
        """Add an interaction at the end (already played ones are kept for the file but not replayed); encoded:
        its entry's text when the caller has made it already (the recorder does, so a bad entry never gets in)."""
        i = len(self.interactions)
        self.interactions.append(interaction)
        self.play_counts.append(1 if played else 0)
        self._encoded.append(encoded)
        self._index_request(i, interaction.request, played)
        self._disk_keys.clear()  # a key's positions may have grown
        return i

    def _index_request(self, i: int, req: RecordedRequest, played: bool) -> None:
        method = req.method.upper()
        self._by_route.setdefault((method, req.path), []).append(i)
        self._by_method.setdefault(method, []).append(i)
        if not played:
            self._index.setdefault(request_key(req, self.match_on), []).append(i)

    # playback --------------------------------------------------------------------------------
    def play(self, request: RecordedRequest) -> tuple[int, Interaction] | Miss:
        """The next unplayed recorded answer for request (recorded order), or a Miss naming the closest."""
        played = self.play_index(request)
        return played if isinstance(played, Miss) else (played, self.interactions[played])

    def play_index(self, request: RecordedRequest) -> int | Miss:
        """play() without reading the interaction (a player that knows its answer already need not)."""
        key = request_key(request, self.match_on)
        positions = self._positions(key)
        if positions:
            cursor = self._cursor.get(key, 0)
            if cursor < len(positions):
                self._cursor[key] = cursor + 1
                return self._played(positions[cursor])
            if self.allow_playback_repeats:
                return self._played(positions[-1])
            return Miss(request, positions[-1], self.interactions[positions[-1]].request, [], len(positions))
        return self.closest(request)

    def _positions(self, key: tuple) -> list[int] | None:
        """The unplayed-at-load positions of key, in recorded order (those on disk first, once one of them is seen
        to carry key; the answer is kept until an interaction is appended)."""
        if self._disk is None:
            return self._index.get(key)
        found = self._index.get(key) if self._index else None  # recorded into this cassette since it was loaded
        known = self._disk_keys.get(key)
        if known is not None:
            return known or found
        on_disk = self._disk.positions(key)
        if not on_disk or request_key(self.interactions[on_disk[0]].request, self.match_on) != key:
            on_disk = []  # the hash is another key's
        if len(self._disk_keys) >= KEYS_KEPT:
            self._disk_keys.clear()
        self._disk_keys[key] = on_disk + found if on_disk and found else on_disk
        return self._disk_keys[key] or found

    def _candidates(self, method: str, path: str) -> Sequence[int] | Iterable[int]:
        """The recorded requests a miss is compared with: those of its route, else of its method, else all."""
        disk = self._disk
        route = self._by_route.get((method, path), [])
        if disk is not None:
            route = disk.route(method, path) + route
        if route:
            return route
        by_method = self._by_method.get(method, [])
        if disk is not None and len(disk.method(method)):
            return itertools.chain(disk.method(method), by_method)
        return by_method or range(len(self.interactions))

    def _played(self, i: int) -> int:
        self.play_counts[i] += 1
        return i

    def closest(self, request: RecordedRequest) -> Miss:
        """The recorded request that agrees with request on the most matchers (only called on a miss)."""
        candidates = self._candidates(request.method.upper(), request.path)
        others = tuple(n for n in MATCHERS if n not in self.match_on)
        best, best_score, best_diffs = None, None, []
        for n, i in enumerate(candidates):
            if n >= CLOSEST_LIMIT:
                break
            recorded = self.interactions[i].request
            diffs = differences(recorded, request, self.match_on)
            score = (
                -len(diffs),
                _shared_segments(recorded.path, request.path),
                -len(differences(recorded, request, others)),
                self.play_counts[i] == 0,
                -i,
            )
            if best_score is None or score > best_score:
                best, best_score, best_diffs = i, score, diffs
        if best is None:
            return Miss(request)
        return Miss(request, best, self.interactions[best].request, best_diffs)

    # reporting -------------------------------------------------------------------------------
    @property
    def all_played(self) -> bool:
        return all(self.play_counts)

    def unplayed(self) -> list[int]:
        return [i for i, count in enumerate(self.play_counts) if count == 0]

    def __len__(self) -> int:
        return len(self.interactions)


def _shared_segments(a: str, b: str) -> int:
    """How many leading path segments two paths share (a tie-break: /instances/x is closer to /instances/y)."""
    n = 0
    for x, y in zip(a.split("/"), b.split("/"), strict=False):
        if x != y:
            break
        n += 1
    return n


def exists(path: str | None) -> bool:
    """Is there a recording at path (a non-empty file)?"""
    return path is not None and os.path.exists(path) and os.path.getsize(path) > 0
