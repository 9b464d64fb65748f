"""The pure engine: facts in, assessment and next question out. Never imports Alexa, AWS or the environment."""

from __future__ import annotations

from skill.engine.advice import AdvicePlan, HeldBack, plan_advice, unsure_levels
from skill.engine.assess import Assessment, RankedCause, Reason, assess, known_findings, rank_causes
from skill.engine.facts import MUSCLES, WORKOUT, Facts, FactValue
from skill.engine.interview import expected_gain, next_question, screen_covered

__all__ = [
    "MUSCLES",
    "WORKOUT",
    "AdvicePlan",
    "Assessment",
    "FactValue",
    "Facts",
    "HeldBack",
    "RankedCause",
    "Reason",
    "assess",
    "expected_gain",
    "known_findings",
    "next_question",
    "plan_advice",
    "rank_causes",
    "screen_covered",
    "unsure_levels",
]
