"""Validation of the knowledge base YAML with pydantic (extra="forbid"); turns it into runtime values.

Used when the knowledge base is built or checked (`muscle-coach validate`, the package build, development);
never on the Lambda cold path, which loads the compiled form instead.
"""

from __future__ import annotations

import re
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from skill.knowledge import model as m

__all__ = ["KnowledgeFiles", "to_knowledge_base"]

Probability = float


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TextEntry(_Strict):
    text: str
    source: str


Region = Literal["legs", "arms", "torso", "head", "everywhere"]


class AdviceEntry(_Strict):
    id: str
    text: str = Field(min_length=1)
    source: str = Field(min_length=1)
    when: list[str] = Field(default_factory=list)
    when_any: list[str] = Field(default_factory=list)
    not_when: list[str] = Field(default_factory=list)
    regions: list[Region] = Field(default_factory=list)


class CauseEntry(_Strict):
    id: m.CauseId
    name: str
    what: str
    why: str
    prior: float = Field(gt=0, lt=1)
    signs: list[str]
    advice: list[AdviceEntry] = Field(min_length=1)
    safety_net: TextEntry
    source: str = Field(min_length=1)


class CausesFile(_Strict):
    causes: list[CauseEntry]

    @model_validator(mode="after")
    def _all_five_once(self) -> Self:
        ids = [cause.id for cause in self.causes]
        if sorted(ids) != sorted(m.CAUSE_IDS):
            raise ValueError(f"causes must be exactly {list(m.CAUSE_IDS)} once each, got {ids}")
        total = sum(cause.prior for cause in self.causes)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"cause priors must sum to 1, they sum to {total:.4f}")
        return self


class FindingEntry(_Strict):
    id: str
    said_yes: str
    said_no: str
    likelihood: dict[m.CauseId, float] | None = None
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _likelihood_complete(self) -> Self:
        if self.likelihood is not None:
            missing = set(m.CAUSE_IDS) - set(self.likelihood)
            if missing:
                raise ValueError(f"likelihood is missing causes {sorted(missing)}")
            bad = {k: v for k, v in self.likelihood.items() if not 0.0 < v < 1.0}
            if bad:
                raise ValueError(f"likelihoods must be strictly between 0 and 1: {bad}")
        return self


class QuantityEntry(_Strict):
    id: str
    unit: str
    min: float
    max: float
    source: str


class DerivationEntry(_Strict):
    finding: str
    quantity: str
    at_least: float
    source: str


class FindingsFile(_Strict):
    findings: list[FindingEntry]
    quantities: list[QuantityEntry]
    derivations: list[DerivationEntry]


class QuestionEntry(_Strict):
    id: str
    kind: Literal["screen", "cause"]
    finding: str
    on_yes: bool
    on_no: bool
    text: str = Field(min_length=1)
    reprompt: str = Field(min_length=1)
    why: str = Field(min_length=1)
    dont_know: Literal["skip"]
    quantity: str | None = None
    unless: dict[str, bool] = Field(default_factory=dict)
    a_little_means_yes: bool = False
    when: dict[str, bool] = Field(default_factory=dict)
    when_any: list[str] = Field(default_factory=list)
    spells_out: list[str] = Field(default_factory=list)
    skip_if_missed: list[str] = Field(default_factory=list)
    skip_if_asked: list[str] = Field(default_factory=list)
    # words that answer the question whatever yes or no comes with them ("yes, it has settled" is a no)
    yes_when_said: list[str] = Field(default_factory=list)
    no_when_said: list[str] = Field(default_factory=list)
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _answers_differ(self) -> Self:
        if self.on_yes == self.on_no:
            raise ValueError("yes and no must give the finding different values")
        if self.kind != "screen" and (
            self.when or self.when_any or self.spells_out or self.skip_if_missed or self.skip_if_asked
        ):
            raise ValueError("only screen questions take when, when_any, spells_out or skip_if_missed")
        return self


