"""`python -m skill.speech compile DEST_DIR` (used by the package build) and `check [PHRASES_DIR]`."""

from __future__ import annotations

import sys
from pathlib import Path

from skill.errors import KnowledgeError, PhraseError
from skill.knowledge import load_knowledge_base
from skill.speech.phrasebook import PHRASES_DIR, compile_phrasebooks, read_phrase_files, term_names


def main(argv: list[str]) -> int:
    try:
        terms = term_names(load_knowledge_base())
        if len(argv) == 2 and argv[0] == "compile":
            target = compile_phrasebooks(Path(argv[1]), terms)
            print(f"compiled phrase books -> {target} ({target.stat().st_size} bytes)")
            return 0
        if argv[:1] == ["check"] and len(argv) <= 2:
            read_phrase_files(Path(argv[1]) if len(argv) == 2 else PHRASES_DIR, terms)
            print("phrase books are valid")
            return 0
    except (PhraseError, KnowledgeError) as exc:
        print(f"phrase books are invalid:\n{exc}", file=sys.stderr)
        return 1
    print("usage: python -m skill.speech compile DEST_DIR | check [PHRASES_DIR]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
