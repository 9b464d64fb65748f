"""What a turn decided to say, as data for the speech layer; no words here."""

from __future__ import annotations

import datetime as dt
from typing import Literal, NamedTuple

from skill.engine import AdvicePlan, Assessment, Facts
from skill.engine.advice import NO_ADVICE
from skill.knowledge import Question
from skill.knowledge.model import Advice, CauseId, RedFlag, TriageLevel

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
    "Redirect",
    "Repeat",
    "SaidReason",
    "Verdict",
]

Preface = (
    Literal[
        "sorry_report",
        "restart",
        "start_over",
        "not_understood",
        "not_understood_again",
        "moving_on",
        "one_at_a_time",
        "got_it",
        "going_back",
        "first_question",
        "nothing_to_undo",
    ]
    | None
)


class SaidReason(NamedTuple):
    """A reason for the leading cause: a finding and its value; `derived` when the skill worked it out itself
    (from the muscles and the workout, say) rather than the user saying it."""

    finding: str
    present: bool
    derived: bool


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
    """The verdict and every decision behind its words: which red flags to say, the advice chosen and held back,
    the first aid, the safety nets, the reasons and the runner-up. Speech only words it."""

    assessment: Assessment
    facts: Facts
    disclaimer: bool
    follow_up: Literal["more", "consent", "none"]
    pattern_count: int = 0  # the habitual pattern: this is the Nth episode in the window
    pattern_muscles: tuple[str, ...] = ()
    preface: Preface = None
    flags: tuple[RedFlag, ...] = ()  # red flags to say, most pressing first
    plan: AdvicePlan = NO_ADVICE
    reasons: tuple[SaidReason, ...] = ()
    runner_up: CauseId | None = None  # a cause close enough to the leader to mention
    unsure: frozenset[TriageLevel] = frozenset()  # levels whose screen the user could not answer
    name_cause: bool = True  # False when a sign calls for a doctor without any reassurance
    unsaved: bool = False  # the episode was to be kept, but the history store failed

    @property
    def triage(self) -> TriageLevel:
        return self.assessment.triage


class Explain(NamedTuple):
    """Why the skill thinks so, why it asks, more advice, help, or whether to see a doctor (from the verdict, once
    there is one), then back to where the user was."""

    topic: Literal["why_verdict", "why_question", "more", "help", "see_doctor"]
    question: Question | None
    assessment: Assessment | None
    facts: Facts | None
    phase: str


class Prompt(NamedTuple):
    """A yes/no the skill itself asks outside the interview."""

    topic: Literal["consent", "more", "confirm_forget", "no_history_kept"]
    preface: Literal["still_fits"] | None = None


class Recall(NamedTuple):
    """What the skill said last time, from the history."""

    cause: str | None
    triage: str | None
    day: dt.date | None  # the day of the episode, in the user's time zone
    consent: bool | None
    reachable: bool = True  # False: the history store failed, so nothing is known either way
    then: Question | None = None  # the question pending, asked again after the recall


class Redirect(NamedTuple):
    """Something outside what the skill is for: pain on its own, or nothing to go on yet; the session stays open."""

    reason: Literal["pain_only", "not_twitching", "nothing_yet", "nothing_yet_again"]


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
    tips: tuple[Advice, ...] = ()  # the advice not yet spoken, when more was asked for


Outcome = Greeting | Ask | Verdict | Explain | Prompt | Recall | Redirect | Repeat | Farewell


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
