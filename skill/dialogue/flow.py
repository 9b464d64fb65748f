"""One turn of the conversation: state + what the user did -> what to say next + new state + store effects.

Pure: the handlers translate Alexa requests into a UserTurn, apply the effects, let `settle` choose what to say
about the effects that failed, and render the Outcome; nothing here speaks or stores.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal, NamedTuple

from skill.dialogue import outcomes as o
from skill.dialogue.state import DialogueState, UserContext
from skill.dialogue.understand import SlotValue, Understood, answer_yes_no, understand_slots
from skill.engine import (
    MUSCLES,
    WORKOUT,
    AdvicePlan,
    Assessment,
    Facts,
    assess,
    next_question,
    plan_advice,
    screen_covered,
    unsure_levels,
)
from skill.knowledge import KnowledgeBase
from skill.knowledge.model import CauseId, RedFlag, TriageLevel

__all__ = ["Turn", "TurnKind", "UserTurn", "assessment_attribute", "settle", "step"]

TurnKind = Literal[
    "launch",
    "report",
    "answer",
    "yes",
    "no",
    "dont_know",
    "why_verdict",
    "why_question",
    "more",
    "help",
    "see_doctor",
    "repeat",
    "go_back",
    "start_over",
    "stop",
    "fallback",
    "forget",
    "last_time",
]


class UserTurn(NamedTuple):
    kind: TurnKind
    slots: Mapping[str, SlotValue] = MappingProxyType({})
    last_episode: o.Recall | None = None


class Turn(NamedTuple):
    outcome: o.Outcome
    state: DialogueState
    end_session: bool = False
    effects: tuple[o.Effect, ...] = ()


def assessment_attribute(assessment: Assessment) -> dict[str, object]:
    """The contracted `sessionAttributes.assessment` value."""
    return {
        "triage": assessment.triage,
        "causes": [{"id": c.id, "score": round(c.score, 4)} for c in assessment.causes],
    }


def step(
    kb: KnowledgeBase, state: DialogueState, turn: UserTurn, today: dt.date, restarted: bool = False
) -> Turn:
    """Decide the response to one user turn."""
    kind = turn.kind
    if kind == "stop":
        return Turn(o.Farewell("stop"), state.evolve(phase="done", pending=None), end_session=True)
    if kind == "launch":
        return _greet(state, "restart" if restarted else None)
    if kind == "start_over":  # a clean slate: ask what is twitching, rather than a safety check about nothing
        return Turn(o.Greeting(True, False, "start_over"), DialogueState(user=state.user, phase="start"))
    if kind == "repeat":
        pending = kb.questions.get(state.pending or "")
        if pending is not None:  # the question itself, without an apology or preface said around it
            return Turn(o.Ask(pending, None, False, state.facts.muscles()), state)
        return Turn(o.Repeat(state.last_speech, state.last_reprompt), state)
    if kind == "go_back":
        return _go_back(kb, state)
    if kind == "last_time":
        recall = turn.last_episode or o.Recall(None, None, None, state.user.consent)
        return Turn(recall._replace(then=kb.questions.get(state.pending or "")), state)
    if kind == "forget":
        return _ask_forget(state)
    if state.phase == "consent" and kind in ("yes", "no"):
        return _consent(kb, state, kind == "yes")
    if state.phase == "confirm_forget" and kind in ("yes", "no", "dont_know"):
        return _forget(state, kind == "yes")
    if kind == "dont_know" and state.phase in ("consent", "verdict"):
        # unsure whether to be remembered, or whether to hear more: say what the choice is, not the verdict again
        return Turn(o.Prompt("consent" if state.phase == "consent" else "more"), state)
    if kind in ("why_verdict", "why_question", "more", "help", "see_doctor"):
        return _explain(kb, state, kind)
    if state.phase in ("verdict", "done") and kind in ("yes", "no"):
        if kind == "yes" and state.assessment is not None:
            return Turn(
                _more_tips(kb, state, _reassess(kb, state)), state.evolve(phase="done"), end_session=True
            )
        return Turn(o.Farewell("done"), state.evolve(phase="done"), end_session=True)
    if kind == "fallback":
        return _not_understood(kb, state)
    if kind in ("report", "answer"):
        return _report(kb, state, turn, today, restarted)
    # yes / no / don't know
    pending = kb.questions.get(state.pending or "")
    if pending is None and not restarted and not state.facts.values:
        # a yes or no with nothing asked: ask for the twitch, in other words the second time
        if state.misses >= 3:  # nothing to go on after four tries: leave kindly rather than loop
            return Turn(o.Farewell("stop"), state.evolve(phase="done"), end_session=True)
        again = state.misses % 2 == 1
        return Turn(
            o.Redirect("nothing_yet_again" if again else "nothing_yet"), state.evolve(misses=state.misses + 1)
        )
    if pending is None:
        return _advance(kb, state.evolve(phase="interview"), "restart" if restarted else None)
    said = None if kind == "dont_know" else kind == "yes"
    facts = state.facts.with_values(kb, answer_yes_no(pending, said)).with_asked(pending.id)
    return _advance(kb, state.evolve(facts=facts, misses=0), None)


def _go_back(kb: KnowledgeBase, state: DialogueState) -> Turn:
    """Undo the last answer and ask its question again; the first question is simply asked again."""
    asked = [q for q in state.facts.asked if q in kb.questions]
    if not asked:
        pending = kb.questions.get(state.pending or "")
        if pending is None:
            return Turn(o.Greeting(True, False, "nothing_to_undo"), state)
        return Turn(o.Ask(pending, "first_question", False, state.facts.muscles()), state)
    question = kb.questions[asked[-1]]
    values = {
        key: value
        for key, value in state.facts.values.items()
        if key not in (question.finding, question.quantity)
    }
    facts = Facts.build(
        kb,
        values,
        [q for q in state.facts.asked if q != question.id],
        [q for q in state.facts.missed if q != question.id],
    )
    return Turn(
        o.Ask(question, "going_back", False, facts.muscles()),
        state.evolve(facts=facts, pending=question.id, phase="interview", misses=0),
    )


def _greet(state: DialogueState, preface: o.Preface) -> Turn:
    disclaimer = not state.user.returning
    fresh = DialogueState(user=state.user._replace(returning=True), phase="interview")
    effects = (o.Effect("disclaimer_heard"),) if disclaimer and state.user.store_available else ()
    return Turn(o.Greeting(state.user.returning, disclaimer, preface), fresh, effects=effects)


def _report(kb: KnowledgeBase, state: DialogueState, turn: UserTurn, today: dt.date, restarted: bool) -> Turn:
    pending = kb.questions.get(state.pending or "")
    understood = understand_slots(kb, turn.slots, state.facts, pending, today)
    if understood.reply is not None and not understood.updates and state.phase in _YES_NO_PHASES:
        # "yes please", "no thanks" to a yes/no the skill asked outside the interview
        return step(kb, state, turn._replace(kind="yes" if understood.reply else "no", slots={}), today)
    if not understood.anything and (turn.kind == "answer" or pending is not None):
        return _not_understood(kb, state)
    updates = dict(understood.updates)
    signs = [key for key, value in updates.items() if value is True and _is_sign(kb, key)]
    # "yes, my arms are weak" is a yes plus the sign; but a sign given at a safety question is never taken as a
    # no to it ("no, but my chest feels tight"): the sign answers it instead.
    if (
        pending is not None
        and understood.reply is not None
        and pending.finding not in updates
        and not (
            pending.kind == "screen" and signs and (pending.yes if understood.reply else pending.no) is False
        )
        # "not dizzy" to "did you warm up?" denies the dizziness; it does not answer the warm-up
        and not (pending.kind == "cause" and understood.denied and understood.reply is False)
    ):
        updates.update(answer_yes_no(pending, understood.reply))
    facts = state.facts.with_values(kb, updates)
    answered_by_sign = pending is not None and pending.kind == "screen" and bool(signs)
    if pending is not None and (
        answered_by_sign
        or pending.finding in facts.values
        or (pending.quantity and pending.quantity in facts.values)
    ):
        facts = facts.with_asked(pending.id)
    if (
        pending is not None
        and state.phase == "interview"
        and pending.id not in facts.asked
        and not signs
        and next_question(kb, facts) == pending
    ):
        # something was heard, but not an answer, and the same question would come again: a miss, so that it is
        # never asked word for word again and again ("I can't feel my left arm" heard as only "arm"). What was
        # heard is kept, and not called unheard: "got it", then the question again, with what it needs.
        return _not_understood(kb, state.evolve(facts=facts), heard=True)
    first = state.phase == "start" or (not state.facts.values and not state.facts.asked)
    if first and turn.kind == "report" and _out_of_scope(kb, understood, facts):
        return Turn(o.Redirect("pain_only" if facts.finding("muscle_pain") else "not_twitching"), state)
    preface: o.Preface = (
        "restart" if restarted else ("sorry_report" if first and turn.kind == "report" else None)
    )
    if state.phase in _YES_NO_PHASES and state.assessment is not None and facts.values == state.facts.values:
        # words after the verdict that tell the engine nothing new: never "got it", which would claim they did
        return _not_understood(kb, state)
    if (
        state.phase in _YES_NO_PHASES
        and state.assessment is not None
        and _same_verdict(kb, state, facts)
        and screen_covered(
            kb, facts
        )  # a new sign may call for a check ("I drank loads": headache? swelling?)
    ):
        # something new after the verdict that changes nothing: say so, and ask the yes or no pending again. A yes
        # or no said with it belongs to what was said ("sorry, I meant no, I didn't warm up"), not to that question.
        kept = state.evolve(facts=facts)
        return Turn(o.Prompt("consent" if state.phase == "consent" else "more", "still_fits"), kept)
    if preface is None and understood.anything and state.phase in _YES_NO_PHASES:
        preface = "got_it"
    return _advance(kb, state.evolve(facts=facts, misses=0, phase="interview"), preface)


def _same_verdict(kb: KnowledgeBase, state: DialogueState, facts: Facts) -> bool:
    """Whether the new facts leave the verdict as it was: the same triage, the same leading cause, and the same
    first aid and advice (being pregnant, said after the verdict, changes what is safe to say)."""
    before, after = state.assessment or {}, assess(kb, facts)
    causes = before.get("causes") or []
    leader = causes[0].get("id") if causes and isinstance(causes[0], dict) else None
    if before.get("triage") != after.triage or leader != (after.leader.id if after.leader else None):
        return False
    old_plan, new_plan = plan_advice(kb, state.facts, assess(kb, state.facts)), plan_advice(kb, facts, after)
    return _said(old_plan) == _said(new_plan)


def _said(plan: AdvicePlan) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What a verdict with `plan` says: its first aid and its advice, by id."""
    return tuple(a.id for a in plan.first_aid), tuple(a.id for a in plan.advice)


