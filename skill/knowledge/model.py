"""The knowledge base as immutable runtime values; built from validated YAML, holds no logic beyond look-ups.

These are NamedTuples (not pydantic models) so that the compiled knowledge base unpickles in well under a
millisecond and the Lambda cold path never imports pydantic or yaml; not dataclasses either, whose generated
methods cost about a millisecond per class at import, a fifth of the cold start over all the skill's records.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

__all__ = [
    "CAUSE_IDS",
    "TRIAGE_LEVELS",
    "Advice",
    "Cause",
    "CauseId",
    "Derivation",
    "Finding",
    "FirstAid",
    "InterviewTuning",
    "KnowledgeBase",
    "LexiconValue",
    "Locale",
    "LocatedSymptom",
    "Muscle",
    "Question",
    "RedFlag",
    "SlotLexicon",
    "Text",
    "TriageLevel",
    "TwitchKind",
    "Workout",
]

CauseId = Literal["fatigue", "no_warmup", "dehydration", "low_blood_sugar", "caffeine"]
TriageLevel = Literal["self_care", "doctor", "urgent"]
CAUSE_IDS: tuple[CauseId, ...] = ("fatigue", "no_warmup", "dehydration", "low_blood_sugar", "caffeine")
TRIAGE_LEVELS: tuple[TriageLevel, ...] = ("self_care", "doctor", "urgent")


class Text(NamedTuple):
    text: str
    source: str


class Advice(NamedTuple):
    """One piece of a cause's advice, and the rules that hold it back where it could harm or does not fit."""

    id: str
    text: str
    source: str
    when: tuple[str, ...] = ()  # given only when every one of these findings is present
    not_when: tuple[str, ...] = ()  # held back when any of these findings is present
    regions: tuple[str, ...] = ()  # given only for twitching in these body regions (any, if empty or unknown)
    when_any: tuple[str, ...] = ()  # given only when at least one of these findings is present


class FirstAid(NamedTuple):
    """Advice for a situation rather than a cause, spoken with a verdict short of urgent when its conditions hold."""

    id: str
    text: str
    source: str
    if_all: tuple[str, ...] = ()
    if_any: tuple[str, ...] = ()
    unless_any: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()  # findings the user has not said either way
    leader: tuple[str, ...] = ()  # the leading cause is one of these


class Cause(NamedTuple):
    id: CauseId
    name: str
    what: str
    why: str
    prior: float
    signs: tuple[str, ...]
    advice: tuple[Advice, ...]
    source: str
    safety_net: Text = Text("", "")  # the signs to watch for with this cause, in one breath


class Finding(NamedTuple):
    id: str
    yes: str
    no: str
    likelihood: dict[CauseId, float] | None
    source: str

    @property
    def is_evidence(self) -> bool:
        """True for findings that weigh on the causes; False for signs only red flags use."""
        return self.likelihood is not None


class Derivation(NamedTuple):
    finding: str
    quantity: str
    at_least: float


class Question(NamedTuple):
    id: str
    kind: Literal["screen", "cause"]
    finding: str
    yes: bool
    no: bool
    text: str
    reprompt: str
    why: str
    unless: dict[str, bool]  # findings that, once they hold, make the question unnecessary
    quantity: str | None = None
    reveals: TriageLevel | None = None  # a screen question: the triage level its yes reaches
    when: dict[str, bool] | None = None  # asked only when every finding has this value
    when_any: tuple[str, ...] = ()  # asked only when at least one of these findings is present
    spells_out: tuple[str, ...] = ()  # asked only after one of these screen questions was missed twice
    skip_if_missed: tuple[str, ...] = ()  # not asked once one of these was missed (its single signs cover it)
    skip_if_asked: tuple[str, ...] = ()  # not asked once one of these was asked (it covers the same signs)
    a_little_means_yes: bool = False  # "a bit" answers a feeling ("jittery? a bit") with a yes
    yes_when_said: tuple[str, ...] = ()  # words that answer yes whatever else is said ("it's still going")
    no_when_said: tuple[str, ...] = ()  # words that answer no whatever else is said ("yes, it has settled")


