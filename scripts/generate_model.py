"""Writes the custom slot types of interaction_models/en-US.json from the knowledge base's lexicon."""

from __future__ import annotations

import sys
from pathlib import Path

from skill.knowledge import read_knowledge_files
from skill.local.generate import write_model

MODEL = Path(__file__).resolve().parents[1] / "interaction_models" / "en-US.json"


def main() -> int:
    changed = write_model(MODEL, read_knowledge_files())
    print(f"{MODEL.name}: {'slot types regenerated' if changed else 'already up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
