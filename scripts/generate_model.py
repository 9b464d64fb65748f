"""Writes interaction_models/<locale>.json for every locale's grammar in interaction_models/source/ (en-US.yaml,
and each locale's overlay on it) and the lexicon."""

from __future__ import annotations

import sys
from pathlib import Path

from skill.knowledge import read_knowledge_files
from skill.local.generate import GrammarError, locale_sources, write_model

MODELS = Path(__file__).resolve().parents[1] / "interaction_models"
SOURCES = MODELS / "source"


def main() -> int:
    kb = read_knowledge_files()
    status = 0
    for locale, source in locale_sources(SOURCES).items():
        model = MODELS / f"{locale}.json"
        try:
            changed = write_model(source, model, kb)
        except GrammarError as exc:
            print(f"{source.name}: {exc}", file=sys.stderr)
            status = 1
            continue
        print(f"{model.name}: {'regenerated from ' + source.name if changed else 'already up to date'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
