"""What a turn decided to say, as data for the speech layer; no words here."""

from __future__ import annotations

from typing import Literal, NamedTuple

from skill.engine import Assessment, Facts
from skill.knowledge import Question

__all__ = [
    "Ask",
    "Effect",
    "EffectKind",
    "Explain",
    "Farewell",
    "Greeting",
    "Outcome",
    "Prompt",
    "Recall",
    "Repeat",
    "Verdict",
]

Preface = Literal["sorry_report", "restart", "start_over", "not_understood", "moving_on", "got_it"] | None


class Greeting(NamedTuple):
    returning: bool
    disclaimer: bool
    preface: Preface = None


class Ask(NamedTuple):
    question: Question
    preface: Preface
    disclaimer: bool
    muscles: tuple[str, ...] = ()
    guidance: bool = False  # the second try: say what is needed and why


class Verdict(NamedTuple):
    assessment: Assessment
    facts: Facts
    disclaimer: bool
    follow_up: Literal["more", "consent", "none"]
    pattern_count: int = 0  # the habitual pattern: this is the Nth episode in the window
    pattern_muscles: tuple[str, ...] = ()
    preface: Preface = None
    unsaved: bool = False  # the episode was to be kept, but the history store failed


class Explain(NamedTuple):
    """Why the skill thinks so, why it asks, more advice, or help, then back to where the user was."""

    topic: Literal["why_verdict", "why_question", "more", "help"]
    question: Question | None
    assessment: Assessment | None
    facts: Facts | None
    phase: str


class Prompt(NamedTuple):
    """A yes/no the skill itself asks outside the interview."""

    topic: Literal["consent", "more", "confirm_forget", "no_history_kept"]


class Recall(NamedTuple):
    """What the skill said last time, from the history."""

    cause: str | None
    triage: str | None
    day: str | None
    consent: bool | None
    reachable: bool = True  # False: the history store failed, so nothing is known either way


class Repeat(NamedTuple):
    speech: str | None
    reprompt: str | None


class Farewell(NamedTuple):
    reason: Literal[
        "stop",
        "done",
        "consent_yes",
        "consent_no",
        "forgotten",
        "kept",
        "more_given",
        "forget_failed",  # the history store failed: nothing was deleted, or not all of it
        "consent_unsaved",  # the history store failed: the episode (or the consent) was not kept
    ]
    more: Assessment | None = None


Outcome = Greeting | Ask | Verdict | Explain | Prompt | Recall | Repeat | Farewell


EffectKind = Literal["record_episode", "set_consent", "forget", "disclaimer_heard"]


class Effect(NamedTuple):
    """A change the edge must make in the history store before the turn's words are chosen.

    ``record_episode`` carries the episode as the engine assessed it (never as the device sent it back).
    """

    kind: EffectKind
    consent: bool | None = None
    muscles: tuple[str, ...] = ()
    cause: str | None = None
    triage: str | None = None
