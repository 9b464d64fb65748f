"""The assessment: ranked causes with the user's own reasons, findings derived from details, red-flag triage."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from skill.engine import MUSCLES, WORKOUT, Facts, FactValue, assess, known_findings
from skill.engine.assess import posterior
from skill.knowledge import CAUSE_IDS, TRIAGE_LEVELS, TriageLevel, load_knowledge_base
from skill.knowledge.model import RedFlag

__all__: list[str] = []

KB = load_knowledge_base()
EVIDENCE = tuple(f.id for f in KB.findings.values() if f.is_evidence)
RED_FLAG_SIGNS = frozenset(sign for flag in KB.red_flags for sign in flag.signs)


def facts(values: Mapping[str, FactValue]) -> Facts:
    return Facts.build(KB, values)


def rank(level: TriageLevel) -> int:
    return TRIAGE_LEVELS.index(level)


# --- reasons -------------------------------------------------------------------------------------------------

REASON_CASES = [
    pytest.param(
        {"hot_conditions": True, "drank_little": True, "thirst_dark_urine": True},
        "dehydration",
        [("thirst_dark_urine", True), ("drank_little", True), ("hot_conditions", True)],
        id="hot, barely drank, thirsty",
    ),
    pytest.param(
        {"hot_conditions": True, "drank_little": True, "thirst_dark_urine": True, "worked_only": True},
        "dehydration",
        [("thirst_dark_urine", True), ("drank_little", True), ("hot_conditions", True)],
        id="an answer against the leader is never a reason for it",
    ),
    pytest.param(
        {"high_caffeine": True, "jittery": True},
        "caffeine",
        [("high_caffeine", True), ("jittery", True)],
        id="lots of caffeine, jittery",
    ),
    pytest.param(
        {"fasted": True, "hunger_shaky": True, "jittery": False},
        "low_blood_sugar",
        [("hunger_shaky", True), ("fasted", True)],
        id="fasted and shaky; not jittery argues for nothing",
    ),
    pytest.param(
        {"caffeine_mg": 400, MUSCLES: ("eyelid",)},
        "caffeine",
        [("high_caffeine", True), ("worked_only", False)],
        id="amount and muscle give derived reasons",
    ),
    pytest.param(
        {"fasted": None, "hunger_shaky": True, "dizzy_headache": True, "worked_only": False},
        "low_blood_sugar",
        [("hunger_shaky", True), ("dizzy_headache", True), ("worked_only", False)],
        id="don't know is never a reason",
    ),
    pytest.param(
        {"long_session": True, "worked_only": True, "muscle_pain": True},
        "fatigue",
        [("worked_only", True), ("long_session", True)],
        id="a red-flag-only sign is never a reason",
    ),
    pytest.param({}, "fatigue", [], id="nothing said, no reasons"),
]


@pytest.mark.parametrize(("said", "leader", "reasons"), REASON_CASES)
def test_reasons_are_the_users_own_answers_that_support_the_leader(
    said: dict[str, FactValue], leader: str, reasons: list[tuple[str, bool]]
) -> None:
    state = facts(said)
    result = assess(KB, state)
    assert result.leader is not None and result.leader.id == leader
    assert [(r.finding, r.present) for r in result.reasons] == reasons
    known = known_findings(KB, state)
    for reason in result.reasons:
        assert known[reason.finding] is reason.present
        assert reason.weight > 0
        without = {k: v for k, v in known.items() if k != reason.finding}
        assert posterior(KB, without)[leader] < posterior(KB, known)[leader], (
            f"{reason.finding} argues against"
        )


@settings(max_examples=200, deadline=None)
@given(said=st.dictionaries(st.sampled_from(EVIDENCE), st.booleans() | st.none()))
def test_every_reason_is_something_the_user_said_and_at_most_three(said: dict[str, bool | None]) -> None:
    result = assess(KB, facts(said))
    assert len(result.reasons) <= 3
    assert len({r.finding for r in result.reasons}) == len(result.reasons)
    for reason in result.reasons:
        assert said.get(reason.finding) is reason.present


# --- findings derived from details -----------------------------------------------------------------------

DERIVED_CASES = [
    pytest.param({"workout_minutes": 120}, "long_session", True, id="two hours is a long session"),
    pytest.param({"workout_minutes": 75}, "long_session", True, id="75 minutes is long (threshold)"),
    pytest.param({"workout_minutes": 74}, "long_session", False, id="74 minutes is not"),
    pytest.param({"caffeine_mg": 150}, "high_caffeine", True, id="150 mg is a lot (threshold)"),
    pytest.param({"caffeine_mg": 95}, "high_caffeine", False, id="one coffee is not"),
    pytest.param({"twitch_days": 14}, "long_lasting", True, id="two weeks is long-lasting"),
    pytest.param({"twitch_days": 3}, "long_lasting", False, id="three days is not"),
    pytest.param(
        {"workout_minutes": 120, "long_session": False},
        "long_session",
        False,
        id="explicit no wins over minutes",
    ),
    pytest.param(
        {"caffeine_mg": 0, "high_caffeine": True}, "high_caffeine", True, id="explicit yes wins over mg"
    ),
    pytest.param(
        {"twitch_days": 3, "long_lasting": True}, "long_lasting", True, id="explicit yes wins over days"
    ),
    pytest.param({"workout_minutes": None}, "long_session", None, id="unknown minutes derive nothing"),
    pytest.param({MUSCLES: ("calf",), WORKOUT: "run"}, "worked_only", True, id="calves after a run"),
    pytest.param(
        {MUSCLES: ("calf", "thigh"), WORKOUT: "leg_day"}, "worked_only", True, id="legs after leg day"
    ),
    pytest.param({MUSCLES: ("shoulder",), WORKOUT: "swim"}, "worked_only", True, id="shoulders after a swim"),
    pytest.param({MUSCLES: ("arm",), WORKOUT: "run"}, "worked_only", False, id="arms after a run"),
    pytest.param({MUSCLES: ("calf",)}, "worked_only", None, id="no workout, nothing derived"),
    pytest.param({WORKOUT: "run"}, "worked_only", None, id="no muscle, nothing derived"),
    pytest.param({MUSCLES: ("eyelid",), WORKOUT: "run"}, "worked_only", False, id="eyelid after a run"),
    pytest.param({MUSCLES: ("eyelid",)}, "worked_only", False, id="eyelid, workout unknown"),
    pytest.param({MUSCLES: ("calf", "eyelid"), WORKOUT: "run"}, "worked_only", False, id="calves and eyelid"),
    pytest.param({MUSCLES: ("everywhere",), WORKOUT: "weights"}, "worked_only", False, id="all over"),
    pytest.param(
        {MUSCLES: ("eyelid",), "worked_only": True}, "worked_only", True, id="explicit yes wins over eyelid"
    ),
]


@pytest.mark.parametrize(("said", "finding", "value"), DERIVED_CASES)
def test_details_derive_findings_and_explicit_answers_win(
    said: dict[str, FactValue], finding: str, value: bool | None
) -> None:
    assert known_findings(KB, facts(said)).get(finding) is value


@pytest.mark.parametrize(("days", "triage"), [(13, "self_care"), (14, "doctor"), (42, "doctor")])
def test_how_long_it_has_lasted_sets_the_triage(days: int, triage: str) -> None:
    assert assess(KB, facts({"twitch_days": days})).triage == triage


def test_an_eyelid_twitch_makes_tired_muscles_less_likely() -> None:
    calves = assess(KB, facts({MUSCLES: ("calf",), WORKOUT: "run"}))
    eyelid = assess(KB, facts({MUSCLES: ("eyelid",), WORKOUT: "run"}))
    score = {c.id: c.score for c in eyelid.causes}
    assert calves.leader is not None and calves.leader.id == "fatigue"
    assert eyelid.leader is not None and eyelid.leader.id != "fatigue"
    assert score["fatigue"] < dict((c.id, c.score) for c in calves.causes)["fatigue"]


# --- properties ----------------------------------------------------------------------------------------------

evidence = st.dictionaries(st.sampled_from(EVIDENCE), st.booleans())
muscle_ids = st.lists(st.sampled_from(sorted(KB.muscles)), max_size=3).map(tuple)
workout_ids = st.sampled_from(sorted(KB.workouts))


def quantity(key: str, below: float | None = None) -> st.SearchStrategy[float]:
    low, high = KB.quantities[key]
    if below is not None:
        return st.floats(low, below, exclude_max=True)
    return st.floats(low, high)


any_fact = st.fixed_dictionaries(
    {},
    optional={
        **{f: st.booleans() | st.none() for f in KB.findings},
        **{q: quantity(q) for q in KB.quantities},
        MUSCLES: muscle_ids,
        WORKOUT: workout_ids,
    },
)


@settings(max_examples=200, deadline=None)
@given(said=evidence, muscles=muscle_ids, workout=st.none() | workout_ids)
def test_scores_are_always_a_distribution_most_likely_first(
    said: dict[str, bool], muscles: tuple[str, ...], workout: str | None
) -> None:
    result = assess(KB, facts({**said, MUSCLES: muscles, WORKOUT: workout}))
    assert result.triage == "self_care"
    scores = [c.score for c in result.causes]
    assert sorted(c.id for c in result.causes) == sorted(CAUSE_IDS)
    assert all(score >= 0.0 for score in scores)
    assert math.fsum(scores) == pytest.approx(1.0, abs=1e-9)
    assert scores == sorted(scores, reverse=True)


@settings(max_examples=200, deadline=None)
@given(flag=st.sampled_from(KB.red_flags), said=any_fact, data=st.data())
def test_a_red_flags_signs_always_set_at_least_its_triage(
    flag: RedFlag, said: dict[str, FactValue], data: st.DataObject
) -> None:
    signs = list(flag.all_of)
    if flag.any_of:
        signs.append(data.draw(st.sampled_from(flag.any_of), label="one of any_of"))
    result = assess(KB, facts({**said, **dict.fromkeys(signs, True), **dict.fromkeys(flag.none_of, False)}))
    assert rank(result.triage) >= rank(flag.level)
    assert flag in result.red_flags
    levels = [rank(f.level) for f in result.red_flags]
    assert levels == sorted(levels, reverse=True), "urgent flags come first"
    assert result.triage == result.red_flags[0].level
    if result.triage == "urgent":
        assert result.causes == () and result.reasons == ()


# Every finding a red-flag rule reads: its signs, and the findings that keep it from firing (a walk is light).
RED_FLAG_READS = RED_FLAG_SIGNS | {f for flag in KB.red_flags for f in flag.none_of}
# Workouts that imply nothing a red-flag rule reads: changing one for another is irrelevant to the triage.
PLAIN_WORKOUTS = sorted(w.id for w in KB.workouts.values() if not set(w.implies or {}) & RED_FLAG_READS)


def _irrelevant_updates() -> st.SearchStrategy[dict[str, FactValue]]:
    """Facts that no red-flag rule reads, directly, through a derivation, or through what a workout implies."""
    findings = [f for f in KB.findings if f not in RED_FLAG_READS]
    quantities = {d.quantity: d for d in KB.derivations}
    options: list[st.SearchStrategy[dict[str, FactValue]]] = [
        st.fixed_dictionaries({f: st.booleans() | st.none()}) for f in findings
    ]
    for key in KB.quantities:
        derivation = quantities.get(key)
        if derivation is not None and derivation.finding in RED_FLAG_SIGNS:
            options.append(st.fixed_dictionaries({key: quantity(key, below=derivation.at_least)}))
        else:
            options.append(st.fixed_dictionaries({key: quantity(key)}))
    options.append(st.fixed_dictionaries({MUSCLES: muscle_ids}))
    options.append(st.fixed_dictionaries({WORKOUT: st.sampled_from(PLAIN_WORKOUTS)}))
    return st.one_of(options)


def test_the_irrelevant_facts_include_the_obvious_ones() -> None:
    for finding in ("fasted", "drank_little", "high_caffeine", "worked_only", "skipped_warmup"):
        assert finding not in RED_FLAG_SIGNS


@settings(max_examples=200, deadline=None)
@given(said=any_fact, update=_irrelevant_updates())
def test_an_irrelevant_fact_never_changes_the_triage(
    said: dict[str, FactValue], update: dict[str, FactValue]
) -> None:
    # Replacing a relevant amount (a long twitch_days with a short one) is a correction, not an irrelevant fact.
    assume(not (set(update) & set(said) & {d.quantity for d in KB.derivations}))
    # Replacing a workout that implied something a rule reads (a walk is light) is not irrelevant either.
    assume(WORKOUT not in update or said.get(WORKOUT) in (None, *PLAIN_WORKOUTS))
    before = assess(KB, facts(said))
    after = assess(KB, facts({**said, **update}))
    assert after.triage == before.triage
    assert after.red_flags == before.red_flags