class QuestionsFile(_Strict):
    questions: list[QuestionEntry]


class RedFlagEntry(_Strict):
    id: str
    level: Literal["doctor", "urgent"]
    all_of: list[str]
    any_of: list[str] = Field(default_factory=list)
    none_of: list[str] = Field(default_factory=list)
    name_cause: bool = True
    say: str = Field(min_length=1)
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _some_sign(self) -> Self:
        if not self.all_of and not self.any_of:
            raise ValueError("a red flag needs at least one finding in all_of or any_of")
        return self


class RedFlagsFile(_Strict):
    red_flags: list[RedFlagEntry]


class MuscleEntry(_Strict):
    id: str
    name: str
    region: Literal["legs", "arms", "torso", "head", "everywhere"]


class WorkoutEntry(_Strict):
    id: str
    name: str
    works: list[Literal["legs", "arms", "torso"]] = Field(min_length=1)
    implies: dict[str, bool] = Field(default_factory=dict)


class CaffeineEntry(_Strict):
    id: str
    mg: float = Field(ge=0)
    sets: list[str] = Field(default_factory=list)
    sets_at_count: int = Field(default=1, ge=1)


class LocatedSymptomEntry(_Strict):
    symptom: str
    muscle: str
    said: list[str] = Field(default_factory=list)
    sets: list[str] = Field(min_length=1)
    replaces: bool = False


class VocabularyFile(_Strict):
    complaint_words: list[str] = Field(min_length=1)
    located_symptoms: list[LocatedSymptomEntry] = Field(default_factory=list)
    muscles: list[MuscleEntry]
    workouts: list[WorkoutEntry]
    caffeine_sources: list[CaffeineEntry]
    symptoms: dict[str, list[str]]


class LexiconValue(_Strict):
    id: str
    value: str = Field(min_length=1)
    synonyms: list[str] = Field(default_factory=list)


class SlotLexiconEntry(_Strict):
    slot: str
    values: list[LexiconValue] = Field(min_length=1)


class LocaleWordsEntry(_Strict):
    """Words only some locales' interaction models hear: slot type -> value id -> extra synonyms."""

    locales: list[str] = Field(min_length=1)
    slot_types: dict[str, dict[str, list[str]]]


class LexiconFile(_Strict):
    slot_types: dict[str, SlotLexiconEntry]
    locale_words: list[LocaleWordsEntry] = Field(default_factory=list)


EMERGENCY_NUMBER = "emergency_number"


