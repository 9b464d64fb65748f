"""Validation of the knowledge base YAML with pydantic (extra="forbid"); turns it into runtime values.

Used when the knowledge base is built or checked (`muscle-coach validate`, the package build, development);
never on the Lambda cold path, which loads the compiled form instead.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from skill.knowledge import model as m

__all__ = ["KnowledgeFiles", "to_knowledge_base"]

Probability = float


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AdviceEntry(_Strict):
    id: str
    text: str = Field(min_length=1)
    source: str = Field(min_length=1)


class CauseEntry(_Strict):
    id: m.CauseId
    name: str
    what: str
    why: str
    prior: float = Field(gt=0, lt=1)
    signs: list[str]
    advice: list[AdviceEntry] = Field(min_length=1)
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
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _answers_differ(self) -> Self:
        if self.on_yes == self.on_no:
            raise ValueError("yes and no must give the finding different values")
        return self


class QuestionsFile(_Strict):
    questions: list[QuestionEntry]


class RedFlagEntry(_Strict):
    id: str
    level: Literal["doctor", "urgent"]
    all_of: list[str] = Field(min_length=1)
    say: str = Field(min_length=1)
    source: str = Field(min_length=1)


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


class CaffeineEntry(_Strict):
    id: str
    mg: float = Field(ge=0)


class VocabularyFile(_Strict):
    muscles: list[MuscleEntry]
    workouts: list[WorkoutEntry]
    caffeine_sources: list[CaffeineEntry]
    symptoms: dict[str, list[str]]


class TwitchKindEntry(_Strict):
    id: str
    name: str
    what: str
    source: str


class TextEntry(_Strict):
    text: str
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


class GuidanceFile(_Strict):
    twitch_kinds: list[TwitchKindEntry]
    first_aid: dict[str, TextEntry]
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

    @model_validator(mode="after")
    def _references_resolve(self) -> Self:
        problems: list[str] = []
        finding_ids = _unique("findings.yaml: finding", [f.id for f in self.findings.findings], problems)
        quantity_ids = _unique("findings.yaml: quantity", [q.id for q in self.findings.quantities], problems)
        _unique("questions.yaml: question", [q.id for q in self.questions.questions], problems)
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
                f"questions.yaml: question {q.id!r}: unless names unknown finding {f!r}"
                for f in q.unless
                if f not in finding_ids
            )
            if q.kind == "screen" and _screen_reveals(self.red_flags.red_flags, q.finding) is None:
                problems.append(
                    f"questions.yaml: screen question {q.id!r}: no red flag fires on a yes to {q.finding!r}"
                )
        for flag in self.red_flags.red_flags:
            problems.extend(
                f"red_flags.yaml: red flag {flag.id!r}: unknown finding {f!r}"
                for f in flag.all_of
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


def _unique(what: str, ids: list[str], problems: list[str]) -> set[str]:
    seen: set[str] = set()
    for entry_id in ids:
        if entry_id in seen:
            problems.append(f"{what} {entry_id!r} is defined twice")
        seen.add(entry_id)
    return seen


def _screen_reveals(flags: list[RedFlagEntry], finding: str) -> m.TriageLevel | None:
    """The highest triage level a red flag on `finding` alone reaches: what a yes to its screen question means."""
    levels = {flag.level for flag in flags if flag.all_of == [finding]}
    return "urgent" if "urgent" in levels else "doctor" if levels else None


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
                advice=tuple(m.Advice(a.id, a.text, a.source) for a in c.advice),
                source=c.source,
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
                reveals=_screen_reveals(files.red_flags.red_flags, q.finding) if q.kind == "screen" else None,
            )
            for q in files.questions.questions
        },
        red_flags=tuple(
            m.RedFlag(r.id, r.level, tuple(r.all_of), r.say, r.source) for r in files.red_flags.red_flags
        ),
        muscles={x.id: m.Muscle(x.id, x.name, x.region) for x in files.vocabulary.muscles},
        workouts={x.id: m.Workout(x.id, x.name, tuple(x.works)) for x in files.vocabulary.workouts},
        caffeine_mg={x.id: x.mg for x in files.vocabulary.caffeine_sources},
        symptoms={k: tuple(v) for k, v in files.vocabulary.symptoms.items()},
        twitch_kinds={t.id: m.TwitchKind(t.id, t.name, t.what) for t in guidance.twitch_kinds},
        first_aid={k: m.Text(v.text, v.source) for k, v in guidance.first_aid.items()},
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
