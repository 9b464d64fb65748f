"""What the embedded SQLite store adds to the contract: lazy private files, WAL, purging, many threads, other
processes holding locks."""

from __future__ import annotations

import collections
import datetime
import os
import shutil
import sqlite3
import stat
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from skill.errors import StoreError
from skill.persistence import NO_HISTORY, Episode, SqliteHistoryStore
from skill.persistence.sqlite import BUSY_TIMEOUT_SECONDS

if TYPE_CHECKING:
    from conftest import OtherProcess

try:
    from .store_fixtures import FakeClock
except ImportError:  # tests/unit is not a package
    from store_fixtures import FakeClock

NOW = datetime.datetime(2025, 6, 30, 12, 0, tzinfo=datetime.UTC)
USER = "amzn1.ask.account.AF3X7EXAMPLE"
OTHER_USER = "amzn1.ask.account.BQ9Z2EXAMPLE"


def on(day: datetime.date, *muscles: str, cause: str | None = "fatigue") -> Episode:
    return Episode(day=day, muscles=muscles, cause=cause, triage="self_care")


@pytest.fixture
def open_store() -> Iterator[Callable[..., SqliteHistoryStore]]:
    """Makes stores and closes them after the test."""
    opened: list[SqliteHistoryStore] = []

    def make(path: Path, **options: Any) -> SqliteHistoryStore:
        opened.append(SqliteHistoryStore(path, **options))
        return opened[-1]

    yield make
    for store in opened:
        store.close()


def raw_rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_the_file_and_its_folders_appear_on_first_use_not_before(
    tmp_path: Path, open_store: Callable[..., SqliteHistoryStore]
) -> None:
    path = tmp_path / "data" / "muscle-coach" / "history.db"
    store = open_store(path)
    assert not path.parent.exists()

    assert store.load(USER) == NO_HISTORY

    assert path.is_file()
    assert raw_rows(path, "PRAGMA journal_mode") == [("wal",)]


def test_episodes_of_one_day_keep_the_order_they_were_appended_in(
    tmp_path: Path, open_store: Callable[..., SqliteHistoryStore]
) -> None:
    store = open_store(tmp_path / "history.db", clock=FakeClock(NOW))
    today = NOW.date()
    appended = [
        on(today, "calf", cause=cause) for cause in ("no_warmup", "caffeine", "fatigue", "dehydration")
    ]
    for episode in appended:
        store.append_episode(USER, episode)

    assert store.load(USER).episodes == tuple(appended)


def test_a_write_purges_expired_episodes_of_every_user_from_the_file(
    tmp_path: Path, open_store: Callable[..., SqliteHistoryStore]
) -> None:
    path = tmp_path / "history.db"
    clock = FakeClock(NOW)
    store = open_store(path, retention=datetime.timedelta(days=14), clock=clock)
    store.append_episode(USER, on(NOW.date() - datetime.timedelta(days=10), "calf"))
    store.append_episode(USER, on(NOW.date(), "calf"))
    assert raw_rows(path, "SELECT count(*) FROM episode") == [(2,)]

    clock.advance(days=7)
    store.mark_disclaimer_heard(OTHER_USER)  # any write, by anyone

    assert raw_rows(path, "SELECT day FROM episode") == [(NOW.date().isoformat(),)]


def test_when_the_file_is_deleted_while_open_the_next_write_creates_it_again(
    tmp_path: Path, open_store: Callable[..., SqliteHistoryStore]
) -> None:
    home = tmp_path / "home"
    store = open_store(home / "history.db", clock=FakeClock(NOW))
    store.append_episode(USER, on(NOW.date(), "calf"))

    shutil.rmtree(home)  # someone wipes the data folder while `serve` runs
    store.append_episode(USER, on(NOW.date(), "forearm"))

    assert raw_rows(home / "history.db", "SELECT muscles FROM episode") == [('["forearm"]',)]
    assert store.load(USER).episodes == (on(NOW.date(), "forearm"),)


@pytest.mark.parametrize("forget", ["delete_user", "decline_consent"])
def test_forgotten_history_cannot_be_read_back_from_the_files(
    tmp_path: Path, open_store: Callable[..., SqliteHistoryStore], forget: str
) -> None:
    store = open_store(tmp_path / "history.db", clock=FakeClock(NOW))
    store.set_consent(USER, True)
    store.set_consent(OTHER_USER, True)
    for n in range(80):  # several pages of rows
        store.append_episode(
            USER, on(NOW.date() - datetime.timedelta(days=n % 60), "hamstring", cause="caffeine")
        )
    store.append_episode(OTHER_USER, on(NOW.date(), "calf"))

    if forget == "delete_user":
        store.delete_user(USER)
        gone = [USER.encode(), b"hamstring", b"caffeine"]
    else:
        store.set_consent(USER, False)
        gone = [b"hamstring", b"caffeine"]  # the profile keeps the user's answer

    files = sorted(tmp_path.glob("history.db*"))
    assert files
    for path in files:
        data = path.read_bytes()
        assert [word for word in gone if word in data] == [], path.name
    assert store.load(OTHER_USER).episodes == (on(NOW.date(), "calf"),)


def test_a_file_written_by_a_newer_version_is_refused(
    tmp_path: Path, open_store: Callable[..., SqliteHistoryStore]
) -> None:
    path = tmp_path / "history.db"
    raw_rows(path, "PRAGMA user_version = 99")

    with pytest.raises(StoreError, match="newer version"):
        open_store(path).load(USER)