class LocalesFile(_Strict):
    """The locales served, each with its terms; `terms`: the base words, for a locale without its own."""

    fallback: str
    terms: dict[str, str] = Field(default_factory=dict)
    locales: dict[str, dict[str, str]] = Field(min_length=1)

    @model_validator(mode="after")
    def _terms_resolve(self) -> Self:
        problems: list[str] = []
        if self.fallback not in self.locales:
            problems.append(f"the fallback {self.fallback!r} is not one of the locales")
        if EMERGENCY_NUMBER in self.terms:
            problems.append(f"{EMERGENCY_NUMBER} has no base word: every locale names its own")
        for name, terms in self.locales.items():
            if not terms.get(EMERGENCY_NUMBER, "").strip():
                problems.append(f"locale {name!r} names no {EMERGENCY_NUMBER}")
            problems.extend(
                f"locale {name!r}: {term!r} is not a term (the base terms name every term)"
                for term in terms
                if term != EMERGENCY_NUMBER and term not in self.terms
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def term_names(self) -> frozenset[str]:
        return frozenset({EMERGENCY_NUMBER, *self.terms})


class TwitchKindEntry(_Strict):
    id: str
    name: str
    what: str
    source: str


class LimitsEntry(_Strict):
    caffeine_daily_mg: float = Field(gt=0)
    carbohydrate_before_g: tuple[int, int]
    fluids: str
    sources: list[str] = Field(min_length=1)


class HistoryEntry(_Strict):
    habitual_count: int = Field(ge=2)
    habitual_window_days: int = Field(ge=1)
    retention_days: int = Field(ge=1)
    source: str


class InterviewEntry(_Strict):
    max_questions: int = Field(ge=1, le=6)
    leader_at_least: float = Field(gt=0, lt=1)
    lead_margin: float = Field(ge=0, lt=1)
    min_gain_bits: float = Field(ge=0)
    close_runner_up: float = Field(ge=0, lt=1)
    source: str


class FirstAidEntry(_Strict):
    id: str
    text: str = Field(min_length=1)
    source: str = Field(min_length=1)
    if_all: list[str] = Field(default_factory=list)
    if_any: list[str] = Field(default_factory=list)
    unless_any: list[str] = Field(default_factory=list)
    unknown: list[str] = Field(default_factory=list)
    leader: list[m.CauseId] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_a_condition(self) -> Self:
        if not (self.if_all or self.if_any or self.leader):
            raise ValueError("first aid needs a condition: if_all, if_any or leader")
        return self

    def findings(self) -> list[str]:
        return [*self.if_all, *self.if_any, *self.unless_any, *self.unknown]


class GuidanceFile(_Strict):
    twitch_kinds: list[TwitchKindEntry]
    first_aid: list[FirstAidEntry]
    safety_net: TextEntry
    urgent_safety_net: TextEntry
    limits: LimitsEntry
    history: HistoryEntry
    interview: InterviewEntry


class KnowledgeFiles(_Strict):
    """All knowledge files together, checked against each other."""

    causes: CausesFile
    findings: FindingsFile
    questions: QuestionsFile
    red_flags: RedFlagsFile
    vocabulary: VocabularyFile
    guidance: GuidanceFile
    lexicon: LexiconFile
    locales: LocalesFile
    text_overlays: dict[str, dict[str, str]] = Field(default_factory=dict)  # text/<locale>.yaml

    @model_validator(mode="after")
    def _references_resolve(self) -> Self:
        problems: list[str] = []
        finding_ids = _unique("findings.yaml: finding", [f.id for f in self.findings.findings], problems)
        quantity_ids = _unique("findings.yaml: quantity", [q.id for q in self.findings.quantities], problems)
        question_ids = _unique("questions.yaml: question", [q.id for q in self.questions.questions], problems)
        _unique("red_flags.yaml: red flag", [r.id for r in self.red_flags.red_flags], problems)
        _unique("vocabulary.yaml: muscle", [x.id for x in self.vocabulary.muscles], problems)
        _unique("vocabulary.yaml: workout", [x.id for x in self.vocabulary.workouts], problems)
        for d in self.findings.derivations:
            if d.finding not in finding_ids:
                problems.append(f"findings.yaml: derivation of {d.finding!r}: unknown finding")
            if d.quantity not in quantity_ids:
                problems.append(
                    f"findings.yaml: derivation of {d.finding!r}: unknown quantity {d.quantity!r}"
                )
        for q in self.questions.questions:
            if q.finding not in finding_ids:
                problems.append(f"questions.yaml: question {q.id!r}: unknown finding {q.finding!r}")
            if q.quantity is not None and q.quantity not in quantity_ids:
                problems.append(f"questions.yaml: question {q.id!r}: unknown quantity {q.quantity!r}")
            problems.extend(
                f"questions.yaml: question {q.id!r}: unless or when names unknown finding {f!r}"
                for f in [*q.unless, *q.when, *q.when_any]
                if f not in finding_ids
            )
            problems.extend(
                f"questions.yaml: question {q.id!r}: names unknown question {other!r}"
                for other in [*q.spells_out, *q.skip_if_missed, *q.skip_if_asked]
                if other not in question_ids
            )
            if q.kind == "screen" and _screen_reveals(self.red_flags.red_flags, q) is None:
                problems.append(
                    f"questions.yaml: screen question {q.id!r}: no red flag fires on a yes to {q.finding!r}"
                )
        for flag in self.red_flags.red_flags:
            problems.extend(
                f"red_flags.yaml: red flag {flag.id!r}: unknown finding {f!r}"
                for f in [*flag.all_of, *flag.any_of, *flag.none_of]
                if f not in finding_ids
            )
        for cause in self.causes.causes:
            for advice in cause.advice:
                problems.extend(
                    f"causes.yaml: advice {advice.id!r}: unknown finding {f!r}"
                    for f in [*advice.when, *advice.when_any, *advice.not_when]
                    if f not in finding_ids
                )
        for aid in self.guidance.first_aid:
            problems.extend(
                f"guidance.yaml: first aid {aid.id!r}: unknown finding {f!r}"
                for f in aid.findings()
                if f not in finding_ids
            )
        for workout in self.vocabulary.workouts:
            problems.extend(
                f"vocabulary.yaml: workout {workout.id!r}: unknown finding {f!r}"
                for f in workout.implies
                if f not in finding_ids
            )
        for source in self.vocabulary.caffeine_sources:
            problems.extend(
                f"vocabulary.yaml: caffeine source {source.id!r}: unknown finding {f!r}"
                for f in source.sets
                if f not in finding_ids
            )
        known_ids = {
            "muscle": {x.id for x in self.vocabulary.muscles},
            "workout": {x.id for x in self.vocabulary.workouts},
            "caffeine": {x.id for x in self.vocabulary.caffeine_sources},
            "symptom": set(self.vocabulary.symptoms),
        }
        for type_name, entry in self.lexicon.slot_types.items():
            ids = known_ids.get(entry.slot)
            if ids is None:
                continue
            problems.extend(
                f"lexicon.yaml: {type_name}: id {value.id!r} is not a knowledge-base {entry.slot}"
                for value in entry.values
                if value.id not in ids
            )
            problems.extend(
                f"lexicon.yaml: {type_name}: the knowledge-base {entry.slot} {missing!r} has no words"
                for missing in sorted(ids - {value.id for value in entry.values})
            )
        problems.extend(_locale_word_problems(self.lexicon, set(self.locales.locales)))
        for located in self.vocabulary.located_symptoms:
            if located.symptom not in self.vocabulary.symptoms:
                problems.append(f"vocabulary.yaml: located symptom: unknown symptom {located.symptom!r}")
            if located.muscle not in known_ids["muscle"]:
                problems.append(f"vocabulary.yaml: located symptom: unknown muscle {located.muscle!r}")
            problems.extend(
                f"vocabulary.yaml: located symptom: unknown finding {f!r}"
                for f in located.sets
                if f not in finding_ids
            )
        for symptom, found in self.vocabulary.symptoms.items():
            problems.extend(
                f"vocabulary.yaml: symptom {symptom!r}: unknown finding {f!r}"
                for f in found
                if f not in finding_ids
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self


PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def text_problems(kb: m.KnowledgeBase, files: KnowledgeFiles) -> list[str]:
    """Text overlays must name served locales (or their language) and texts the base has; every text, base
    or overlay, may name only the terms locales.yaml defines."""
    from skill.knowledge.localize import prose

    problems: list[str] = []
    terms = files.locales.term_names()
    base = prose(kb)
    languages = {name.split("-", 1)[0] for name in kb.locales}
    texts = [(f"{path}", text) for path, text in base.items()]
    for tag, overlay in kb.text_overlays.items():
        where = f"text/{tag}.yaml"
        if tag not in kb.locales and tag not in languages:
            problems.append(f"{where}: {tag!r} is neither a locale in locales.yaml nor the language of one")
        problems.extend(
            f"{where}: {path!r} is not a text of the knowledge base" for path in overlay if path not in base
        )
        texts.extend((f"{where}: {path}", text) for path, text in overlay.items())
    problems.extend(
        f"{where}: unknown term {{{name}}}"
        for where, text in texts
        for name in PLACEHOLDER.findall(text)
        if name not in terms
    )
    return problems


def _unique(what: str, ids: list[str], problems: list[str]) -> set[str]:
    seen: set[str] = set()
    for entry_id in ids:
        if entry_id in seen:
            problems.append(f"{what} {entry_id!r} is defined twice")
        seen.add(entry_id)
    return seen


def _screen_reveals(flags: list[RedFlagEntry], question: QuestionEntry) -> m.TriageLevel | None:
    """The highest triage level a yes to a screen question reaches, given the signs it is asked for (`when`,
    and any one of `when_any`): what its yes means."""
    base = {question.finding, *(f for f, value in question.when.items() if value)}
    situations = [base | {other} for other in question.when_any] or [base]
    levels = {
        flag.level
        for flag in flags
        for present in situations
        if present.issuperset(flag.all_of)
        and (not flag.any_of or not present.isdisjoint(flag.any_of))
        and present.isdisjoint(flag.none_of)
    }
    return "urgent" if "urgent" in levels else "doctor" if levels else None


def _locale_word_problems(lexicon: LexiconFile, locales: set[str]) -> list[str]:
    """Locale words must name served locales, a slot type and value id of the lexicon, and add new words."""
    problems: list[str] = []
    for entry in lexicon.locale_words:
        where = f"lexicon.yaml: locale words for {', '.join(entry.locales)}"
        problems.extend(
            f"{where}: {name!r} is not in locales.yaml" for name in entry.locales if name not in locales
        )
        for type_name, words in entry.slot_types.items():
            base = lexicon.slot_types.get(type_name)
            if base is None:
                problems.append(f"{where}: no slot type {type_name!r}")
                continue
            heard = {word for value in base.values for word in (value.value, *value.synonyms)}
            ids = {value.id for value in base.values}
            for value_id, synonyms in words.items():
                if value_id not in ids:
                    problems.append(f"{where}: {type_name}: no value {value_id!r}")
                    continue
                problems.extend(
                    f"{where}: {type_name}: {value_id}: {word!r} is already a word of {type_name}"
                    for word in synonyms
                    if word in heard
                )
    return problems


def _locale_words(lexicon: LexiconFile) -> dict[str, dict[str, dict[str, tuple[str, ...]]]]:
    """locale -> slot type -> value id -> the words only that locale's interaction model adds, in order."""
    words: dict[str, dict[str, dict[str, list[str]]]] = {}
    for entry in lexicon.locale_words:
        for locale in entry.locales:
            for type_name, values in entry.slot_types.items():
                for value_id, synonyms in values.items():
                    found = words.setdefault(locale, {}).setdefault(type_name, {}).setdefault(value_id, [])
                    found.extend(w for w in synonyms if w not in found)
    return {
        locale: {name: {v: tuple(ws) for v, ws in values.items()} for name, values in types.items()}
        for locale, types in words.items()
    }


def to_knowledge_base(files: KnowledgeFiles) -> m.KnowledgeBase:
    """Turn validated files into the immutable runtime knowledge base."""
    guidance = files.guidance
    return m.KnowledgeBase(
        causes={
            c.id: m.Cause(
                id=c.id,
                name=c.name,
                what=c.what,
                why=c.why,
                prior=c.prior,
                signs=tuple(c.signs),
                advice=tuple(
                    m.Advice(
                        a.id,
                        a.text,
                        a.source,
                        tuple(a.when),
                        tuple(a.not_when),
                        tuple(a.regions),
                        tuple(a.when_any),
                    )
                    for a in c.advice
                ),
                source=c.source,
                safety_net=m.Text(c.safety_net.text, c.safety_net.source),
            )
            for c in sorted(files.causes.causes, key=lambda c: m.CAUSE_IDS.index(c.id))
        },
        findings={
            f.id: m.Finding(
                f.id, f.said_yes, f.said_no, dict(f.likelihood) if f.likelihood else None, f.source
            )
            for f in files.findings.findings
        },
        quantities={q.id: (q.min, q.max) for q in files.findings.quantities},
        derivations=tuple(
            m.Derivation(d.finding, d.quantity, d.at_least) for d in files.findings.derivations
        ),
        questions={
            q.id: m.Question(
                id=q.id,
                kind=q.kind,
                finding=q.finding,
                yes=q.on_yes,
                no=q.on_no,
                text=q.text,
                reprompt=q.reprompt,
                why=q.why,
                quantity=q.quantity,
                unless=dict(q.unless),
                reveals=_screen_reveals(files.red_flags.red_flags, q) if q.kind == "screen" else None,
                when=dict(q.when) or None,
                when_any=tuple(q.when_any),
                spells_out=tuple(q.spells_out),
                skip_if_missed=tuple(q.skip_if_missed),
                skip_if_asked=tuple(q.skip_if_asked),
                a_little_means_yes=q.a_little_means_yes,
                yes_when_said=tuple(q.yes_when_said),
                no_when_said=tuple(q.no_when_said),
            )
            for q in files.questions.questions
        },
        red_flags=tuple(
            m.RedFlag(
                r.id,
                r.level,
                tuple(r.all_of),
                r.say,
                r.source,
                tuple(r.any_of),
                r.name_cause,
                tuple(r.none_of),
            )
            for r in files.red_flags.red_flags
        ),
        muscles={x.id: m.Muscle(x.id, x.name, x.region) for x in files.vocabulary.muscles},
        workouts={
            x.id: m.Workout(x.id, x.name, tuple(x.works), dict(x.implies) or None)
            for x in files.vocabulary.workouts
        },
        caffeine_mg={x.id: x.mg for x in files.vocabulary.caffeine_sources},
        caffeine_sets={
            x.id: (x.sets_at_count, tuple(x.sets)) for x in files.vocabulary.caffeine_sources if x.sets
        },
        symptoms={k: tuple(v) for k, v in files.vocabulary.symptoms.items()},
        complaint_words=frozenset(files.vocabulary.complaint_words),
        located_symptoms=tuple(
            m.LocatedSymptom(x.symptom, x.muscle, tuple(x.said), tuple(x.sets), x.replaces)
            for x in files.vocabulary.located_symptoms
        ),
        twitch_kinds={t.id: m.TwitchKind(t.id, t.name, t.what) for t in guidance.twitch_kinds},
        locales={
            name: m.Locale(name, {**files.locales.terms, **terms})
            for name, terms in files.locales.locales.items()
        },
        fallback_locale=files.locales.fallback,
        text_overlays={
            tag: {path: " ".join(text.split()) for path, text in overlay.items()}
            for tag, overlay in files.text_overlays.items()
        },
        locale_words=_locale_words(files.lexicon),
        lexicon={
            name: m.SlotLexicon(
                entry.slot,
                tuple(m.LexiconValue(v.id, v.value, tuple(v.synonyms)) for v in entry.values),
            )
            for name, entry in files.lexicon.slot_types.items()
        },
        first_aid={
            f.id: m.FirstAid(
                f.id,
                " ".join(f.text.split()),
                f.source,
                tuple(f.if_all),
                tuple(f.if_any),
                tuple(f.unless_any),
                tuple(f.unknown),
                tuple(f.leader),
            )
            for f in guidance.first_aid
        },
        safety_net=m.Text(guidance.safety_net.text, guidance.safety_net.source),
        urgent_safety_net=m.Text(guidance.urgent_safety_net.text, guidance.urgent_safety_net.source),
        caffeine_daily_mg=guidance.limits.caffeine_daily_mg,
        habitual_count=guidance.history.habitual_count,
        habitual_window_days=guidance.history.habitual_window_days,
        retention_days=guidance.history.retention_days,
        interview=m.InterviewTuning(
            max_questions=guidance.interview.max_questions,
            leader_at_least=guidance.interview.leader_at_least,
            lead_margin=guidance.interview.lead_margin,
            min_gain_bits=guidance.interview.min_gain_bits,
            close_runner_up=guidance.interview.close_runner_up,
        ),
    )
