"""The interview: which question comes next (expected information gain, screen first) and when it stops."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skill.engine import (
    Facts,
    FactValue,
    assess,
    expected_gain,
    known_findings,
    next_question,
    screen_covered,
)
from skill.engine.assess import posterior
from skill.engine.interview import entropy
from skill.knowledge import CAUSE_IDS, KnowledgeBase, Question, load_knowledge_base
from skill.knowledge.model import Finding, RedFlag

__all__: list[str] = []

KB = load_knowledge_base()
CAUSE_QUESTIONS = tuple(q for q in KB.questions.values() if q.kind == "cause")
EVIDENCE = tuple(f.id for f in KB.findings.values() if f.is_evidence)
# The screen answered no, including the questions only some people get (a racing heart, a lot to drink).
SCREENED = {"screen_positive": False, "heart_not_settling": False, "drank_lots": False}


def facts(values: Mapping[str, FactValue], asked: tuple[str, ...] = ()) -> Facts:
    return Facts.build(KB, values, asked)


def open_gains(kb: KnowledgeBase, state: Facts) -> dict[str, float]:
    """Expected gain of every cause question not yet asked or settled."""
    findings = known_findings(kb, state)
    return {
        q.id: expected_gain(kb, findings, q)
        for q in kb.questions.values()
        if q.kind == "cause"
        and q.id not in state.asked
        and q.finding not in state.values
        and q.finding not in findings
        and (q.quantity is None or q.quantity not in state.values)
    }


def interview(start: Facts, truth: Mapping[str, bool | None], kb: KnowledgeBase = KB) -> list[Question]:
    """Answer every question from `truth` ("no" when unlisted) until the verdict; the questions asked."""
    asked: list[Question] = []
    state = start
    while (question := next_question(kb, state)) is not None and len(asked) < 20:
        asked.append(question)
        state = state.with_asked(question.id).with_values(
            kb, {question.finding: truth.get(question.finding, False)}
        )
    return asked


# --- the information-gain choice ---------------------------------------------------------------------------

GAIN_CASES = [
    pytest.param({}, "thirst", id="nothing-said-yet: thirst splits dehydration from fatigue"),
    pytest.param({"hot_conditions": True}, "thirst", id="hot: confirm dehydration by thirst"),
    pytest.param({"fasted": True}, "hunger", id="fasted: confirm low blood sugar by hunger"),
    pytest.param({"jittery": True}, "caffeine", id="jittery: ask about caffeine"),
    pytest.param({"muscles": ("eyelid",)}, "caffeine", id="eyelid: fatigue is unlikely, ask caffeine"),
    pytest.param(
        {"long_session": False, "thirst_dark_urine": False}, "caffeine", id="short and not thirsty: caffeine"
    ),
]


@pytest.mark.parametrize(("said", "expected"), GAIN_CASES)
def test_the_next_question_is_the_one_with_the_highest_expected_gain(
    said: dict[str, FactValue], expected: str
) -> None:
    state = facts({**SCREENED, **said})
    chosen = next_question(KB, state)
    gains = open_gains(KB, state)
    assert chosen is not None
    assert chosen.id == expected
    assert gains[chosen.id] == max(gains.values())
    assert gains[chosen.id] > KB.interview.min_gain_bits


@settings(max_examples=150, deadline=None)
@given(said=st.dictionaries(st.sampled_from(EVIDENCE), st.booleans() | st.none(), max_size=6))
def test_any_question_chosen_is_the_most_informative_one_still_open(said: dict[str, bool | None]) -> None:
    state = facts({**SCREENED, **said})
    chosen = next_question(KB, state)
    gains = open_gains(KB, state)
    if chosen is None:
        verdict = assess(KB, state)
        leader, runner_up = verdict.causes[0], verdict.causes[1]
        clearly_ahead = (
            leader.score >= KB.interview.leader_at_least
            and leader.score - runner_up.score >= KB.interview.lead_margin
        )
        assert clearly_ahead or max(gains.values(), default=0.0) <= KB.interview.min_gain_bits
        return
    assert chosen.kind == "cause"
    assert chosen.id in gains, f"{chosen.id} was already answered"
    assert gains[chosen.id] == pytest.approx(max(gains.values()))


@settings(max_examples=150, deadline=None)
@given(
    said=st.dictionaries(st.sampled_from(EVIDENCE), st.booleans(), max_size=6),
    question=st.sampled_from(CAUSE_QUESTIONS),
)
def test_the_expected_gain_is_the_expected_drop_in_entropy_after_the_answer(
    said: dict[str, bool], question: Question
) -> None:
    known = {key: value for key, value in said.items() if key != question.finding}
    now = posterior(KB, known)
    likelihood = KB.findings[question.finding].likelihood
    assert likelihood is not None
    p_yes = sum(now[c] * likelihood[c] for c in CAUSE_IDS)
    after_yes = posterior(KB, {**known, question.finding: True})
    after_no = posterior(KB, {**known, question.finding: False})
    by_definition = entropy(now) - (p_yes * entropy(after_yes) + (1.0 - p_yes) * entropy(after_no))

    assert expected_gain(KB, known, question) == pytest.approx(max(0.0, by_definition), abs=1e-12)
    # Asked about a finding already known, the gain is that of learning it afresh.
    assert expected_gain(KB, said | {question.finding: True}, question, now=None) == pytest.approx(
        max(0.0, by_definition), abs=1e-12
    )


def _with_question(finding: Finding, question: Question) -> KnowledgeBase:
    return KB._replace(
        findings={**KB.findings, finding.id: finding},
        questions={**KB.questions, question.id: question},
    )


SHIRT = Finding(
    id="blue_shirt",
    yes="you wore blue",
    no="you didn't wear blue",
    likelihood=dict.fromkeys(CAUSE_IDS, 0.5),
    source="a finding no cause explains better than another",
)
SHIRT_QUESTION = Question(
    id="shirt",
    kind="cause",
    finding="blue_shirt",
    yes=True,
    no=False,
    text="Were you wearing blue?",
    reprompt="Yes or no.",
    why="It changes nothing.",
    unless={},
)


@pytest.mark.parametrize("said", [{}, {"hot_conditions": True}, {"jittery": True, "fasted": False}])
def test_a_question_that_cannot_tell_causes_apart_gains_nothing_and_is_never_asked(
    said: dict[str, FactValue],
) -> None:
    kb = _with_question(SHIRT, SHIRT_QUESTION)
    state = Facts.build(kb, {**SCREENED, **said})
    assert expected_gain(kb, known_findings(kb, state), SHIRT_QUESTION) == pytest.approx(0.0, abs=1e-12)
    assert "shirt" not in [q.id for q in interview(state, {"blue_shirt": True}, kb)]


def test_a_red_flag_sign_gains_nothing_over_the_causes() -> None:
    assert expected_gain(KB, {}, KB.questions["urgent_check"]) == 0.0
    assert expected_gain(KB, {}, KB.questions["thirst"]) > KB.interview.min_gain_bits


@pytest.mark.parametrize("question", CAUSE_QUESTIONS, ids=lambda q: q.id)
@pytest.mark.parametrize("value", [True, False, None], ids=["yes", "no", "dont-know"])
def test_a_volunteered_finding_is_never_asked(question: Question, value: bool | None) -> None:
    start = facts({question.finding: value})
    asked = interview(start, {})
    assert question.id not in [q.id for q in asked]


@pytest.mark.parametrize(
    ("said", "never"),
    [
        pytest.param({"workout_minutes": 45}, "workout_length", id="minutes settle the session length"),
        pytest.param({"caffeine_mg": 95}, "caffeine", id="milligrams settle the caffeine"),
        pytest.param({"muscles": ("calf",), "workout": "run"}, "where", id="calves after a run: worked only"),
        pytest.param({"muscles": ("eyelid",)}, "where", id="an eyelid is never a worked muscle"),
    ],
)
def test_what_follows_from_volunteered_details_is_never_asked(said: dict[str, FactValue], never: str) -> None:
    asked = interview(facts(said), {"long_session": True, "jittery": True})
    assert never not in [q.id for q in asked]


# --- the stop rule -----------------------------------------------------------------------------------------


def test_it_stops_when_the_leader_is_clearly_ahead() -> None:
    state = facts({**SCREENED, "high_caffeine": True, "jittery": True})
    leader, runner_up = assess(KB, state).causes[:2]
    assert leader.id == "caffeine"
    assert leader.score >= KB.interview.leader_at_least
    assert leader.score - runner_up.score >= KB.interview.lead_margin
    assert next_question(KB, state) is None


def test_it_keeps_asking_while_no_cause_clearly_leads() -> None:
    state = facts({**SCREENED, "high_caffeine": True})
    leader = assess(KB, state).causes[0]
    assert leader.score < KB.interview.leader_at_least
    assert next_question(KB, state) is not None


def test_it_never_asks_more_than_the_limit() -> None:
    assert KB.interview.max_questions <= 6
    asked_ids = ("safety_screen", "heat", "sweat", "drink", "food", "warmup")[: KB.interview.max_questions]
    assert next_question(KB, facts(SCREENED, asked_ids[:-1])) is not None
    assert next_question(KB, facts(SCREENED, asked_ids)) is None


@settings(max_examples=100, deadline=None)
@given(truth=st.dictionaries(st.sampled_from(EVIDENCE), st.booleans() | st.none()))
def test_whatever_the_answers_an_interview_ends_within_six_questions(truth: dict[str, bool | None]) -> None:
    asked = interview(facts({}), truth)
    assert len(asked) <= min(6, KB.interview.max_questions)
    assert len({q.id for q in asked}) == len(asked)
    assert asked[0].id == "safety_screen"


# The findings of the screen questions everyone may be asked (not the ones for a sign or after a miss).
SCREEN_FINDINGS = {
    q.finding
    for q in KB.questions.values()
    if q.kind == "screen" and not (q.when or q.when_any or q.spells_out)
}


VOLUNTEERED_FLAGS = [f for f in KB.red_flags if not set(f.signs) & SCREEN_FINDINGS]


def signs_of(flag: RedFlag) -> dict[str, FactValue]:
    """Findings that make `flag` fire: all of `all_of`, and the first of `any_of`."""
    return dict.fromkeys((*flag.all_of, *flag.any_of[:1]), True)


@pytest.mark.parametrize("flag", [f for f in VOLUNTEERED_FLAGS if f.level == "urgent"], ids=lambda f: f.id)
def test_a_volunteered_urgent_sign_ends_the_interview_at_once(flag: RedFlag) -> None:
    state = facts(signs_of(flag))
    assert next_question(KB, state) is None
    assert assess(KB, state).triage == "urgent"


@pytest.mark.parametrize("flag", [f for f in VOLUNTEERED_FLAGS if f.level == "doctor"], ids=lambda f: f.id)
@pytest.mark.parametrize(("urgent", "triage"), [(True, "urgent"), (False, "doctor"), (None, "doctor")])
def test_a_volunteered_warning_sign_still_gets_the_urgent_check_and_nothing_else(
    flag: RedFlag, urgent: bool | None, triage: str
) -> None:
    state = facts(signs_of(flag))
    asked = interview(state, {"urgent_screen_positive": urgent})
    assert asked[0].id == "urgent_check"
    # ...and only the checks a sign itself calls for (weakness: is the pain far worse than normal?)
    assert all(q.kind == "screen" and (q.when or q.when_any) for q in asked[1:]), [q.id for q in asked]
    after = state.with_asked("urgent_check").with_values(KB, {"urgent_screen_positive": urgent})
    for question in asked[1:]:
        after = after.with_asked(question.id).with_values(KB, {question.finding: False})
    assert next_question(KB, after) is None
    assert assess(KB, after).triage == triage


def test_the_red_flag_screen_comes_first_even_when_a_cause_already_leads() -> None:
    state = facts({"drank_little": True, "thirst_dark_urine": True})
    leader = assess(KB, state).causes[0]
    assert leader.id == "dehydration" and leader.score >= KB.interview.leader_at_least
    first = next_question(KB, state)
    assert first is not None and first.id == "safety_screen"
    assert not screen_covered(KB, state)
    after_no = state.with_asked("safety_screen").with_values(KB, {"screen_positive": False})
    assert screen_covered(KB, after_no)
    assert next_question(KB, after_no) is None


def test_a_bare_opening_starts_with_the_screen() -> None:
    first = next_question(KB, facts({}))
    assert first is not None and first.id == "safety_screen"


@pytest.mark.parametrize(("answer", "follow_up"), [(True, True), (False, False), (None, True)])
def test_the_urgent_check_follows_a_yes_or_a_not_sure_to_the_screen_never_a_no(
    answer: bool | None, follow_up: bool
) -> None:
    state = facts({}).with_asked("safety_screen").with_values(KB, {"screen_positive": answer})
    following = next_question(KB, state)
    assert (following is not None and following.id == "urgent_check") is follow_up
    asked = [q.id for q in interview(state, {"urgent_screen_positive": False})]
    assert ("urgent_check" in asked) is follow_up


@pytest.mark.parametrize(("urgent", "triage"), [(True, "urgent"), (False, "doctor")])
def test_the_answer_to_the_urgent_follow_up_sets_the_triage_and_ends_the_interview(
    urgent: bool, triage: str
) -> None:
    state = (
        facts({})
        .with_asked("safety_screen")
        .with_values(KB, {"screen_positive": True})
        .with_asked("urgent_check")
        .with_values(KB, {"urgent_screen_positive": urgent})
    )
    assert screen_covered(KB, state)
    assert next_question(KB, state) is None
    assert assess(KB, state).triage == triage