def test_a_file_that_is_not_a_database_is_a_store_error(
    tmp_path: Path, open_store: Callable[..., SqliteHistoryStore]
) -> None:
    path = tmp_path / "history.db"
    path.write_bytes(b"this is not a database, it is a shopping list" * 100)

    with pytest.raises(StoreError) as raised:
        open_store(path).append_episode(USER, on(NOW.date(), "calf"))

    assert isinstance(raised.value.__cause__, sqlite3.DatabaseError)


def test_eight_threads_appending_fifty_episodes_each_lose_none(
    tmp_path: Path, open_store: Callable[..., SqliteHistoryStore]
) -> None:
    path = tmp_path / "history.db"
    # Two stores on one file, as when `chat` and `serve` run at once; four threads on each.
    stores = [open_store(path, clock=FakeClock(NOW)) for _ in range(2)]
    start = threading.Barrier(8)

    def thread(number: int) -> None:
        store = stores[number % 2]
        start.wait()
        for n in range(50):
            store.append_episode(USER, on(NOW.date() - datetime.timedelta(days=n % 14), f"muscle_{number}"))
            if n == 25 and number < 2:  # profile updates race with the appends
                (store.set_consent(USER, True) if number == 0 else store.mark_disclaimer_heard(USER))

    with ThreadPoolExecutor(max_workers=8) as pool:
        for done in [pool.submit(thread, number) for number in range(8)]:
            done.result()

    history = stores[0].load(USER)
    assert len(history.episodes) == 400
    assert collections.Counter(ep.muscles for ep in history.episodes) == {
        (f"muscle_{n}",): 50 for n in range(8)
    }
    assert (history.consent, history.disclaimer_heard) == (True, True)


def seeded(path: Path, open_store: Callable[..., SqliteHistoryStore]) -> SqliteHistoryStore:
    """A store on a current file holding one user's consent and one episode; its connections closed."""
    store = open_store(path, clock=FakeClock(NOW))
    store.set_consent(USER, True)
    store.append_episode(USER, on(NOW.date(), "calf"))
    store.close()
    return store


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o277], ids=oct)
def test_the_folder_is_0700_and_the_files_0600_whatever_the_umask(
    tmp_path: Path, open_store: Callable[..., SqliteHistoryStore], umask: int
) -> None:
    path = tmp_path / "data" / "muscle-coach" / "history.db"
    previous = os.umask(umask)
    try:
        store = open_store(path, clock=FakeClock(NOW))
        store.set_consent(USER, True)
        store.append_episode(USER, on(NOW.date(), "calf"))
    finally:
        os.umask(previous)

    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in path.parent.iterdir()}
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert {"history.db", "history.db-wal", "history.db-shm"} <= set(modes)
    assert modes == dict.fromkeys(modes, 0o600)


def test_a_store_file_left_readable_by_others_is_made_private(
    tmp_path: Path, open_store: Callable[..., SqliteHistoryStore]
) -> None:
    path = tmp_path / "history.db"
    seeded(path, open_store)
    path.chmod(0o644)

    assert open_store(path, clock=FakeClock(NOW)).load(USER).consent is True

    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_opening_a_current_file_writes_nothing_so_reads_never_wait_for_a_writer(
    tmp_path: Path, open_store: Callable[..., SqliteHistoryStore], other_process: OtherProcess
) -> None:
    path = tmp_path / "history.db"
    seeded(path, open_store)
    before = path.read_bytes()

    with other_process(path, "BEGIN IMMEDIATE"):  # holds the write lock throughout
        started = time.monotonic()
        history = open_store(path, clock=FakeClock(NOW)).load(USER)
        elapsed = time.monotonic() - started

    assert history.episodes == (on(NOW.date(), "calf"),)
    assert elapsed < BUSY_TIMEOUT_SECONDS  # it never waited for the lock (generous: it takes milliseconds)
    assert path.read_bytes() == before


def test_a_write_gives_up_after_the_busy_timeout_while_another_process_holds_the_lock(
    tmp_path: Path, open_store: Callable[..., SqliteHistoryStore], other_process: OtherProcess
) -> None:
    path = tmp_path / "history.db"
    store = seeded(path, open_store)

    with other_process(path, "BEGIN IMMEDIATE"):
        started = time.monotonic()
        with pytest.raises(StoreError):
            store.append_episode(USER, on(NOW.date(), "forearm"))
        elapsed = time.monotonic() - started

    assert elapsed < BUSY_TIMEOUT_SECONDS + 2.5  # generous: a shared machine
    store.append_episode(USER, on(NOW.date(), "forearm"))  # the lock is free again
    assert len(store.load(USER).episodes) == 2


def test_a_deletion_a_reader_keeps_in_the_log_is_a_store_error_until_it_is_gone_from_the_files(
    tmp_path: Path, open_store: Callable[..., SqliteHistoryStore], other_process: OtherProcess
) -> None:
    path = tmp_path / "history.db"
    store = open_store(path, clock=FakeClock(NOW), busy_timeout=0.2)
    store.set_consent(USER, True)
    for _ in range(20):
        store.append_episode(USER, on(NOW.date(), "hamstring", cause="caffeine"))

    # Another process reads, holding a snapshot older than the deletion: the log cannot be emptied under it.
    with other_process(path, "BEGIN", "SELECT * FROM episode"), pytest.raises(StoreError):
        store.delete_user(USER)

    store.delete_user(USER)  # said again once the reader is gone: now complete on disk
    for file in sorted(tmp_path.glob("history.db*")):
        data = file.read_bytes()
        assert [word for word in (USER.encode(), b"hamstring") if word in data] == [], file.name