def _advance(kb: KnowledgeBase, state: DialogueState, preface: o.Preface) -> Turn:
    # A new user hears the disclaimer with the first question or verdict, whatever they said first ("help",
    # "yes", a report); `returning` is then set, so it is said once (platform policy for health skills).
    disclaimer = not state.user.returning
    question = next_question(kb, state.facts)
    effects: tuple[o.Effect, ...] = ()
    if disclaimer:
        state = state.evolve(user=state.user._replace(returning=True))
        if state.user.store_available:
            effects = (o.Effect("disclaimer_heard"),)
    if question is not None:
        return Turn(
            o.Ask(question, preface, disclaimer, state.facts.muscles()),
            state.evolve(pending=question.id, phase="interview", misses=0),
            effects=effects,
        )
    return _verdict(kb, state, preface, disclaimer, effects)


def _verdict(
    kb: KnowledgeBase,
    state: DialogueState,
    preface: o.Preface,
    disclaimer: bool,
    effects: tuple[o.Effect, ...],
) -> Turn:
    user = state.user
    facts = state.facts
    pattern = 0
    if user.consent is True:
        pattern = user.recent_episodes + 1
        if pattern >= kb.habitual_count:
            facts = facts.with_values(kb, {"habitual": True})
    assessment = assess(kb, facts)
    if user.consent is True and state.assessment is None:  # a verdict said again is not another episode
        effects = (*effects, _record(assessment, facts))
    if assessment.triage == "urgent":
        follow_up: Literal["more", "consent", "none"] = "none"
        phase: Literal["done", "consent", "verdict"] = "done"
    elif user.store_available and user.consent is None:
        follow_up, phase = "consent", "consent"
    else:
        follow_up, phase = "more", "verdict"
    pattern_count = pattern if pattern >= kb.habitual_count else 0
    outcome = o.Verdict(
        assessment,
        facts,
        disclaimer,
        follow_up,
        pattern_count=pattern_count,
        pattern_muscles=tuple(dict.fromkeys((*user.recent_muscles, *facts.muscles()))),
        preface=preface,
        flags=_flags_to_say(assessment, pattern_count),
        plan=plan_advice(kb, facts, assessment),
        reasons=_said_reasons(kb, assessment, facts),
        runner_up=_close_runner_up(kb, assessment),
        unsure=frozenset(_levels(unsure_levels(kb, facts))),
        name_cause=all(flag.name_cause for flag in assessment.red_flags),
    )
    new_state = state.evolve(
        facts=facts, pending=None, phase=phase, misses=0, assessment=assessment_attribute(assessment)
    )
    return Turn(outcome, new_state, end_session=phase == "done", effects=effects)


