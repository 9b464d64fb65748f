"""Rules both stores share: the retention arithmetic and validation of records read back; must not do I/O."""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from pydantic import BaseModel, ConfigDict, ValidationError

from skill.persistence.base import Clock, Episode, InvalidEpisodeError

__all__ = ["Retention", "StoredEpisode", "describe_problem", "episode_from_record", "record_of"]

_ISO_DAY: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_ONE_DAY: Final = datetime.timedelta(days=1)


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


class StoredEpisode(BaseModel):
    """An episode as read back from a store: exact types, no other fields."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    day: str
    muscles: list[str]
    cause: str | None = None
    triage: str


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
    """Validate stored fields into an Episode; raises ValueError (describe it with ``describe_problem``)."""
    stored = StoredEpisode.model_validate(dict(record))
    if _ISO_DAY.fullmatch(stored.day) is None:
        raise InvalidEpisodeError("day is not an ISO date (YYYY-MM-DD)")
    try:
        day = datetime.date.fromisoformat(stored.day)
    except ValueError as exc:
        raise InvalidEpisodeError("day is not a calendar date") from exc
    return Episode(day=day, muscles=tuple(stored.muscles), cause=stored.cause, triage=stored.triage)


def describe_problem(exc: ValueError) -> str:
    """What is wrong with a record: fields and error kinds, never the stored values (they are health data)."""
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(part) for part in err['loc']) or 'record'}: {err['type']}" for err in exc.errors()
        )
    if isinstance(exc, InvalidEpisodeError):
        return str(exc)
    return type(exc).__name__
