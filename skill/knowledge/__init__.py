"""The knowledge base: data (YAML under data/), its schema, and its loader; no domain logic."""

from __future__ import annotations

from skill.knowledge.loader import compile_knowledge_base, load_knowledge_base, read_knowledge_files
from skill.knowledge.model import CAUSE_IDS, TRIAGE_LEVELS, CauseId, KnowledgeBase, Question, TriageLevel

__all__ = [
    "CAUSE_IDS",
    "TRIAGE_LEVELS",
    "CauseId",
    "KnowledgeBase",
    "Question",
    "TriageLevel",
    "compile_knowledge_base",
    "load_knowledge_base",
    "read_knowledge_files",
]
