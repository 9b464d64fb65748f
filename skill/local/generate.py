"""Generates the interaction model's custom slot types from the knowledge base's lexicon; never needed in Lambda.

The lexicon (skill/knowledge/data/lexicon.yaml) is the one place the words for each slot value live: Alexa hears
them through the generated slot types, and the skill's own reader (skill/dialogue/reader.py) matches raw words
against the same lists, so the two can never drift apart.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from skill.knowledge import KnowledgeBase

__all__ = ["generated_model", "slot_types", "write_model"]


def slot_types(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """The ASK `types` array for the lexicon: each value with its id and synonyms, in the lexicon's order."""
    return [
        {
            "name": name,
            "values": [
                {"id": value.id, "name": {"value": value.value, "synonyms": list(value.synonyms)}}
                for value in entry.values
            ],
        }
        for name, entry in kb.lexicon.items()
    ]


def generated_model(model: dict[str, Any], kb: KnowledgeBase) -> dict[str, Any]:
    """`model` (an ASK interaction model document) with its custom slot types taken from the lexicon."""
    language = dict(model["interactionModel"]["languageModel"])
    language["types"] = slot_types(kb)
    return {**model, "interactionModel": {**model["interactionModel"], "languageModel": language}}


def write_model(path: Path, kb: KnowledgeBase) -> bool:
    """Rewrite the model file at `path` with generated slot types; True when the file changed."""
    before = path.read_text(encoding="utf-8")
    after = json.dumps(generated_model(json.loads(before), kb), indent=2, ensure_ascii=False) + "\n"
    if after == before:
        return False
    path.write_text(after, encoding="utf-8")
    return True
