"""The history contract: Episode, UserHistory, the HistoryStore protocol; must not import a backend."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, NamedTuple, Protocol

from skill.errors import MuscleCoachError, StoreError

__all__ = [
    "DEFAULT_RETENTION",
    "NO_HISTORY",
    "TRIAGE_LEVELS",
    "Clock",
    "Episode",
    "HistoryStore",
    "InvalidEpisodeError",
    "UnreachableHistoryStore",
    "UserHistory",
    "utc_now",
]

Clock = Callable[[], datetime.datetime]
"""Returns the current instant in UTC; injected so that expiry can be tested."""

DEFAULT_RETENTION: Final = datetime.timedelta(days=180)
TRIAGE_LEVELS: Final = frozenset({"self_care", "doctor", "urgent"})

# Muscle and cause ids are short machine ids, never free text: this is what keeps the stored history minimal.
_ID = re.compile(r"[a-z][a-z0-9_]{0,47}")


def utc_now() -> datetime.datetime:
    """The default clock: now, timezone-aware, in UTC."""
    return datetime.datetime.now(datetime.UTC)


class InvalidEpisodeError(MuscleCoachError, ValueError):
    """An episode field is not a date, a known triage level or a plain id (messages never carry values)."""


def _is_id(value: object) -> bool:
    return isinstance(value, str) and _ID.fullmatch(value) is not None


@dataclass(frozen=True, slots=True)
class Episode:
    """One twitching report, reduced to what spotting a pattern needs: when, where, cause, how serious."""

    day: datetime.date
    muscles: tuple[str, ...]
    cause: str | None
    triage: str

    def __post_init__(self) -> None:
        if type(self.day) is not datetime.date:  # a datetime would smuggle in the time of day
            raise InvalidEpisodeError("day must be a datetime.date (not a datetime)")
        if not isinstance(self.muscles, tuple) or not all(_is_id(m) for m in self.muscles):
            raise InvalidEpisodeError(
                "muscles must be a tuple of muscle ids (lowercase letters, digits, '_')"
            )
        if self.cause is not None and not _is_id(self.cause):
            raise InvalidEpisodeError("cause must be a cause id (lowercase letters, digits, '_') or None")
        if self.triage not in TRIAGE_LEVELS:
            raise InvalidEpisodeError(f"triage must be one of {sorted(TRIAGE_LEVELS)}")


class UserHistory(NamedTuple):
    """What the skill knows of a user: the consent answer, the disclaimer flag, live episodes oldest first."""

    consent: bool | None
    disclaimer_heard: bool
    episodes: tuple[Episode, ...]


NO_HISTORY: Final = UserHistory(consent=None, disclaimer_heard=False, episodes=())
"""An unknown user; also what a caller falls back to when the store is down."""


class HistoryStore(Protocol):
    """Per-user history. Every method raises skill.errors.StoreError when the backend fails.

    The store applies no policy: callers decide when to append (only with consent). Episodes older than the
    store's retention are never returned. ``load`` returns episodes ordered by day, oldest first; episodes of
    the same day come in an order the store chooses (the SQLite store keeps the order they were appended in).
    """

    def load(self, user_id: str) -> UserHistory:
        """The user's history; NO_HISTORY for a user the store has never seen."""
        ...

    def mark_disclaimer_heard(self, user_id: str) -> None:
        """Remember that the health disclaimer was spoken to this user."""
        ...

    def set_consent(self, user_id: str, consent: bool) -> None:
        """Keep the user's answer; False also deletes every stored episode of the user."""
        ...

    def append_episode(self, user_id: str, episode: Episode) -> None:
        """Add one episode; never overwrites another one, even when two devices append at the same time."""
        ...

    def delete_user(self, user_id: str) -> None:
        """Remove everything about the user, profile included."""
        ...


class UnreachableHistoryStore:
    """A HistoryStore that is configured but cannot be built (say, a table without a region): every call raises
    StoreError, so the skill says the history is unreachable rather than that there is none."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def _fail(self) -> StoreError:
        return StoreError(f"the history store is not usable: {self.reason}")

    def load(self, user_id: str) -> UserHistory:
        raise self._fail()

    def mark_disclaimer_heard(self, user_id: str) -> None:
        raise self._fail()

    def set_consent(self, user_id: str, consent: bool) -> None:
        raise self._fail()

    def append_episode(self, user_id: str, episode: Episode) -> None:
        raise self._fail()

    def delete_user(self, user_id: str) -> None:
        raise self._fail()