class RedFlag(NamedTuple):
    """A rule: fires when every finding in `all_of` is present and, if `any_of` is given, one of those too."""

    id: str
    level: Literal["doctor", "urgent"]
    all_of: tuple[str, ...]
    say: str
    source: str
    any_of: tuple[str, ...] = ()
    name_cause: bool = True  # False: never name a benign cause beside this sign
    none_of: tuple[str, ...] = ()

    def fires(self, present: set[str] | frozenset[str]) -> bool:
        return (
            present.issuperset(self.all_of)
            and (not self.any_of or not present.isdisjoint(self.any_of))
            and present.isdisjoint(self.none_of)
        )

    @property
    def signs(self) -> tuple[str, ...]:
        return (*self.all_of, *self.any_of)


class Muscle(NamedTuple):
    id: str
    name: str
    region: str


class LocatedSymptom(NamedTuple):
    """A symptom said of one muscle that means more there; `said`: the words the muscle must have been named by."""

    symptom: str
    muscle: str
    said: tuple[str, ...]
    sets: tuple[str, ...]
    replaces: bool = False  # the symptom's own findings give way to these


class Workout(NamedTuple):
    id: str
    name: str
    works: tuple[str, ...]
    implies: dict[str, bool] | None = (
        None  # findings that follow from the workout itself (a walk is its own warm-up)
    )


class TwitchKind(NamedTuple):
    id: str
    name: str
    what: str


class Locale(NamedTuple):
    """The words that differ by locale ("terms"), filled by the speech layer wherever knowledge text or a phrase
    names one in braces: {emergency_number}, {a_doctor}, ... `terms` holds every term, the base's where the
    locale has no word of its own."""

    name: str
    terms: dict[str, str]

    @property
    def emergency_number(self) -> str:
        return self.terms["emergency_number"]


class LexiconValue(NamedTuple):
    id: str
    value: str
    synonyms: tuple[str, ...]


class SlotLexicon(NamedTuple):
    """The words for one custom slot type: the slot name the dialogue reads, and each value's phrases."""

    slot: str
    values: tuple[LexiconValue, ...]


class InterviewTuning(NamedTuple):
    max_questions: int
    leader_at_least: float
    lead_margin: float
    min_gain_bits: float
    close_runner_up: float


class KnowledgeBase(NamedTuple):
    causes: dict[CauseId, Cause]
    findings: dict[str, Finding]
    quantities: dict[str, tuple[float, float]]
    derivations: tuple[Derivation, ...]
    questions: dict[str, Question]
    red_flags: tuple[RedFlag, ...]
    muscles: dict[str, Muscle]
    workouts: dict[str, Workout]
    caffeine_mg: dict[str, float]
    caffeine_sets: dict[
        str, tuple[int, tuple[str, ...]]
    ]  # source -> (from how many servings, findings it sets)
    symptoms: dict[str, tuple[str, ...]]
    located_symptoms: tuple[LocatedSymptom, ...]
    complaint_words: frozenset[str]  # words that put a report in the skill's scope (twitch, spasm, cramp)
    twitch_kinds: dict[str, TwitchKind]
    lexicon: dict[str, SlotLexicon]  # custom slot type name -> its words
    # locale -> custom slot type name -> value id -> words only that locale's interaction model adds
    locale_words: dict[str, dict[str, dict[str, tuple[str, ...]]]]
    locales: dict[str, Locale]  # "en-GB" -> its words
    fallback_locale: str
    # "en-GB" or "en" -> text path (skill.knowledge.localize.prose) -> that locale's sentence
    text_overlays: dict[str, dict[str, str]]
    first_aid: dict[str, FirstAid]  # in the order they are spoken
    safety_net: Text
    urgent_safety_net: Text
    caffeine_daily_mg: float
    habitual_count: int
    habitual_window_days: int
    retention_days: int
    interview: InterviewTuning

    def question_for(self, finding_id: str) -> Question | None:
        """The question that settles a finding, if any."""
        for question in self.questions.values():
            if question.finding == finding_id:
                return question
        return None
