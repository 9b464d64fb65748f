"""Chooses what to advise with a verdict: the leading cause's advice that fits this person, the advice held back by
rule, the first aid their situation calls for, and the safety net. Pure: every rule comes from the knowledge base.

Advice is held back by data, not by luck: an advice item names the findings that forbid it (`not_when`), the
findings it needs (`when`) and the body regions it fits (`regions`); first aid names the findings it needs and
the ones that forbid it (medical-facts, "Advice that must be held back").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from skill.engine.assess import Assessment, known_findings
from skill.engine.facts import Facts
from skill.knowledge.model import Advice, FirstAid, KnowledgeBase, Text

__all__ = ["AdvicePlan", "HeldBack", "plan_advice", "unsure_levels"]

# The one-breath test (Alexa design guide): at most three pieces of advice, and no more words than fit a breath.
_ADVICE_WORDS = 36
_MAX_ADVICE = 3


class HeldBack(NamedTuple):
    """An advice item left out, and why: the finding that forbids it, the one it needs, or the region it doesn't fit."""

    advice: str
    reason: str


class AdvicePlan(NamedTuple):
    advice: tuple[Advice, ...]  # to speak with the verdict, in order
    more: tuple[Advice, ...]  # safe and fitting but left for "more tips"
    held_back: tuple[HeldBack, ...]
    first_aid: tuple[FirstAid, ...]
    safety_net: Text | None  # the signs to watch for with the leading cause (self-care verdicts)


NO_ADVICE = AdvicePlan((), (), (), (), None)


def plan_advice(kb: KnowledgeBase, facts: Facts, assessment: Assessment) -> AdvicePlan:
    """The advice for `assessment`; none for an urgent verdict, whose red flag says what to do."""
    if assessment.triage == "urgent":
        return NO_ADVICE
    findings = known_findings(kb, facts)
    present = {key for key, value in findings.items() if value is True}
    leader = assessment.leader.id if assessment.leader is not None else None
    regions = {kb.muscles[m].region for m in facts.muscles() if m in kb.muscles}
    allowed: list[Advice] = []
    held: list[HeldBack] = []
    for item in kb.causes[leader].advice if leader is not None else ():
        reason = _held_back_by(item, present, regions)
        if reason is None:
            allowed.append(item)
        elif reason:  # an item that only some people need ("when") is not "held back" from the others
            held.append(HeldBack(item.id, reason))
    spoken: list[Advice] = []
    words = 0
    for item in allowed:
        size = len(item.text.split())
        if spoken and (words + size > _ADVICE_WORDS or len(spoken) == _MAX_ADVICE):
            break
        spoken.append(item)
        words += size
    first_aid = tuple(
        aid for aid in kb.first_aid.values() if _first_aid_applies(aid, findings, present, leader)
    )
    safety_net = (
        kb.causes[leader].safety_net if leader is not None and assessment.triage == "self_care" else None
    )
    return AdvicePlan(
        advice=tuple(spoken),
        more=tuple(item for item in allowed if item not in spoken),
        held_back=tuple(held),
        first_aid=first_aid,
        safety_net=safety_net,
    )


def _held_back_by(item: Advice, present: set[str], regions: set[str]) -> str | None:
    """None when the item fits; else why not ('' when it is simply meant for someone else)."""
    for finding in item.not_when:
        if finding in present:
            return finding
    if any(finding not in present for finding in item.when):
        return ""
    if item.when_any and present.isdisjoint(item.when_any):
        return ""
    if item.regions and regions and regions.isdisjoint(item.regions):
        return "region:" + ",".join(sorted(regions))
    return None


def _first_aid_applies(
    aid: FirstAid, findings: Mapping[str, bool], present: set[str], leader: str | None
) -> bool:
    return (
        present.issuperset(aid.if_all)
        and (not aid.if_any or not present.isdisjoint(aid.if_any))
        and present.isdisjoint(aid.unless_any)
        and all(finding not in findings for finding in aid.unknown)
        and (not aid.leader or leader in aid.leader)
    )


def unsure_levels(kb: KnowledgeBase, facts: Facts) -> frozenset[str]:
    """The triage levels whose screen question the user was asked and could not answer."""
    return frozenset(
        question.reveals
        for question in kb.questions.values()
        if question.reveals is not None
        and question.id in facts.asked
        and not question.spells_out
        and question.finding in facts.values  # said "not sure", or missed; not answered with a sign instead
        and facts.finding(question.finding) is None
        and not _spelled_out_answered(kb, facts, question.id)
    )


def _spelled_out_answered(kb: KnowledgeBase, facts: Facts, question_id: str) -> bool:
    """Every single-sign question that spells out `question_id` was answered yes or no."""
    singles = [q for q in kb.questions.values() if question_id in q.spells_out]
    return bool(singles) and all(facts.finding(q.finding) is not None for q in singles)
