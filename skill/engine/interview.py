"""Chooses the next question: the red-flag screen first, then the most informative question, with a stop rule.

Pure: expected information gain over the causes, computed from the knowledge base's likelihoods.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping, Sequence

from skill.engine.assess import known_findings, posterior, red_flags_found
from skill.engine.facts import Facts
from skill.engine.tables import Tables, binary_entropy, tables
from skill.knowledge.model import CAUSE_IDS, TRIAGE_LEVELS, CauseId, KnowledgeBase, Question, RedFlag

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
    if now is None or question.finding in findings:
        # (A finding already known is replaced, not added: only a full recomputation handles that.)
        now = posterior(kb, {key: value for key, value in findings.items() if key != question.finding})
    return _information_gain(tables(kb), [now[c] for c in CAUSE_IDS], question.finding)


def _information_gain(rows: Tables, now: Sequence[float], finding: str) -> float:
    """Expected drop in entropy (bits) over the causes (`now` in CAUSE_IDS order) from learning `finding`.

    That is the mutual information of cause and answer, H(answer) - H(answer | cause), where under naive Bayes
    P(yes) = sum of P(cause | what is known) x P(present | cause): no candidate question needs a new posterior.
    A red-flag sign weighs on no cause and gains nothing.
    """
    present = rows.present.get(finding)
    if present is None:
        return 0.0
    p_present: float = sum(map(operator.mul, now, present))
    expected_uncertainty: float = sum(map(operator.mul, now, rows.answer_entropy[finding]))
    return max(0.0, binary_entropy(p_present) - expected_uncertainty)


def is_answered(kb: KnowledgeBase, facts: Facts, findings: Mapping[str, bool], question: Question) -> bool:
    """Asked before, or already settled by what the user said (volunteered facts are never asked again)."""
    if question.id in facts.asked or question.finding in facts.values:
        return True
    if question.finding in findings:
        return True
    return question.quantity is not None and question.quantity in facts.values


def screen_covered(kb: KnowledgeBase, facts: Facts) -> bool:
    """True once the red-flag screen needs no more questions."""
    findings = known_findings(kb, facts)
    return _pending_screen(kb, facts, findings, red_flags_found(kb, findings)) is None


def _pending_screen(
    kb: KnowledgeBase, facts: Facts, findings: Mapping[str, bool], flags: Sequence[RedFlag]
) -> Question | None:
    """The first screen question still worth asking.

    One is skipped once a sign already known reaches the level its yes would (a volunteered warning sign makes the
    general screen moot, not the urgent check), or once a finding in its `unless` holds. One limited to some people
    (`when`, `when_any`) is asked only of them; one that spells out another is asked only once that one was missed.
    """
    reached = max((TRIAGE_LEVELS.index(flag.level) for flag in flags), default=0)
    for question in kb.questions.values():
        if question.kind != "screen" or is_answered(kb, facts, findings, question):
            continue
        if question.reveals is not None and TRIAGE_LEVELS.index(question.reveals) <= reached:
            continue
        if any(findings.get(key) is value for key, value in question.unless.items()):
            continue
        if question.when and any(findings.get(key) is not value for key, value in question.when.items()):
            continue
        if question.when_any and not any(findings.get(key) is True for key in question.when_any):
            continue
        if question.spells_out and not any(other in facts.missed for other in question.spells_out):
            continue
        if any(other in facts.missed for other in question.skip_if_missed):
            continue
        if any(other in facts.asked for other in question.skip_if_asked):
            continue
        return question
    return None


def next_question(kb: KnowledgeBase, facts: Facts) -> Question | None:
    """The most informative question still worth asking, or None when it is time for the verdict.

    The red-flag screen always comes first and is never cut short by the interview's limit on questions; questions
    about the causes stop at the limit, counting the screen questions already asked.
    """
    findings = known_findings(kb, facts)
    flags = red_flags_found(kb, findings)
    if flags and flags[0].level == "urgent":
        return None
    screen = _pending_screen(kb, facts, findings, flags)
    if screen is not None:
        return screen
    if flags:
        return None
    if len(facts.asked) >= kb.interview.max_questions:
        return None
    now = posterior(kb, findings)
    leader, runner_up = sorted(now.values(), reverse=True)[:2]
    tuning = kb.interview
    if leader >= tuning.leader_at_least and leader - runner_up >= tuning.lead_margin:
        return None
    best: Question | None = None
    best_gain = tuning.min_gain_bits
    current = [now[c] for c in CAUSE_IDS]
    rows = tables(kb)
    for question in kb.questions.values():
        if question.kind != "cause" or is_answered(kb, facts, findings, question):
            continue
        gain = _information_gain(rows, current, question.finding)
        if gain > best_gain:
            best, best_gain = question, gain
    return best