def _flags_to_say(assessment: Assessment, pattern_count: int) -> tuple[RedFlag, ...]:
    """The red flag to say first (one breath): the most pressing; a habitual pattern is said as the pattern."""
    if not assessment.red_flags:
        return ()
    first = assessment.red_flags[0]
    if pattern_count and first.id == "habitual":
        return ()
    return (first,)


def _said_reasons(kb: KnowledgeBase, assessment: Assessment, facts: Facts) -> tuple[o.SaidReason, ...]:
    """The two strongest reasons for the leading cause, each marked as said by the user or worked out."""
    # A reason the skill worked out is said only where it has words of its own (the muscles a workout uses);
    # any other is left out rather than put in the user's mouth ("because you said it was a long session").
    from_amounts = {d.finding for d in kb.derivations if facts.quantity(d.quantity) is not None}
    reasons = [
        o.SaidReason(
            reason.finding,
            reason.present,
            derived=facts.finding(reason.finding) is None and reason.finding not in from_amounts,
        )
        for reason in assessment.reasons
    ]
    return tuple(r for r in reasons if not r.derived or r.finding == "worked_only")[:2]


def _close_runner_up(kb: KnowledgeBase, assessment: Assessment) -> CauseId | None:
    leader, runner = assessment.leader, assessment.runner_up
    if assessment.triage != "self_care" or leader is None or runner is None:
        return None
    return runner.id if leader.score - runner.score <= kb.interview.close_runner_up else None


