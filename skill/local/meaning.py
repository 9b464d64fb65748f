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
from skill.dialogue.understand import understand_slots
from skill.engine import Facts, FactValue
from skill.handlers.intents import INTENT_REPLIES
from skill.handlers.turns import INTENT_TURNS
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
    kind = INTENT_TURNS.get(intent or "", "fallback")
    reply_word = INTENT_REPLIES.get(intent or "")
    filled = dict(slots)
    if reply_word is not None:
        words = filled.get("words")
        if words is None or not words.value:
            return Meaning(reply_word, (), None)
        filled["reply"] = SlotValue(reply_word, reply_word)
    understood = understand_slots(kb, filled, Facts(), pending, today or dt.date(2026, 6, 14))
    return Meaning(kind, tuple(sorted(understood.updates.items())), understood.reply)
