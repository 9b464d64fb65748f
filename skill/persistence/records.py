"""Rules both stores share: the retention arithmetic and validation of records read back; must not do I/O.

Records are checked by hand rather than with pydantic: the first history read of a Lambda cold start would
otherwise import pydantic (about a hundred milliseconds and a third of the process's memory).
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from skill.persistence.base import Clock, Episode, InvalidEpisodeError

__all__ = ["Retention", "describe_problem", "episode_from_record", "record_of"]

_ISO_DAY: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_ONE_DAY: Final = datetime.timedelta(days=1)
_RECORD_FIELDS: Final = frozenset({"day", "muscles", "cause", "triage"})
"""The fields of a stored episode; ``cause`` may be absent or None, the others are required."""


@dataclass(frozen=True, slots=True)
class Retention:
    """How long episodes live. An episode of day D is live until the end of D (UTC) plus ``period``."""

    period: datetime.timedelta
    clock: Clock

    def __post_init__(self) -> None:
        if self.period <= datetime.timedelta(0):
            raise ValueError("retention must be a positive duration")

    def now(self) -> datetime.datetime:
        """The clock's reading as an aware UTC datetime (a naive reading is taken to be UTC)."""
        now = self.clock()
        if now.tzinfo is None:
            return now.replace(tzinfo=datetime.UTC)
        return now.astimezone(datetime.UTC)

    def oldest_live_day(self, now: datetime.datetime) -> datetime.date:
        """Episodes of an earlier day than this have expired at ``now``."""
        return (now - self.period).date()

    def expires_at(self, day: datetime.date) -> int:
        """Epoch seconds from which an episode of ``day`` is expired (rounded up: never before the rule)."""
        end_of_day = datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC) + _ONE_DAY
        return math.ceil((end_of_day + self.period).timestamp())


def record_of(episode: Episode) -> dict[str, object]:
    """The stored fields of an episode; ``cause`` is left out when there is none."""
    record: dict[str, object] = {
        "day": episode.day.isoformat(),
        "muscles": list(episode.muscles),
        "triage": episode.triage,
    }
    if episode.cause is not None:
        record["cause"] = episode.cause
    return record


def episode_from_record(record: Mapping[str, object]) -> Episode:
    """Validate stored fields into an Episode: exact types, no other fields; raises InvalidEpisodeError."""
    unexpected = sorted(str(name) for name in set(record) - _RECORD_FIELDS)
    if unexpected:
        raise InvalidEpisodeError(f"unexpected field(s): {', '.join(unexpected)}")
    day, muscles, cause, triage = (record.get(name) for name in ("day", "muscles", "cause", "triage"))
    if type(day) is not str:
        raise InvalidEpisodeError("day: missing or not a string")
    if type(muscles) is not list or not all(type(muscle) is str for muscle in muscles):
        raise InvalidEpisodeError("muscles: missing or not a list of strings")
    if cause is not None and type(cause) is not str:
        raise InvalidEpisodeError("cause: not a string")
    if type(triage) is not str:
        raise InvalidEpisodeError("triage: missing or not a string")
    if _ISO_DAY.fullmatch(day) is None:
        raise InvalidEpisodeError("day is not an ISO date (YYYY-MM-DD)")
    try:
        parsed = datetime.date.fromisoformat(day)
    except ValueError as exc:
        raise InvalidEpisodeError("day is not a calendar date") from exc
    return Episode(day=parsed, muscles=tuple(muscles), cause=cause, triage=triage)


def describe_problem(exc: ValueError) -> str:
    """What is wrong with a record: fields and error kinds, never the stored values (they are health data)."""
    if isinstance(exc, InvalidEpisodeError):
        return str(exc)
    return type(exc).__name__