def _levels(levels: frozenset[str]) -> tuple[TriageLevel, ...]:
    return tuple(level for level in ("doctor", "urgent") if level in levels)


def _more_tips(kb: KnowledgeBase, state: DialogueState, assessment: Assessment | None) -> o.Farewell:
    """The advice the verdict left out: all of it after a see-a-doctor verdict, which spoke none."""
    if assessment is None:
        return o.Farewell("more_given")
    plan = plan_advice(kb, state.facts, assessment)
    tips = plan.more if assessment.triage == "self_care" else (*plan.advice, *plan.more)
    return o.Farewell("more_given", assessment, tuple(tips))


def _reassess(kb: KnowledgeBase, state: DialogueState) -> Assessment:
    return assess(kb, state.facts)


def _explain(kb: KnowledgeBase, state: DialogueState, kind: TurnKind) -> Turn:
    question = kb.questions.get(state.pending or "")
    has_verdict = state.assessment is not None and state.phase != "interview"
    if kind == "why_question" and question is None and has_verdict:
        kind = "why_verdict"
    if kind == "why_verdict" and not has_verdict:
        kind = "why_question" if question is not None else "help"
    if kind == "more" and not has_verdict:
        kind = "help"
    if kind == "why_question" and question is None:
        kind = "help"
    topic: Literal["why_verdict", "why_question", "more", "help", "see_doctor"] = kind  # type: ignore[assignment]
    assessment = _reassess(kb, state) if has_verdict else None
    outcome = o.Explain(topic, question, assessment, state.facts, state.phase)
    if topic == "more":
        return Turn(_more_tips(kb, state, assessment), state.evolve(phase="done"), end_session=True)
    return Turn(outcome, state)


