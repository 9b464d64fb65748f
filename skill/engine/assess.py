"""Ranks the causes given the facts (naive Bayes over the findings) and screens red flags above any ranking.

Pure: no Alexa, AWS or environment; every number it uses comes from the knowledge base.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

from skill.engine.facts import Facts
from skill.engine.tables import tables
from skill.knowledge.model import CAUSE_IDS, CauseId, KnowledgeBase, RedFlag, TriageLevel

__all__ = [
    "Assessment",
    "RankedCause",
    "Reason",
    "assess",
    "known_findings",
    "posterior",
    "rank_causes",
    "red_flags_found",
]

_MIN_REASON_WEIGHT = 0.25
_MAX_REASONS = 3


class RankedCause(NamedTuple):
    id: CauseId
    score: float


class Reason(NamedTuple):
    """One of the user's own answers that supports the leading cause; `weight` is its log-likelihood ratio."""

    finding: str
    present: bool
    weight: float


class Assessment(NamedTuple):
    triage: TriageLevel
    causes: tuple[RankedCause, ...]
    reasons: tuple[Reason, ...]
    red_flags: tuple[RedFlag, ...]

    @property
    def leader(self) -> RankedCause | None:
        return self.causes[0] if self.causes else None

    @property
    def runner_up(self) -> RankedCause | None:
        return self.causes[1] if len(self.causes) > 1 else None


def known_findings(kb: KnowledgeBase, facts: Facts) -> dict[str, bool]:
    """Findings with a yes/no value: what the user said, plus what follows from quantities, muscles and workout.

    An explicit answer always wins over a derived one.
    """
    found: dict[str, bool] = {}
    workout = facts.workout()
    if workout is not None and kb.workouts[workout].implies:
        found.update(kb.workouts[workout].implies or {})
    for derivation in kb.derivations:
        amount = facts.quantity(derivation.quantity)
        if amount is not None:
            found[derivation.finding] = amount >= derivation.at_least
    worked = _worked_only(kb, facts)
    if worked is not None:
        found["worked_only"] = worked
    for key, value in facts.values.items():
        if isinstance(value, bool) and key in kb.findings:
            found[key] = value
    return found


def _worked_only(kb: KnowledgeBase, facts: Facts) -> bool | None:
    muscles = facts.muscles()
    if not muscles:
        return None
    regions = {kb.muscles[m].region for m in muscles}
    if regions & {"head", "everywhere"}:
        return False
    workout = facts.workout()
    if workout is None:
        return None
    return regions <= set(kb.workouts[workout].works)


def posterior(kb: KnowledgeBase, findings: Mapping[str, bool]) -> dict[CauseId, float]:
    """P(cause | findings) for the five causes, summing to 1."""
    rows = tables(kb)
    logs = list(rows.log_prior)
    for finding_id, present in findings.items():
        row = (rows.log_present if present else rows.log_absent).get(finding_id)
        if row is not None:
            logs = [total + term for total, term in zip(logs, row, strict=True)]
    top = max(logs)
    weights = [math.exp(value - top) for value in logs]
    norm = sum(weights)
    return {cause_id: weight / norm for cause_id, weight in zip(CAUSE_IDS, weights, strict=True)}


def rank_causes(kb: KnowledgeBase, findings: Mapping[str, bool]) -> tuple[RankedCause, ...]:
    scores = posterior(kb, findings)
    order = sorted(CAUSE_IDS, key=lambda c: (-scores[c], CAUSE_IDS.index(c)))
    return tuple(RankedCause(c, scores[c]) for c in order)


def red_flags_found(kb: KnowledgeBase, findings: Mapping[str, bool]) -> tuple[RedFlag, ...]:
    """Red-flag rules whose every sign is present, urgent ones first."""
    present = {finding for finding, value in findings.items() if value is True}
    fired = [flag for flag in kb.red_flags if flag.fires(present)]
    return tuple(sorted(fired, key=lambda flag: 0 if flag.level == "urgent" else 1))


def assess(kb: KnowledgeBase, facts: Facts) -> Assessment:
    """Rank causes given what the user said; red flags outrank everything."""
    findings = known_findings(kb, facts)
    flags = red_flags_found(kb, findings)
    triage: TriageLevel = flags[0].level if flags else "self_care"
    causes = () if triage == "urgent" else rank_causes(kb, findings)
    reasons = _reasons(kb, findings, causes[0].id, causes) if causes else ()
    return Assessment(triage=triage, causes=causes, reasons=reasons, red_flags=flags)


def _reasons(
    kb: KnowledgeBase, findings: Mapping[str, bool], leader: CauseId, causes: tuple[RankedCause, ...]
) -> tuple[Reason, ...]:
    others = [c for c in CAUSE_IDS if c != leader]
    prior_total = sum(kb.causes[c].prior for c in others)
    reasons: list[Reason] = []
    for finding_id, present in findings.items():
        likelihood = kb.findings[finding_id].likelihood
        if likelihood is None:
            continue
        chance = {c: likelihood[c] if present else 1.0 - likelihood[c] for c in CAUSE_IDS}
        elsewhere = sum(kb.causes[c].prior * chance[c] for c in others) / prior_total
        weight = math.log(chance[leader] / elsewhere)
        if weight >= _MIN_REASON_WEIGHT:
            reasons.append(Reason(finding_id, present, weight))
    reasons.sort(key=lambda r: (not r.present, -r.weight, r.finding))
    return tuple(reasons[:_MAX_REASONS])
