"""The app's replay state: one secret map, the player (when replaying) and the recorder (when recording)."""
from __future__ import annotations

import os
from typing import Callable

from simulator.replay.cassette import Cassette, RecordMode, exists, validate_record_mode
from simulator.replay.filters import SecretMap
from simulator.replay.har import RecordedRequest, load_document
from simulator.replay.matchers import DEFAULT_MATCH_ON, validate_match_on
from simulator.replay.player import Player, validate_mode
from simulator.replay.recorder import Recorder


def same_file(a: str | None, b: str | None) -> bool:
    return bool(a and b) and os.path.abspath(a) == os.path.abspath(b)


class ReplayEngine:
    """What /_sim/replay, `serve --record/--replay` and `cdbsim replay` switch on and off."""

    def __init__(self, generate: Callable[[str], str],
                 issue_token: Callable[[RecordedRequest], str | None] | None = None,
                 listeners: list | None = None) -> None:
        #: The journal's listeners: on_exchange is among them only while recording (else the journal skips the
        #: work of building what a recorder needs).
        self.listeners = listeners if listeners is not None else []
        self.secrets = SecretMap()
        self.generate = generate
        self.issue_token = issue_token
        self.player: Player | None = None
        self.recorder: Recorder | None = None
        self.record_mode: RecordMode | None = None

    # switching -------------------------------------------------------------------------------
    def replay(self, cassette: Cassette, mode: str = "strict") -> Player:
        """Answer from cassette from now on."""
        for interaction in cassette.interactions:
            self.secrets.note_existing(interaction.request.url)
            for body in (interaction.request.body, interaction.response.body):
                if b"<<" in body:
                    self.secrets.note_existing(body.decode("utf-8", "replace"))
            for _, value in (*interaction.request.headers, *interaction.response.headers):
                self.secrets.note_existing(value)
        self.player = Player(cassette, mode=validate_mode(mode), secrets=self.secrets, generate=self.generate,
                             issue_token=self.issue_token if mode == "fallthrough" else None)
        return self.player

    def record(self, path: str | None, *, into: Cassette | None = None) -> Recorder:
        """Record every API exchange from now on, to path (a new recording) or into a replayed cassette."""
        if self.recorder is not None:
            self.recorder.flush()
        cassette = into if into is not None else Cassette(path=path, meta={"recorded_by": "cdbsim"})
        self.recorder = Recorder(cassette, self.secrets, skip_replayed=into is not None)
        if self.on_exchange not in self.listeners:
            self.listeners.append(self.on_exchange)
        if into is None and path:
            cassette.save()  # the file exists (empty) from the start, so `once` sees it on the next run
        return self.recorder

    def configure(self, path: str | None = None, *, document: dict | None = None, mode: str = "strict",
                  match_on=DEFAULT_MATCH_ON, record_mode: str | RecordMode = RecordMode.NONE,
                  allow_playback_repeats: bool = False) -> None:
        """Load a recording (a file or an inline HAR document) the way a VCR.py record mode says."""
        record_mode = validate_record_mode(record_mode)
        match_on = validate_match_on(match_on)
        validate_mode(mode)
        options = {"match_on": match_on, "allow_playback_repeats": allow_playback_repeats}
        have = document is not None or exists(path)
        if record_mode is RecordMode.ONCE:
            record_mode = RecordMode.NONE if have else RecordMode.ALL
        if record_mode is RecordMode.NEW_EPISODES and not have:
            record_mode = RecordMode.ALL
        if record_mode in (RecordMode.NONE, RecordMode.NEW_EPISODES) and not have:
            raise FileNotFoundError(f"no recording at {path!r}")
        self.stop()
        self.record_mode = record_mode
        if record_mode is RecordMode.ALL:
            self.record(path)
            return
        if document is not None:
            interactions, meta = load_document(document)
            cassette = Cassette(interactions, path=path, meta=meta, **options)
        else:
            cassette = Cassette.load(path, **options)
        if record_mode is RecordMode.NEW_EPISODES:
            self.replay(cassette, "fallthrough")
            self.record(path, into=cassette)
        else:
            self.replay(cassette, mode)

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
        return {"replaying": self.player is not None,
                "record_mode": self.record_mode.value if self.record_mode else None,
                "player": self.player.status() if self.player else None,
                "recording": None if recorder is None else {"path": recorder.cassette.path,
                                                            "interactions": len(recorder.cassette)}}