def _not_understood(kb: KnowledgeBase, state: DialogueState, *, heard: bool = False) -> Turn:
    question = kb.questions.get(state.pending or "")
    if question is None:
        if state.phase in ("verdict", "consent", "confirm_forget"):
            return Turn(o.Explain("help", None, None, state.facts, state.phase), state)
        # never the same sentence more than twice in a row: after a miss, the simplest thing to say instead
        again = state.misses % 2 == 1
        return Turn(
            o.Greeting(True, False, "not_understood_again" if again else "not_understood"),
            state.evolve(phase="interview", misses=min(state.misses + 1, 9)),
        )
    misses = state.misses + 1
    if misses >= 2:
        # Recorded as not known and never asked again; a safety question is then taken apart into single signs.
        facts = state.facts.with_values(kb, answer_yes_no(question, None)).with_missed(question.id)
        spelled_out = question.kind == "screen" and any(
            question.id in q.spells_out for q in kb.questions.values()
        )
        return _advance(
            kb, state.evolve(facts=facts, misses=0), "one_at_a_time" if spelled_out else "moving_on"
        )
    return Turn(
        o.Ask(question, "got_it" if heard else "not_understood", False, state.facts.muscles(), guidance=True),
        state.evolve(misses=misses),
    )


def _record(assessment: Assessment, facts: Facts) -> o.Effect:
    """The episode to keep, from the engine's assessment: the leading cause (none when urgent) and triage."""
    leader = assessment.leader
    cause = leader.id if leader is not None and assessment.triage != "urgent" else None
    return o.Effect("record_episode", muscles=facts.muscles(), cause=cause, triage=assessment.triage)


def _consent(kb: KnowledgeBase, state: DialogueState, yes: bool) -> Turn:
    user = UserContext(
        returning=True,
        consent=yes,
        recent_episodes=state.user.recent_episodes,
        recent_muscles=state.user.recent_muscles,
        store_available=state.user.store_available,
    )
    effects = [o.Effect("set_consent", consent=yes)]
    if yes and state.assessment is not None:  # the verdict of this session, assessed again from its facts
        effects.append(_record(_reassess(kb, state), state.facts))
    return Turn(
        o.Farewell("consent_yes" if yes else "consent_no"),
        state.evolve(user=user, phase="done"),
        end_session=True,
        effects=tuple(effects),
    )


def _ask_forget(state: DialogueState) -> Turn:
    if state.user.store_unreachable:  # a history may be kept: never say there is nothing to forget
        return Turn(o.Farewell("forget_failed"), state.evolve(phase="done"), end_session=True)
    if not state.user.store_available:
        return Turn(o.Prompt("no_history_kept"), state)
    return Turn(o.Prompt("confirm_forget"), state.evolve(phase="confirm_forget"))


def _forget(state: DialogueState, yes: bool) -> Turn:
    if not yes:
        return Turn(o.Farewell("kept"), state.evolve(phase="done"), end_session=True)
    user = UserContext(store_available=state.user.store_available)
    return Turn(
        o.Farewell("forgotten"),
        DialogueState(user=user, phase="done"),
        end_session=True,
        effects=(o.Effect("forget"),),
    )


_YES_NO_PHASES = ("consent", "confirm_forget", "verdict", "done")
# What a first report may hold and still be outside the skill's scope: where, what workout, and pain.
_SCOPE_NEUTRAL = frozenset({MUSCLES, WORKOUT, "muscle_pain", "workout_minutes"})


def _out_of_scope(kb: KnowledgeBase, understood: Understood, facts: Facts) -> bool:
    """A first report in the person's own words that names no twitch, spasm or cramp, no warning sign, nothing but
    pain or a place ("my knee is sore"): the skill is for twitching around exercise (the article's subject)."""
    if not understood.free_text or understood.complaint:
        return False  # a report sample that names the twitching, or words that do
    return set(facts.values) <= _SCOPE_NEUTRAL


def _is_sign(kb: KnowledgeBase, finding: str) -> bool:
    """A finding that only red-flag rules use (a warning sign, a group, a medicine), not evidence for a cause."""
    known = kb.findings.get(finding)
    return known is not None and not known.is_evidence


def settle(turn: Turn, failed: frozenset[o.EffectKind]) -> Turn:
    """The turn once its effects were applied: never claim what the history store did not do."""
    if not failed:
        return turn
    outcome = turn.outcome
    if isinstance(outcome, o.Farewell):
        if outcome.reason == "forgotten" and "forget" in failed:
            return turn._replace(outcome=o.Farewell("forget_failed"))
        if outcome.reason == "consent_yes" and failed & {"set_consent", "record_episode"}:
            return turn._replace(outcome=o.Farewell("consent_unsaved"))
    if isinstance(outcome, o.Verdict) and "record_episode" in failed:
        return turn._replace(outcome=outcome._replace(unsaved=True))
    return turn
