"""What an intent and its slots mean to the skill: the kind of turn and the facts the dialogue takes from them.

Two clients can send different slots for the same words (virtual-alexa fills the first sample its regular
expression fits; the chat resolver the most specific one), and still mean the same thing once the skill has read
them. Comparing meanings is how the chat resolver is held to what a real Alexa client sends. Never needed in Lambda.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import NamedTuple

from skill.dialogue import SlotValue
from skill.dialogue.understand import answer_yes_no, understand_slots
from skill.engine import Facts, FactValue
from skill.handlers.turns import INTENT_TURNS, read_intent
from skill.knowledge import KnowledgeBase, Question

__all__ = ["Meaning", "meaning_of"]


class Meaning(NamedTuple):
    kind: str
    facts: tuple[tuple[str, FactValue], ...]  # sorted by fact id
    reply: bool | None


def meaning_of(
    kb: KnowledgeBase,
    intent: str | None,
    slots: Mapping[str, SlotValue],
    today: dt.date | None = None,
    *,
    pending: Question | None = None,
) -> Meaning:
    """The meaning of one request as the handlers would read it, outside any question unless `pending` names the
    one it answers (an amount such as "barely anything" means something only as the answer to a question)."""
    if intent not in INTENT_TURNS:
        return Meaning("fallback", (), None)
    kind, filled = read_intent(intent, dict(slots))
    if kind in ("yes", "no"):
        return Meaning(kind, (), None)
    understood = understand_slots(kb, filled, Facts(), pending, today or dt.date(2026, 6, 14))
    updates = dict(understood.updates)
    if pending is not None and understood.reply is not None and pending.finding not in updates:
        updates.update(answer_yes_no(pending, understood.reply))  # as the dialogue applies a reply
    return Meaning(kind, tuple(sorted(updates.items())), understood.reply)
