"""Write-ahead-log checkpoints off the request path: a server with a state file checkpoints in a thread of its own."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Callable

import pytest
from support import ACCOUNT, TOKEN

from simulator import DemoAccount, SimulatorConfig, create_app
from simulator.keys import STORE
from simulator.repos.checkpoints import DEFAULT_PAGES, SAFETY_PAGES, Checkpointer
from simulator.repos.store import Store


def _autocheckpoint(store: Store) -> int:
    return store.db.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]


@pytest.fixture
def new_threads() -> Callable[[], list[str]]:
    """The checkpoint threads started since the test began that still run (another test's server in this xdist
    worker may run one of its own)."""
    earlier = {t for t in threading.enumerate() if t.name == "cdbsim-checkpoints"}
    return lambda: [t.name for t in threading.enumerate() if t.name == "cdbsim-checkpoints" and t not in earlier]


def _wait_for(condition, seconds: float = 30.0) -> bool:
    """Poll until condition() holds (a behaviour, not a timing: the deadline only keeps a broken run finite)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


async def _wait_async(condition, seconds: float = 30.0) -> bool:
    """_wait_for inside the event loop: the loop goes on (the journal's deferred batch is written by its timer)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        await asyncio.sleep(0.01)
    return condition()


def test_the_thread_copies_the_log_into_the_file_and_the_commits_do_not(tmp_path, new_threads):
    store = Store.open(str(tmp_path / "state.db"))
    try:
        assert _autocheckpoint(store) == DEFAULT_PAGES
        with store.background_checkpoints(every=0.01, pages=100) as checkpointer:
            assert isinstance(checkpointer, Checkpointer) and store.checkpointer is checkpointer
            assert _autocheckpoint(store) == SAFETY_PAGES  # a commit checkpoints only a log the thread let grow
            for k in range(300):
                with store.atomic():  # each commit wakes the thread (Store.wrote)
                    store.db.execute("insert into meta (key, value) values (?, ?)", [f"k{k}", "x" * 500])
            # once the writes end the thread leaves less than its threshold of log (a checkpoint that ran while a
            # commit was under way may have left the last frames, and fewer than `pages` are not worth another run)
            assert _wait_for(lambda: checkpointer.runs > 0 and checkpointer.backlog() < 100)
            assert checkpointer.error is None and checkpointer.runs > 0
            assert checkpointer.last is not None and checkpointer.last[0] == 0  # PASSIVE: it never had to wait
        assert store.checkpointer is None and not checkpointer.running and new_threads() == []
        assert _autocheckpoint(store) == DEFAULT_PAGES
        reader = sqlite3.connect(str(tmp_path / "state.db"))
        assert reader.execute("select count(*) from meta where key like 'k%'").fetchone()[0] == 300
        reader.close()
    finally:
        store.close()


def test_an_idle_store_runs_no_checkpoint_and_a_commit_wakes_one(tmp_path):
    store = Store.open(str(tmp_path / "state.db"))
    try:
        with store.background_checkpoints(every=0.01, pages=1) as checkpointer:
            assert checkpointer is not None
            time.sleep(0.3)  # thirty of its intervals: a timer would have run it many times by now
            assert checkpointer.looks == checkpointer.runs == 0 and checkpointer.last is None
            with store.atomic():
                store.db.execute("insert into meta (key, value) values ('woken', 'x')")
                time.sleep(0.1)  # inside the transaction nothing is committed: nothing to checkpoint yet
                assert checkpointer.runs == 0
            assert _wait_for(lambda: checkpointer.runs >= 1)
            assert checkpointer.last is not None and checkpointer.last[1] == checkpointer.last[2] > 0
            looks = checkpointer.looks
            time.sleep(0.3)  # idle again: it sleeps until the next write
            assert checkpointer.looks == looks
            store.wrote()  # no row changed since it was last woken: it is not woken for nothing
            time.sleep(0.1)
            assert checkpointer.looks == looks
    finally:
        store.close()


def test_a_short_log_is_left_for_later_and_a_long_one_is_checkpointed(tmp_path):
    """A checkpoint that copies the whole log makes the next commit sync the log's new header (milliseconds, in a
    request): the thread lets the log reach `pages` first."""
    store = Store.open(str(tmp_path / "state.db"))
    try:
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the schema's pages: in the file, the log empty
        with store.background_checkpoints(every=0.01, pages=50) as checkpointer:
            assert checkpointer is not None
            with store.atomic():
                store.db.execute("insert into meta (key, value) values ('short', 'x')")
            assert _wait_for(lambda: checkpointer.looks >= 1)
            assert checkpointer.runs == 0 and 0 < checkpointer.backlog() < 50
            for k in range(60):  # a commit writes a page of log at least
                with store.atomic():
                    store.db.execute("insert into meta (key, value) values (?, ?)", [f"long{k}", "x"])
            # the thread may copy the log while the loop still writes (a slow machine): the log it copied was long,
            # and whatever the loop wrote after is a short log, left for later
            assert _wait_for(lambda: checkpointer.runs >= 1)
            assert checkpointer.last is not None and checkpointer.last[1] == checkpointer.last[2] >= 50
            assert checkpointer.backlog() < 50
    finally:
        store.close()


def test_a_stop_that_comes_while_the_thread_looks_at_the_log_ends_the_thread(tmp_path):
    """stop() sets the stop and the wake-up; when it comes after the thread's rest and before the thread clears its
    wake-up to look at the log, the clear took stop()'s wake-up with it: the thread went back to sleep until a write
    that never came, and stop() (and so a server's shut-down) waited for it for ever (seen in the suite: an xdist
    worker hung in test_a_short_log_is_left_for_later_and_a_long_one_is_checkpointed until it was killed)."""
    checkpointer = Checkpointer(str(tmp_path / "state.db"), every=0.01)

    class StopBeforeTheClear(threading.Event):
        def clear(self) -> None:
            checkpointer._stop.set()  # stop() runs here: its two sets, then the thread's clear
            self.set()
            super().clear()

    checkpointer._wake = StopBeforeTheClear()
    checkpointer.start()
    checkpointer.wake()
    thread = checkpointer._thread
    assert thread is not None
    thread.join(10)
    assert not thread.is_alive(), "the thread slept on after stop()"
    checkpointer.stop()


def test_an_in_memory_store_has_no_log_and_starts_no_thread(new_threads):
    store = Store.open(":memory:")
    with store.background_checkpoints() as checkpointer:
        assert checkpointer is None and store.checkpointer is None and new_threads() == []
    store.close()


def test_a_checkpoint_that_fails_is_kept_and_the_thread_goes_on(tmp_path, caplog):
    checkpointer = Checkpointer(str(tmp_path / "no-such-folder" / "state.db"), every=0.01)
    checkpointer.start()
    assert _wait_for(lambda: checkpointer.error is not None)
    checkpointer.stop()
    assert checkpointer.error == "unable to open database file" and checkpointer.runs == 0
    assert "background checkpoint of" in caplog.text and "unable to open database file" in caplog.text


async def test_a_server_with_a_state_file_checkpoints_in_the_background_while_it_serves(
    aiohttp_client, tmp_path, new_threads
):
    account = DemoAccount(account_id=ACCOUNT, token=TOKEN)
    app = create_app(SimulatorConfig(seed=7, bootstrap=account, db_path=str(tmp_path / "state.db")))
    store = app[STORE]
    assert store.checkpointer is None  # nothing runs until the app serves
    client = await aiohttp_client(app)
    assert store.checkpointer is not None and store.checkpointer.running and new_threads() == ["cdbsim-checkpoints"]
    checkpointer = store.checkpointer
    assert checkpointer.looks == 0  # the state written at start-up was before the thread: nothing woke it since
    resp = await client.get(f"/v1.0/{ACCOUNT}/instances", headers={"X-Auth-Token": TOKEN})
    assert resp.status == 200
    # the read's bookkeeping (its rate-limit count, its journal entry a moment later) commits outside a transaction
    assert await _wait_async(lambda: checkpointer.looks > 0)
    await client.close()  # the app's cleanup: the thread stops before the store closes
    assert store.checkpointer is None and not checkpointer.running and new_threads() == []
    assert checkpointer.error is None
