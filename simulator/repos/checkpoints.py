"""Write-ahead-log checkpoints off the request path (issue 25).

With a state file SQLite runs in WAL mode, and by default the commit that takes the log past 1,000 pages copies the
log back into the database file and syncs it: 10-20 ms on this project's machines, in one write of every ~65 (a write
adds ~15 pages), so it was the p99 of every write. While a server runs, a thread of its own, with a connection of its
own, runs a PASSIVE checkpoint a little after each write instead (at most one every few tenths of a second; with no
write nothing wakes it, so an idle sandbox does no work): PASSIVE never waits for nor blocks a reader or a
writer, and Python's sqlite3 lets go of the GIL while SQLite copies and syncs, so the requests go on beside it. The
request path's own automatic checkpoint stays as a bound on the log (SAFETY_PAGES) should the thread fall behind.
Durability is unchanged: a commit is in the log either way (synchronous=NORMAL), the checkpoint only moves it.

A checkpoint that copies the whole log has a cost left in the request path: the next commit starts the log afresh,
and SQLite syncs the log's new header in that commit (4-10 ms here, against 0.1 ms for a commit). So the thread
checkpoints only once the log holds PAGES pages not yet in the database file (SQLite's own default threshold), as
the log's index (the "-shm" file, whose header https://sqlite.org/walformat.html documents) says: one such commit
per ~1,000 pages written, not one per 0.2 s of writes (which put one in every ~200 reads' journal batches)."""

from __future__ import annotations

import logging
import sqlite3
import struct
import threading

log = logging.getLogger(__name__)

#: Seconds at least between two background checkpoints (the writes meanwhile wait for the next one).
EVERY = 0.2
#: The request path's automatic checkpoint (pages of log) while the thread runs: reached only if the thread falls
#: behind (about 40 MB of log).
SAFETY_PAGES = 10_000
#: SQLite's own default, back once the thread has stopped.
DEFAULT_PAGES = 1000
#: Pages of log not yet in the database file that make a background checkpoint worth the header sync it costs.
PAGES = DEFAULT_PAGES
#: Where the log's index (walformat.html, 2.1) keeps the frames in the log (mxFrame, in the first copy of its
#: header) and how many of them are in the database file (nBackfill, in the checkpoint information), native order.
MX_FRAME, N_BACKFILL = 16, 96


class Checkpointer:
    """A thread that checkpoints the database at path (PASSIVE) once `pages` pages of log wait, looking `every`
    seconds after wake() is called, until stop(). The store calls wake() after it commits a write (Store.wrote);
    nothing else wakes it."""

    def __init__(self, path: str, every: float = EVERY, pages: int = PAGES) -> None:
        self.path = path
        self.every = every
        self.pages = pages
        #: Checkpoints run, and what the last one said: (1 if it could not run at all, pages in the log, pages of
        #: the log now in the database file) as `PRAGMA wal_checkpoint` answers.
        self.runs = 0
        #: Times a write woke the thread and it looked at the log (a checkpoint or not).
        self.looks = 0
        self.last: tuple[int, int, int] | None = None
        #: The last error SQLite gave (the thread logs it and goes on: the request path still bounds the log).
        self.error: str | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="cdbsim-checkpoints", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """End the thread (after the checkpoint under way, if any)."""
        self._stop.set()  # first: a thread that clears the wake-up below before it looks then sees the stop
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def wake(self) -> None:
        """Something was written: checkpoint it (now, or once `every` has passed since the last checkpoint)."""
        if not self._wake.is_set():  # a plain read: most writes find it set already
            self._wake.set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self.path, isolation_level=None)
        except sqlite3.Error as exc:
            self._failed(exc)
            return
        try:
            while True:
                self._wake.wait()  # asleep, without a timer, until a write (or stop())
                if self._stop.wait(self.every):  # the writes of the next `every` seconds go in the same checkpoint
                    break
                self._wake.clear()  # before looking: a write after this point wakes the thread again
                if self._stop.is_set():  # stop() came between the rest and the clear: the clear took its wake-up
                    break
                self.looks += 1
                if self.backlog() < self.pages:
                    continue  # too little to be worth it: the next write wakes the thread again
                self.checkpoint(conn)
                if self.last is not None and self.last[1] - self.last[2] >= self.pages:
                    self._wake.set()  # a reader kept the log: try again, not only at the next write
        finally:
            conn.close()

    def backlog(self) -> int:
        """Pages of log not yet copied into the database file, from the log's index; when it cannot be read (no
        log yet, or another format), `pages`: the checkpoint runs, which finds the truth."""
        try:
            with open(self.path + "-shm", "rb") as index:
                head = index.read(N_BACKFILL + 4)
            (frames,), (copied,) = struct.unpack_from("=I", head, MX_FRAME), struct.unpack_from("=I", head, N_BACKFILL)
        except (OSError, struct.error):
            return self.pages
        return frames - copied if frames >= copied else self.pages

    def checkpoint(self, conn: sqlite3.Connection) -> None:
        """One PASSIVE checkpoint on conn: copy what no reader still needs; never wait."""
        try:
            self.last = tuple(conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone())
        except sqlite3.Error as exc:
            self._failed(exc)
            return
        self.runs += 1

    def _failed(self, exc: sqlite3.Error) -> None:
        if str(exc) != self.error:
            log.warning("background checkpoint of %s failed: %s", self.path, exc)
        self.error = str(exc)
