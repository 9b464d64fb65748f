"""Per-user history behind the HistoryStore protocol; must not import a backend (sqlite3, boto3) until asked.

``from skill.persistence import SqliteHistoryStore`` (or ``DynamoDbHistoryStore``) imports that backend then.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from skill.persistence.base import (
    DEFAULT_RETENTION,
    NO_HISTORY,
    TRIAGE_LEVELS,
    Clock,
    Episode,
    HistoryStore,
    InvalidEpisodeError,
    UnreachableHistoryStore,
    UserHistory,
    utc_now,
)

if TYPE_CHECKING:
    from skill.persistence.dynamodb import DynamoDbHistoryStore
    from skill.persistence.sqlite import SqliteHistoryStore

__all__ = [
    "DEFAULT_RETENTION",
    "NO_HISTORY",
    "TRIAGE_LEVELS",
    "Clock",
    "DynamoDbHistoryStore",
    "Episode",
    "HistoryStore",
    "InvalidEpisodeError",
    "SqliteHistoryStore",
    "UnreachableHistoryStore",
    "UserHistory",
    "utc_now",
]

_LAZY_BACKENDS = {
    "DynamoDbHistoryStore": "skill.persistence.dynamodb",
    "SqliteHistoryStore": "skill.persistence.sqlite",
}


def __getattr__(name: str) -> Any:
    module = _LAZY_BACKENDS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
