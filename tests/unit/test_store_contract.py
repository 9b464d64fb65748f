"""One contract for every HistoryStore: the SQLite store on a temporary file and the DynamoDB store on moto."""

from __future__ import annotations

import dataclasses
import datetime
import json
import logging
import sqlite3
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from skill.errors import StoreError
from skill.persistence import (
    NO_HISTORY,
    DynamoDbHistoryStore,
    Episode,
    HistoryStore,
    InvalidEpisodeError,
    SqliteHistoryStore,
    UserHistory,
)

try:
    from .store_fixtures import FakeClock, create_history_table, fake_session
except ImportError:  # tests/unit is not a package
    from store_fixtures import FakeClock, create_history_table, fake_session

NOW = datetime.datetime(2025, 6, 30, 12, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()
USER = "amzn1.ask.account.AF3X7EXAMPLE"
OTHER_USER = "amzn1.ask.account.BQ9Z2EXAMPLE"
# Planted in corrupted records: free text that must never reach the logs.
SECRET_NOTE = "left side, since Monday"
SECRET_CAUSE = "I drank four espressos"


def days_ago(n: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=n)


def episode(
    day: datetime.date, *muscles: str, cause: str | None = "fatigue", triage: str = "self_care"
) -> Episode:
    return Episode(day=day, muscles=muscles, cause=cause, triage=triage)


class Backend(Protocol):
    def store(
        self, clock: Callable[[], datetime.datetime], retention: datetime.timedelta = ...
    ) -> HistoryStore:
        """A store on this backend's storage (the same storage for every call)."""

    def raw_records(self, user_id: str) -> list[Any]:
        """Everything physically stored about the user, read around the store."""

    def plant_corrupted_episodes(self, user_id: str) -> int:
        """Write corrupted episode records for the user around the store; returns how many."""

    def plant_corrupted_profile(self, user_id: str) -> None:
        """Overwrite the user's profile with a corrupted one around the store."""

    def broken_store(self) -> HistoryStore:
        """A store whose backend fails on every call."""

    backend_errors: tuple[type[BaseException], ...]


class SqliteBackend:
    backend_errors = (sqlite3.Error, OSError)

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.path = tmp_path / "home" / "muscle-coach" / "history.db"
        self.opened: list[SqliteHistoryStore] = []

    def store(
        self,
        clock: Callable[[], datetime.datetime],
        retention: datetime.timedelta = datetime.timedelta(days=180),
    ) -> HistoryStore:
        self.opened.append(SqliteHistoryStore(self.path, retention=retention, clock=clock))
        return self.opened[-1]

    def close(self) -> None:
        for store in self.opened:
            store.close()

    def _raw(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, isolation_level=None)

    def raw_records(self, user_id: str) -> list[Any]:
        if not self.path.exists():
            return []
        conn = self._raw()
        try:
            profiles = conn.execute("SELECT * FROM profile WHERE user_id = ?", (user_id,)).fetchall()
            episodes = conn.execute("SELECT * FROM episode WHERE user_id = ?", (user_id,)).fetchall()
        finally:
            conn.close()
        return profiles + episodes

    def plant_corrupted_episodes(self, user_id: str) -> int:
        day = days_ago(3).isoformat()
        rows = [
            ("yesterday", '["calf"]', None, "self_care"),  # not a date
            ("2025-02-30", '["calf"]', None, "self_care"),  # not a calendar day
            (20250627, '["calf"]', None, "self_care"),  # a number where a date belongs
            (day, "calf and thigh", None, "self_care"),  # muscles not JSON
            (day, json.dumps({"calf": SECRET_NOTE}), None, "self_care"),  # muscles an object
            (day, '["calf", 3]', None, "self_care"),  # a number among the muscle ids
            (day, '["calf"]', SECRET_CAUSE, "self_care"),  # free text for a cause id
            (day, '["calf"]', 7, "doctor"),  # a number for a cause id
            (day, '["calf"]', None, "maybe"),  # an unknown triage level
        ]
        conn = self._raw()
        try:
            conn.executemany(
                "INSERT INTO episode (user_id, day, muscles, cause, triage) VALUES (?, ?, ?, ?, ?)",
                [(user_id, *row) for row in rows],
            )
        finally:
            conn.close()
        return len(rows)

    def plant_corrupted_profile(self, user_id: str) -> None:
        conn = self._raw()
        try:
            conn.execute(
                "INSERT OR REPLACE INTO profile (user_id, consent, disclaimer_heard) VALUES (?, 'yes', 1)",
                (user_id,),
            )
        finally:
            conn.close()

    def broken_store(self) -> HistoryStore:
        blocker = self.tmp_path / "a-file-not-a-directory"
        blocker.write_text("")
        return SqliteHistoryStore(blocker / "history.db")


class DynamoBackend:
    backend_errors = (ClientError,)

    def __init__(self) -> None:
        self.resource = fake_session().resource("dynamodb")
        self.table = create_history_table(self.resource)

    def store(
        self,
        clock: Callable[[], datetime.datetime],
        retention: datetime.timedelta = datetime.timedelta(days=180),
    ) -> HistoryStore:
        return DynamoDbHistoryStore(self.table, retention=retention, clock=clock)

    def raw_records(self, user_id: str) -> list[Any]:
        items: list[Any] = self.table.scan(ConsistentRead=True)["Items"]
        return [item for item in items if item["pk"] == f"USER#{user_id}"]

    def plant_corrupted_episodes(self, user_id: str) -> int:
        pk, day = f"USER#{user_id}", days_ago(3).isoformat()
        good = {"day": day, "muscles": ["calf"], "triage": "self_care", "expires_at": Decimal(4102444800)}
        items = [
            {**good, "note": SECRET_NOTE},  # an unknown attribute
            {**good, "muscles": "calf"},  # a string where a list belongs
            {**good, "muscles": ["calf", Decimal(3)]},  # a number among the muscle ids
            {**good, "day": "yesterday"},  # not a date
            {**good, "day": "2025-02-30"},  # not a calendar day
            {**good, "cause": Decimal(5)},  # a number for a cause id
            {**good, "cause": SECRET_CAUSE},  # free text for a cause id
            {**good, "triage": "maybe"},  # an unknown triage level
            {key: value for key, value in good.items() if key != "expires_at"},  # no TTL attribute
            {**good, "expires_at": "soon"},  # a TTL attribute that is not a number
        ]
        for n, item in enumerate(items):
            self.table.put_item(Item={"pk": pk, "sk": f"EPISODE#{day}#corrupt{n}", **item})
        self.table.put_item(Item={"pk": pk, "sk": "NOTE#1", "text": SECRET_NOTE})  # an unknown kind of item
        return len(items) + 1

    def plant_corrupted_profile(self, user_id: str) -> None:
        self.table.put_item(
            Item={"pk": f"USER#{user_id}", "sk": "PROFILE", "consent": "yes", "disclaimer_heard": True}
        )

    def broken_store(self) -> HistoryStore:
        return DynamoDbHistoryStore(self.resource.Table("a-table-that-was-never-created"))


@pytest.fixture(params=["sqlite", "dynamodb"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "sqlite":
        sqlite_backend = SqliteBackend(tmp_path)
        yield sqlite_backend
        sqlite_backend.close()
    else:
        with mock_aws():
            yield DynamoBackend()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def store(backend: Backend, clock: FakeClock) -> HistoryStore:
    return backend.store(clock)


def test_a_user_the_store_has_never_seen_has_no_history(store: HistoryStore) -> None:
    assert store.load(USER) == UserHistory(consent=None, disclaimer_heard=False, episodes=())
    assert store.load(USER) == NO_HISTORY


def test_the_disclaimer_is_remembered_per_user_without_answering_consent(store: HistoryStore) -> None:
    store.mark_disclaimer_heard(USER)
    store.mark_disclaimer_heard(USER)

    assert store.load(USER) == UserHistory(consent=None, disclaimer_heard=True, episodes=())
    assert store.load(OTHER_USER) == NO_HISTORY


def test_consent_is_kept_and_can_be_changed(store: HistoryStore) -> None:
    store.set_consent(USER, True)
    assert store.load(USER).consent is True

    store.mark_disclaimer_heard(USER)
    assert store.load(USER) == UserHistory(consent=True, disclaimer_heard=True, episodes=())

    store.set_consent(USER, False)
    assert store.load(USER) == UserHistory(consent=False, disclaimer_heard=True, episodes=())


def test_episodes_come_back_exactly_and_oldest_first(store: HistoryStore) -> None:
    store.set_consent(USER, True)
    middle = episode(days_ago(5), "hamstring", "quadriceps", cause="dehydration", triage="doctor")
    newest = episode(days_ago(1), "calf", cause=None, triage="urgent")
    oldest = episode(days_ago(9))  # no muscles named
    for appended in (middle, newest, oldest):
        store.append_episode(USER, appended)

    assert store.load(USER) == UserHistory(
        consent=True, disclaimer_heard=False, episodes=(oldest, middle, newest)
    )


def test_episodes_of_one_day_are_all_kept(store: HistoryStore) -> None:
    same_day = [episode(TODAY, "calf", cause=cause) for cause in ("fatigue", "caffeine", "no_warmup")]
    for appended in same_day:
        store.append_episode(USER, appended)
    store.append_episode(USER, episode(days_ago(2), "biceps"))

    loaded = store.load(USER).episodes
    assert loaded[0] == episode(days_ago(2), "biceps")
    assert sorted(loaded[1:], key=lambda ep: str(ep.cause)) == sorted(same_day, key=lambda ep: str(ep.cause))


def test_declining_consent_deletes_every_episode_of_that_user_only(
    backend: Backend, store: HistoryStore
) -> None:
    store.set_consent(USER, True)
    store.set_consent(OTHER_USER, True)
    for n in range(30):
        store.append_episode(USER, episode(days_ago(n % 20), "calf"))
    store.append_episode(OTHER_USER, episode(days_ago(1), "forearm"))

    store.set_consent(USER, False)

    assert store.load(USER) == UserHistory(consent=False, disclaimer_heard=False, episodes=())
    assert len(backend.raw_records(USER)) == 1  # only the profile with the answer is left
    assert store.load(OTHER_USER).episodes == (episode(days_ago(1), "forearm"),)


def test_deleting_a_user_leaves_nothing_behind(backend: Backend, store: HistoryStore) -> None:
    store.mark_disclaimer_heard(USER)
    store.set_consent(USER, True)
    for n in range(30):
        store.append_episode(USER, episode(days_ago(n), "calf"))
    store.set_consent(OTHER_USER, True)
    store.append_episode(OTHER_USER, episode(TODAY, "forearm"))
    assert len(backend.raw_records(USER)) == 31

    store.delete_user(USER)

    assert backend.raw_records(USER) == []
    assert store.load(USER) == NO_HISTORY
    assert store.load(OTHER_USER).episodes == (episode(TODAY, "forearm"),)
    store.delete_user(USER)  # deleting again is not an error


def test_episodes_older_than_the_retention_are_not_returned(backend: Backend, clock: FakeClock) -> None:
    store = backend.store(clock, retention=datetime.timedelta(days=14))
    store.set_consent(USER, True)
    last_live = episode(days_ago(14), "calf")  # (NOW - 14 days) falls on this day
    for appended in (episode(days_ago(15), "calf"), last_live, episode(TODAY, "calf")):
        store.append_episode(USER, appended)

    assert store.load(USER).episodes == (last_live, episode(TODAY, "calf"))

    clock.advance(hours=12)  # midnight: days_ago(14) is now fifteen days old
    assert store.load(USER).episodes == (episode(TODAY, "calf"),)

    clock.advance(days=30)
    assert store.load(USER) == UserHistory(consent=True, disclaimer_heard=False, episodes=())


def test_corrupted_episodes_are_skipped_and_logged_without_their_content(
    backend: Backend, store: HistoryStore, caplog: pytest.LogCaptureFixture
) -> None:
    good = [episode(days_ago(4), "calf"), episode(days_ago(2), "hamstring", cause="caffeine")]
    store.set_consent(USER, True)
    for appended in good:
        store.append_episode(USER, appended)
    planted = backend.plant_corrupted_episodes(USER)

    with caplog.at_level(logging.WARNING, logger="skill.persistence"):
        history = store.load(USER)

    assert history == UserHistory(consent=True, disclaimer_heard=False, episodes=tuple(good))
    warnings = [
        r for r in caplog.records if r.name.startswith("skill.persistence") and r.levelno == logging.WARNING
    ]
    assert len(warnings) == planted
    assert SECRET_NOTE not in caplog.text
    assert SECRET_CAUSE not in caplog.text


def test_a_corrupted_profile_counts_as_never_asked_and_episodes_still_load(
    backend: Backend, store: HistoryStore, caplog: pytest.LogCaptureFixture
) -> None:
    store.set_consent(USER, True)
    store.append_episode(USER, episode(days_ago(1), "calf"))
    backend.plant_corrupted_profile(USER)

    with caplog.at_level(logging.WARNING, logger="skill.persistence"):
        history = store.load(USER)

    assert history == UserHistory(
        consent=None, disclaimer_heard=False, episodes=(episode(days_ago(1), "calf"),)
    )
    assert any("profile" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


CALLS: dict[str, Callable[[HistoryStore], object]] = {
    "load": lambda s: s.load(USER),
    "mark_disclaimer_heard": lambda s: s.mark_disclaimer_heard(USER),
    "set_consent(True)": lambda s: s.set_consent(USER, True),
    "set_consent(False)": lambda s: s.set_consent(USER, False),
    "append_episode": lambda s: s.append_episode(USER, episode(TODAY, "calf")),
    "delete_user": lambda s: s.delete_user(USER),
}


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
def test_every_method_raises_store_error_when_the_backend_fails(
    backend: Backend, call: Callable[[HistoryStore], object]
) -> None:
    with pytest.raises(StoreError) as raised:
        call(backend.broken_store())

    assert isinstance(raised.value.__cause__, backend.backend_errors)


@pytest.mark.parametrize(
    "fields",
    [
        {"day": datetime.datetime(2025, 6, 30, 7, 15)},  # a time of day is more than the store keeps
        {"day": "2025-06-30"},
        {"muscles": ["calf"]},
        {"muscles": ("my left calf",)},
        {"cause": "I drank four espressos"},
        {"cause": ""},
        {"triage": "maybe"},
    ],
    ids=repr,
)
def test_an_episode_holds_only_a_date_ids_and_a_triage_level(fields: dict[str, Any]) -> None:
    valid = episode(TODAY, "calf")
    with pytest.raises(InvalidEpisodeError):
        dataclasses.replace(valid, **fields)
