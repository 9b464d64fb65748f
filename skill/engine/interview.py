"""Chooses the next question: the red-flag screen first, then the most informative question, with a stop rule.

Pure: expected information gain over the causes, computed from the knowledge base's likelihoods.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from skill.engine.assess import known_findings, posterior, red_flags_found
from skill.engine.facts import Facts
from skill.knowledge.model import CAUSE_IDS, CauseId, KnowledgeBase, Question

__all__ = ["entropy", "expected_gain", "is_answered", "next_question", "screen_covered"]


def entropy(distribution: Mapping[CauseId, float]) -> float:
    """Shannon entropy in bits."""
    return -sum(p * math.log2(p) for p in distribution.values() if p > 0.0)


def expected_gain(
    kb: KnowledgeBase,
    findings: Mapping[str, bool],
    question: Question,
    now: Mapping[CauseId, float] | None = None,
) -> float:
    """Expected drop in entropy over the causes from learning the question's finding (bits).

    `now` is the current posterior, when the caller already has it (it is the same for every candidate).
    """
    likelihood = kb.findings[question.finding].likelihood
    if likelihood is None:
        return 0.0
    if now is None:
        now = posterior(kb, findings)
    p_present = sum(now[c] * likelihood[c] for c in CAUSE_IDS)
    after_present = posterior(kb, {**findings, question.finding: True})
    after_absent = posterior(kb, {**findings, question.finding: False})
    expected_after = p_present * entropy(after_present) + (1.0 - p_present) * entropy(after_absent)
    return max(0.0, entropy(now) - expected_after)


def is_answered(kb: KnowledgeBase, facts: Facts, findings: Mapping[str, bool], question: Question) -> bool:
    """Asked before, or already settled by what the user said (volunteered facts are never asked again)."""
    if question.id in facts.asked or question.finding in facts:
        return True
    if question.finding in findings:
        return True
    return question.quantity is not None and question.quantity in facts


def screen_covered(kb: KnowledgeBase, facts: Facts) -> bool:
    """True once the red-flag screen needs no more questions."""
    return _pending_screen(kb, facts, known_findings(kb, facts)) is None


def _pending_screen(kb: KnowledgeBase, facts: Facts, findings: Mapping[str, bool]) -> Question | None:
    for question in kb.questions.values():
        if question.kind != "screen" or is_answered(kb, facts, findings, question):
            continue
        if all(findings.get(key) is value for key, value in question.only_if.items()):
            return question
    return None


def next_question(kb: KnowledgeBase, facts: Facts) -> Question | None:
    """The most informative question still worth asking, or None when it is time for the verdict."""
    findings = known_findings(kb, facts)
    if len(facts.asked) >= kb.interview.max_questions:
        return None
    flagged = bool(red_flags_found(kb, findings))
    screen = _pending_screen(kb, facts, findings)
    if screen is not None and (screen.only_if or not flagged):
        return screen
    if flagged:
        return None
    now = posterior(kb, findings)
    leader, runner_up = sorted(now.values(), reverse=True)[:2]
    tuning = kb.interview
    if leader >= tuning.leader_at_least and leader - runner_up >= tuning.lead_margin:
        return None
    best: Question | None = None
    best_gain = tuning.min_gain_bits
    for question in kb.questions.values():
        if question.kind != "cause" or is_answered(kb, facts, findings, question):
            continue
        gain = expected_gain(kb, findings, question, now)
        if gain > best_gain:
            best, best_gain = question, gain
    return best
