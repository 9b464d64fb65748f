"""Plays every vignette in vignettes.yaml through the engine with a simulated user; owns the accuracy figures."""

from __future__ import annotations

import functools
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, model_validator

from skill.engine import Assessment, Facts, FactValue, assess, known_findings, next_question
from skill.knowledge import CAUSE_IDS, TRIAGE_LEVELS, CauseId, Question, TriageLevel, load_knowledge_base

__all__: list[str] = []

VIGNETTES_FILE = Path(__file__).with_name("vignettes.yaml")
MAX_QUESTIONS = 6
# A runaway interview is cut here so that the failure shows the questions instead of hanging.
RUNAWAY = 20
MIN_CAUSE_ACCURACY = 0.90
MAX_AVERAGE_BARE_QUESTIONS = 4.0
MIN_VIGNETTES_PER_CAUSE = 4


class Vignette(BaseModel):
    """One person's story: what they say first, and what they would answer if asked."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    opening: dict[str, Any]
    truth: dict[str, bool | None]
    expect: CauseId | None = None
    triage: TriageLevel = "self_care"

    @model_validator(mode="after")
    def _expect_only_for_self_care(self) -> Vignette:
        if (self.expect is None) != (self.triage != "self_care"):
            raise ValueError("self-care vignettes name the expected cause; red-flag vignettes name a triage")
        return self

    def opening_facts(self) -> dict[str, FactValue]:
        return {
            key: tuple(value) if isinstance(value, list) else value for key, value in self.opening.items()
        }


class VignettesFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    vignettes: list[Vignette]


def _read_vignettes() -> tuple[Vignette, ...]:
    raw = yaml.safe_load(VIGNETTES_FILE.read_text(encoding="utf-8"))
    return tuple(VignettesFile.model_validate(raw).vignettes)


KB = load_knowledge_base()
VIGNETTES = _read_vignettes()
BY_ID = {v.id: v for v in VIGNETTES}


@dataclass(frozen=True, slots=True)
class Played:
    vignette: Vignette
    opening: Facts
    asked: tuple[Question, ...]
    verdict: Assessment


@functools.cache
def play(vignette_id: str) -> Played:
    """The simulated user answers only what is asked: the truth, "no" when unlisted, null as "I don't know"."""
    vignette = BY_ID[vignette_id]
    opening = Facts.build(KB, vignette.opening_facts())
    facts = opening
    asked: list[Question] = []
    while (question := next_question(KB, facts)) is not None and len(asked) < RUNAWAY:
        asked.append(question)
        answer = vignette.truth.get(question.finding, False)
        facts = facts.with_asked(question.id).with_values(KB, {question.finding: answer})
    return Played(vignette, opening, tuple(asked), assess(KB, facts))


def _rank(level: TriageLevel) -> int:
    return TRIAGE_LEVELS.index(level)


def _story(played: Played) -> str:
    leader = played.verdict.leader
    said = f"{leader.id} {leader.score:.2f}" if leader else "no cause"
    return f"asked {[q.id for q in played.asked]} -> {played.verdict.triage}, {said}"


RED_FLAG_VIGNETTES = [v.id for v in VIGNETTES if v.triage != "self_care"]


def test_the_vignette_table_covers_every_cause_and_every_red_flag() -> None:
    for cause in CAUSE_IDS:
        count = sum(v.expect == cause for v in VIGNETTES)
        assert count >= MIN_VIGNETTES_PER_CAUSE, f"only {count} vignettes expect {cause}"
    fired = {flag.id for v in VIGNETTES for flag in play(v.id).verdict.red_flags}
    assert {flag.id for flag in KB.red_flags} <= fired
    for vignette in VIGNETTES:
        unknown = set(vignette.truth) - set(KB.findings)
        assert not unknown, f"{vignette.id}: truth names unknown findings {unknown}"


@pytest.mark.parametrize("vignette_id", list(BY_ID))
def test_the_interview_respects_the_user(vignette_id: str) -> None:
    played = play(vignette_id)
    volunteered = known_findings(KB, played.opening)
    assert len(played.asked) <= MAX_QUESTIONS, _story(played)
    assert len({q.id for q in played.asked}) == len(played.asked), (
        f"a question was repeated: {_story(played)}"
    )
    for question in played.asked:
        assert question.finding not in played.opening, f"asked {question.id} after it was volunteered"
        assert question.finding not in volunteered, f"asked {question.id}, already clear from the opening"
        assert question.quantity is None or question.quantity not in played.opening, (
            f"asked {question.id} after its amount was volunteered"
        )


@pytest.mark.parametrize("vignette_id", list(BY_ID))
def test_red_flags_are_screened_before_any_self_care_verdict(vignette_id: str) -> None:
    played = play(vignette_id)
    opening_flags = assess(KB, played.opening).red_flags
    if played.verdict.triage != "self_care" or opening_flags:
        return
    assert played.asked, f"self-care verdict with no questions at all: {_story(played)}"
    assert played.asked[0].kind == "screen", f"the red-flag screen did not come first: {_story(played)}"


@pytest.mark.parametrize("vignette_id", RED_FLAG_VIGNETTES)
def test_red_flag_vignettes_reach_their_triage(vignette_id: str) -> None:
    played = play(vignette_id)
    assert _rank(played.verdict.triage) >= _rank(played.vignette.triage), _story(played)


@pytest.mark.parametrize("vignette_id", [v.id for v in VIGNETTES if v.triage == "self_care"])
def test_self_care_vignettes_are_not_over_triaged(vignette_id: str) -> None:
    played = play(vignette_id)
    assert played.verdict.triage == "self_care", _story(played)
    assert played.verdict.leader is not None


@dataclass(frozen=True, slots=True)
class Figures:
    cause_right: int
    self_care: int
    triage_reached: int
    red_flag: int
    bare_questions: tuple[int, ...]
    misses: tuple[str, ...]

    @property
    def cause_accuracy(self) -> float:
        return self.cause_right / self.self_care

    @property
    def triage_rate(self) -> float:
        return self.triage_reached / self.red_flag

    @property
    def average_bare_questions(self) -> float:
        return statistics.fmean(self.bare_questions)

    def lines(self) -> list[str]:
        rows = [
            f"vignettes played:                        {self.self_care + self.red_flag}",
            f"leading cause right (self-care):         {self.cause_right}/{self.self_care} "
            f"= {self.cause_accuracy:.1%}  (need >= {MIN_CAUSE_ACCURACY:.0%})",
            f"triage level reached (red flags):        {self.triage_reached}/{self.red_flag} "
            f"= {self.triage_rate:.1%}  (need 100%)",
            f"average questions from a bare opening:   {self.average_bare_questions:.2f} over "
            f"{len(self.bare_questions)} vignettes  (need <= {MAX_AVERAGE_BARE_QUESTIONS:g})",
        ]
        rows.extend(f"  miss: {miss}" for miss in self.misses)
        return rows


def measure(played: Sequence[Played]) -> Figures:
    self_care = [p for p in played if p.vignette.triage == "self_care"]
    red_flag = [p for p in played if p.vignette.triage != "self_care"]
    misses = []
    right = 0
    for p in self_care:
        leader = p.verdict.leader
        if p.verdict.triage == "self_care" and leader is not None and leader.id == p.vignette.expect:
            right += 1
        else:
            misses.append(f"{p.vignette.id}: expected {p.vignette.expect}, {_story(p)}")
    reached = 0
    for p in red_flag:
        if _rank(p.verdict.triage) >= _rank(p.vignette.triage):
            reached += 1
        else:
            misses.append(f"{p.vignette.id}: expected {p.vignette.triage}, {_story(p)}")
    bare = tuple(len(p.asked) for p in played if not p.vignette.opening)
    return Figures(right, len(self_care), reached, len(red_flag), bare, tuple(misses))


def test_aggregate_figures(figures: Callable[[str, Sequence[str]], None]) -> None:
    measured = measure([play(v.id) for v in VIGNETTES])
    figures("engine vignettes", measured.lines())
    assert measured.self_care and measured.red_flag and measured.bare_questions
    assert measured.cause_accuracy >= MIN_CAUSE_ACCURACY, "\n".join(measured.lines())
    assert measured.triage_rate == 1.0, "\n".join(measured.lines())
    assert measured.average_bare_questions <= MAX_AVERAGE_BARE_QUESTIONS, "\n".join(measured.lines())


def test_dont_know_is_recorded_and_never_asked_again() -> None:
    played = play("low_sugar_dont_know_food")
    asked = [q.id for q in played.asked]
    assert asked.count("food") == 1
    assert played.verdict.leader is not None and played.verdict.leader.id == "low_blood_sugar"
    # "I don't know" is not evidence: the unknown finding gives no reason.
    assert all(reason.finding != "fasted" for reason in played.verdict.reasons)


def test_figures_count_a_wrong_leader_and_a_missed_triage_as_misses() -> None:
    """The aggregate check must be able to fail: a verdict that disagrees with its vignette is a miss."""
    right = play("caffeine_bare")
    urgent = play("urgent_chest_pain")
    wrong_cause = Played(
        right.vignette.model_copy(update={"expect": "fatigue"}), right.opening, right.asked, right.verdict
    )
    missed = Played(urgent.vignette, urgent.opening, urgent.asked, assess(KB, Facts.build(KB, {})))
    measured = measure([right, wrong_cause, urgent, missed])
    assert (measured.cause_right, measured.self_care) == (1, 2)
    assert (measured.triage_reached, measured.red_flag) == (1, 2)
    assert len(measured.misses) == 2
