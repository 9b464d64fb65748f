"""The thin edge: ask-sdk handlers that read state, call the engine, render speech and write state."""

from __future__ import annotations

from typing import Any

from skill.handlers import intents
from skill.handlers.history import HistoryKeeper
from skill.handlers.lifecycle import (
    CatchAllExceptionHandler,
    SessionEndedHandler,
    SkillDisabledHandler,
    UnsupportedRequestHandler,
)
from skill.handlers.local_time import TimeZones
from skill.handlers.turns import (
    IntentTurnHandler,
    LaunchHandler,
    TurnRunner,
    UnknownIntentHandler,
)
from skill.knowledge import KnowledgeBase
from skill.persistence import Clock, HistoryStore, utc_now

__all__ = ["HistoryKeeper", "build_handlers", "intents"]


def build_handlers(
    kb: KnowledgeBase, store: HistoryStore | None, time_zones: TimeZones, clock: Clock = utc_now
) -> tuple[list[Any], list[Any]]:
    """Request handlers in dispatch order, and exception handlers; days are counted in `time_zones`' zone,
    `clock` is the server's (UTC) time."""
    history = HistoryKeeper(kb, store)
    runner = TurnRunner(kb, history, time_zones, clock)
    request_handlers: list[Any] = [
        IntentTurnHandler(runner),
        LaunchHandler(runner),
        UnknownIntentHandler(runner),
        SessionEndedHandler(),
        SkillDisabledHandler(history),
        UnsupportedRequestHandler(kb),
    ]
    return request_handlers, [CatchAllExceptionHandler(kb)]
