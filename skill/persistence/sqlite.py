"""The embedded history store: a private SQLite file in WAL mode, safe across threads and processes; must not
read the environment."""

from __future__ import annotations

import datetime
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from skill.errors import StoreError
from skill.persistence.base import DEFAULT_RETENTION, NO_HISTORY, Clock, Episode, UserHistory, utc_now
from skill.persistence.records import Retention, describe_problem, episode_from_record, record_of

__all__ = ["BUSY_TIMEOUT_SECONDS", "SCHEMA_VERSION", "SqliteHistoryStore"]

logger = logging.getLogger(__name__)

SCHEMA_VERSION: Final = 1
BUSY_TIMEOUT_SECONDS: Final = 2.0
"""How long one call waits for another connection's write lock: well inside a turn's time for the store."""
_MAX_IDLE_CONNECTIONS: Final = 4
_FOLDER_MODE: Final = 0o700
_FILE_MODE: Final = 0o600
# The database and the two files SQLite keeps next to it in WAL mode.
_FILE_SUFFIXES: Final = ("", "-wal", "-shm")

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS profile (
    user_id          TEXT PRIMARY KEY,
    consent          INTEGER,                    -- NULL: never asked, 1: remember, 0: declined
    disclaimer_heard INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS episode (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: keeps the order episodes were appended in
    user_id  TEXT NOT NULL,
    day      TEXT NOT NULL,                      -- ISO date, UTC
    muscles  TEXT NOT NULL,                      -- JSON array of muscle ids
    cause    TEXT,                               -- cause id or NULL
    triage   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS episode_by_user ON episode (user_id, id);
CREATE INDEX IF NOT EXISTS episode_by_day ON episode (day);
"""


class SqliteHistoryStore:
    """HistoryStore on a local SQLite file, created with its parent directories on first use.

    Each call takes a connection of its own from a small pool (the HTTP server is threaded), so reads never
    wait for one another and, in WAL mode, never for a writer; writers in this process and in others (``chat``
    next to ``serve``) are coordinated by SQLite's own locking, waiting at most ``busy_timeout`` seconds.
    Writes take the write lock up front (BEGIN IMMEDIATE), commit durably (synchronous=FULL) and purge the
    expired episodes of every user. Opening a file whose schema is current writes nothing. The folder the
    store creates is private (0700) and its files are 0600, whatever the umask. After a database error the
    connection is closed; when the file was deleted or replaced, pooled connections are dropped and the next
    call opens the file again (creating it if need be).
    """

    def __init__(
        self,
        path: Path,
        *,
        retention: datetime.timedelta = DEFAULT_RETENTION,
        clock: Clock = utc_now,
        busy_timeout: float = BUSY_TIMEOUT_SECONDS,
    ) -> None:
        self._path = path
        self._retention = Retention(retention, clock)
        self._busy_timeout = busy_timeout
        # Guards the pool of idle connections only: never held while SQLite works.
        self._lock = threading.Lock()
        # Idle connections, each with the (device, inode) of the file it was opened on.
        self._idle: list[tuple[sqlite3.Connection, tuple[int, int] | None]] = []

    @property
    def path(self) -> Path:
        """The database file."""
        return self._path

    def close(self) -> None:
        """Close the idle connections; the next call opens one again."""
        with self._lock:
            idle, self._idle = self._idle, []
        for conn, _ in idle:
            conn.close()

    def load(self, user_id: str) -> UserHistory:
        with self._failures_as_store_error("load the history"), self._connection() as conn:
            conn.execute("BEGIN")  # one snapshot for the profile and the episodes
            try:
                profile = conn.execute(
                    "SELECT consent, disclaimer_heard FROM profile WHERE user_id = ?", (user_id,)
                ).fetchone()
                rows = conn.execute(
                    "SELECT id, day, muscles, cause, triage FROM episode WHERE user_id = ? ORDER BY id",
                    (user_id,),
                ).fetchall()
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")
        oldest = self._retention.oldest_live_day(self._retention.now())
        episodes = [ep for ep in (_episode_of(row) for row in rows) if ep is not None and ep.day >= oldest]
        episodes.sort(key=lambda ep: ep.day)  # stable: same-day episodes stay in the order appended
        if profile is None and not episodes:
            return NO_HISTORY
        consent, disclaimer_heard = _profile_of(profile)
        return UserHistory(consent=consent, disclaimer_heard=disclaimer_heard, episodes=tuple(episodes))

    def mark_disclaimer_heard(self, user_id: str) -> None:
        with self._failures_as_store_error("mark the disclaimer heard"), self._write() as conn:
            conn.execute(
                "INSERT INTO profile (user_id, disclaimer_heard) VALUES (?, 1)"
                " ON CONFLICT (user_id) DO UPDATE SET disclaimer_heard = 1",
                (user_id,),
            )

    def set_consent(self, user_id: str, consent: bool) -> None:
        with self._failures_as_store_error("set the consent"), self._write() as conn:
            conn.execute(
                "INSERT INTO profile (user_id, consent) VALUES (?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET consent = excluded.consent",
                (user_id, int(consent)),
            )
            if not consent:
                conn.execute("DELETE FROM episode WHERE user_id = ?", (user_id,))
        if not consent:
            self._scrub_log()

    def append_episode(self, user_id: str, episode: Episode) -> None:
        record = record_of(episode)
        with self._failures_as_store_error("append an episode"), self._write() as conn:
            conn.execute(
                "INSERT INTO episode (user_id, day, muscles, cause, triage) VALUES (?, ?, ?, ?, ?)",
                (
                    user_id,
                    record["day"],
                    json.dumps(record["muscles"]),
                    record.get("cause"),
                    record["triage"],
                ),
            )

    def delete_user(self, user_id: str) -> None:
        with self._failures_as_store_error("delete the user"), self._write() as conn:
            conn.execute("DELETE FROM episode WHERE user_id = ?", (user_id,))
            conn.execute("DELETE FROM profile WHERE user_id = ?", (user_id,))
        self._scrub_log()

    def _scrub_log(self) -> None:
        """Copy the WAL into the file and empty it, so that deleted rows survive in neither.

        A reader still using older pages of the log (another process) blocks this for the busy timeout; then
        the deletion is not complete on disk, and that is a StoreError, never a quiet success.
        """
        with self._failures_as_store_error("clear the write-ahead log"), self._connection() as conn:
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if busy:
                raise StoreError(f"could not clear the write-ahead log of {self._path}: a reader holds it")

    @contextmanager
    def _failures_as_store_error(self, action: str) -> Iterator[None]:
        try:
            yield
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"could not {action} (SQLite file {self._path}): {exc}") from exc

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """A connection held by this call alone: back to the pool after the block, closed after an error."""
        identity = _identity(self._path)
        conn = self._take_idle(identity)
        if conn is None:
            conn = self._open()
            identity = _identity(self._path)
        try:
            yield conn
        except BaseException:
            conn.close()  # rolls back whatever the block left open
            raise
        with self._lock:
            if len(self._idle) < _MAX_IDLE_CONNECTIONS:
                self._idle.append((conn, identity))
                return
        conn.close()

    def _take_idle(self, identity: tuple[int, int] | None) -> sqlite3.Connection | None:
        """An idle connection to the file now at the path; idle ones to a deleted or replaced file are closed
        (writing on would feed a file nobody reads)."""
        stale: list[sqlite3.Connection] = []
        found: sqlite3.Connection | None = None
        with self._lock:
            while self._idle:
                conn, opened_on = self._idle.pop()
                if identity is not None and opened_on == identity:
                    found = conn
                    break
                stale.append(conn)
        for conn in stale:
            conn.close()
        return found

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction that also purges every user's expired episodes."""
        with self._connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                oldest = self._retention.oldest_live_day(self._retention.now())
                conn.execute(
                    "DELETE FROM episode WHERE typeof(day) = 'text' AND day < ?", (oldest.isoformat(),)
                )
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _open(self) -> sqlite3.Connection:
        """Connect, creating the private folder, the file and the schema when missing; a current file is only read."""
        _private_file(self._path)
        conn = sqlite3.connect(
            self._path, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False
        )
        try:
            _use_wal(conn, self._path, self._busy_timeout)
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA secure_delete = ON")  # deleted history is overwritten, not just unlinked
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(f"{self._path} was written by a newer version (schema {version})")
            if version < SCHEMA_VERSION:
                conn.executescript(
                    f"BEGIN IMMEDIATE; {_SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
                )
        except BaseException:
            conn.close()
            raise
        return conn


def _private_file(path: Path) -> None:
    """Make the store's folder (0700, when it creates it) and file (0600), whatever the umask; tighten the
    modes of the database and its WAL files when they are this user's and readable by others."""
    folder = path.parent
    if not folder.is_dir():
        folder.parent.mkdir(parents=True, exist_ok=True)
        try:
            folder.mkdir(mode=_FOLDER_MODE)
        except FileExistsError:
            pass  # another process made it first, and made it private
        else:
            os.chmod(folder, _FOLDER_MODE)  # the umask may have taken bits away, or mkdir given more
    fd = os.open(path, os.O_RDWR | os.O_CREAT, _FILE_MODE)
    os.close(fd)
    for suffix in _FILE_SUFFIXES:
        try:
            status = os.stat(f"{path}{suffix}")
        except FileNotFoundError:
            continue
        if status.st_mode & 0o777 != _FILE_MODE and status.st_uid == os.getuid():
            os.chmod(f"{path}{suffix}", _FILE_MODE)


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return status.st_dev, status.st_ino


def _use_wal(conn: sqlite3.Connection, path: Path, busy_timeout: float) -> None:
    """Switch the file to WAL mode once (a file already in WAL mode is only read). SQLite answers a switch that
    races another connection's with SQLITE_BUSY at once, without waiting: so wait here, as for any other lock."""
    deadline = time.monotonic() + busy_timeout
    while (mode := conn.execute("PRAGMA journal_mode").fetchone()[0]) != "wal":
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.005)
            continue
        if mode != "wal":
            raise StoreError(f"{path} cannot use WAL mode (journal mode is {mode})")


def _episode_of(row: tuple[object, ...]) -> Episode | None:
    """The episode in a row, or None (logged) when the row is corrupted."""
    row_id, day, muscles, cause, triage = row
    try:
        if not isinstance(muscles, str):
            raise TypeError("muscles is not JSON text")
        record = {"day": day, "muscles": json.loads(muscles), "cause": cause, "triage": triage}
        return episode_from_record(record)
    except ValueError as exc:
        problem = describe_problem(exc)
    except TypeError as exc:
        problem = str(exc)
    logger.warning("skipping corrupted episode row %s: %s", row_id, problem)
    return None


def _profile_of(row: tuple[object, ...] | None) -> tuple[bool | None, bool]:
    """(consent, disclaimer_heard) from a profile row; a corrupted row counts as never asked (logged)."""
    if row is None:
        return None, False
    consent, disclaimer_heard = row
    if not (consent is None or _is_flag(consent)) or not _is_flag(disclaimer_heard):
        logger.warning("skipping corrupted profile row: consent or disclaimer_heard is not a flag")
        return None, False
    return (None if consent is None else bool(consent)), bool(disclaimer_heard)


def _is_flag(value: object) -> bool:
    return type(value) is int and value in (0, 1)
