"""The conversation's turn logic: state in session attributes, slot values to facts, what to say next."""

from __future__ import annotations

from skill.dialogue.flow import Turn, UserTurn, assessment_attribute, settle, step
from skill.dialogue.state import DialogueState, SessionStateError, UserContext
from skill.dialogue.understand import SlotValue

__all__ = [
    "DialogueState",
    "SessionStateError",
    "SlotValue",
    "Turn",
    "UserContext",
    "UserTurn",
    "assessment_attribute",
    "settle",
    "step",
]
