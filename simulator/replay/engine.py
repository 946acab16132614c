"""The app's replay state: one secret map, the player (when replaying), the recorder (when recording) and the one
directory the control API may write recordings to."""

from __future__ import annotations

import os
from collections.abc import Callable

from simulator.replay.cassette import Cassette, RecordMode, exists, validate_record_mode
from simulator.replay.filters import SecretMap
from simulator.replay.har import RecordedRequest, load_document
from simulator.replay.matchers import DEFAULT_MATCH_ON, validate_match_on
from simulator.replay.player import Player, validate_mode
from simulator.replay.recorder import Recorder


def same_file(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and os.path.abspath(a) == os.path.abspath(b)


class RecordingPathError(ValueError):
    """A recording the control API may not write where it was asked to (outside the directory, or over a file)."""


def confined_path(path: str, directory: str) -> str:
    """path (relative to directory) with its symlinks resolved, when that is below directory; else an error."""
    real = os.path.realpath(os.path.join(directory, path))
    if real == directory or os.path.commonpath([real, directory]) != directory:
        raise RecordingPathError(
            f"{path!r} is outside the recordings directory {directory}: recordings are "
            f"written only below it (serve --recordings-dir DIR chooses it)"
        )
    return real


def applying_mode(record_mode: RecordMode, have: bool, path: str | None) -> RecordMode:
    """The mode that applies, given whether there is a recording: once and new_episodes record afresh without one."""
    if record_mode is RecordMode.ONCE:
        record_mode = RecordMode.NONE if have else RecordMode.ALL
    if record_mode is RecordMode.NEW_EPISODES and not have:
        record_mode = RecordMode.ALL
    if record_mode is RecordMode.NONE and not have:
        raise FileNotFoundError(f"no recording at {path!r}")
    return record_mode


class ReplayEngine:
    """What /_sim/replay, `serve --record/--replay` and `cdbsim replay` switch on and off."""

    def __init__(
        self,
        generate: Callable[[str], str],
        issue_token: Callable[[RecordedRequest], str | None] | None = None,
        listeners: list | None = None,
        recordings_dir: str | None = None,
    ) -> None:
        #: The journal's listeners: on_exchange is among them only while recording (else the journal skips the
        #: work of building what a recorder needs).
        self.listeners = listeners if listeners is not None else []
        self.secrets = SecretMap()
        self.generate = generate
        self.issue_token = issue_token
        self.player: Player | None = None
        self.recorder: Recorder | None = None
        self.record_mode: RecordMode | None = None
        #: Where the control API reads relative paths from and may write recordings (serve --recordings-dir; the
        #: working directory by default). `serve --record FILE` and the Python API write where they are told.
        self.recordings_dir = os.path.realpath(recordings_dir or os.getcwd())

    # switching -------------------------------------------------------------------------------
    def replay(self, cassette: Cassette, mode: str = "strict") -> Player:
        """Answer from cassette from now on."""
        cassette.note_placeholders(self.secrets.note_existing)
        self.player = Player(
            cassette,
            mode=validate_mode(mode),
            secrets=self.secrets,
            generate=self.generate,
            issue_token=self.issue_token if mode == "fallthrough" else None,
        )
        return self.player

    def record(self, path: str | None, *, into: Cassette | None = None) -> Recorder:
        """Record every API exchange from now on, to path (a new recording) or into a replayed cassette."""
        cassette = into if into is not None else Cassette(path=path, meta={"recorded_by": "cdbsim"})
        if into is None and path:
            cassette.save()  # the file exists (empty) from the start, so `once` sees it on the next run
        if self.recorder is not None:
            self.recorder.flush()
        self.recorder = Recorder(cassette, self.secrets, skip_replayed=into is not None)
        if self.on_exchange not in self.listeners:
            self.listeners.append(self.on_exchange)
        return self.recorder

    def configure(
        self,
        path: str | None = None,
        *,
        document: dict | None = None,
        mode: str = "strict",
        match_on=DEFAULT_MATCH_ON,
        record_mode: str | RecordMode = RecordMode.NONE,
        allow_playback_repeats: bool = False,
        confine: bool = False,
        overwrite: bool = True,
    ) -> None:
        """Load a recording (a file or an inline HAR document) the way a VCR.py record mode says.

        confine (the control API): path is relative to the recordings directory, a recording is written only below
        it, and a recording already there is replaced only with overwrite (new_episodes adds to its own file)."""
        record_mode = validate_record_mode(record_mode)
        match_on = validate_match_on(match_on)
        validate_mode(mode)
        if not isinstance(overwrite, bool):
            raise ValueError("'overwrite' must be true or false")
        options = {"match_on": match_on, "allow_playback_repeats": allow_playback_repeats}
        shown = path
        if confine and path is not None:
            path = os.path.realpath(os.path.join(self.recordings_dir, path))
        record_mode = applying_mode(record_mode, document is not None or exists(path), shown)
        if confine and shown is not None and record_mode in (RecordMode.ALL, RecordMode.NEW_EPISODES):
            path = self._writable(shown, overwrite or (record_mode is RecordMode.NEW_EPISODES and document is None))
        self.stop()
        self.record_mode = record_mode
        if record_mode is RecordMode.ALL:
            self.record(path)
            return
        if document is not None:
            interactions, meta = load_document(document)
            cassette = Cassette(interactions, path=path, meta=meta, **options)
        elif path is not None:
            cassette = Cassette.load(path, **options)
        else:
            raise ValueError("give a recording's path or a HAR document")
        if record_mode is RecordMode.NEW_EPISODES:
            self.replay(cassette, "fallthrough")
            self.record(path, into=cassette)
        else:
            self.replay(cassette, mode)

    def _writable(self, path: str, replace: bool) -> str:
        """Where the control API may write the recording path (replace: a recording already there may go)."""
        real = confined_path(path, self.recordings_dir)
        if exists(real) and not replace:
            raise RecordingPathError(
                f'{path!r} already exists in {self.recordings_dir}: send "overwrite": true to replace it'
            )
        return real

    def stop(self) -> None:
        """Stop replaying and recording (the recording is saved first)."""
        self.flush()
        self.player = None
        self.recorder = None
        self.record_mode = None
        if self.on_exchange in self.listeners:
            self.listeners.remove(self.on_exchange)

    # journal and shutdown --------------------------------------------------------------------
    def on_exchange(self, exchange: dict) -> None:
        """Journal listener: hand the exchange to the recorder, if one is on."""
        if self.recorder is not None:
            self.recorder(exchange)

    def flush(self) -> None:
        if self.recorder is not None:
            self.recorder.flush()

    def status(self) -> dict:
        recorder = self.recorder
        return {
            "replaying": self.player is not None,
            "record_mode": self.record_mode.value if self.record_mode else None,
            "player": self.player.status() if self.player else None,
            "recording": None
            if recorder is None
            else {
                "path": recorder.cassette.path,
                "interactions": len(recorder.cassette),
                "failures": recorder.failures,
                "last_failure": recorder.last_failure,
            },
        }
