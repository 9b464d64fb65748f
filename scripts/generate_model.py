"""Writes interaction_models/en-US.json from its grammar (interaction_models/source/en-US.yaml) and the lexicon."""

from __future__ import annotations

import sys
from pathlib import Path

from skill.knowledge import read_knowledge_files
from skill.local.generate import GrammarError, write_model

MODELS = Path(__file__).resolve().parents[1] / "interaction_models"
SOURCE = MODELS / "source" / "en-US.yaml"
MODEL = MODELS / "en-US.json"


def main() -> int:
    try:
        changed = write_model(SOURCE, MODEL, read_knowledge_files())
    except GrammarError as exc:
        print(f"{SOURCE.name}: {exc}", file=sys.stderr)
        return 1
    print(f"{MODEL.name}: {'regenerated from ' + SOURCE.name if changed else 'already up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
