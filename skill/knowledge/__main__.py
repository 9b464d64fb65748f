"""`python -m skill.knowledge compile DEST_DIR` (used by the package build) and `check [DATA_DIR]`."""

from __future__ import annotations

import sys
from pathlib import Path

from skill.errors import KnowledgeError
from skill.knowledge.loader import DATA_DIR, compile_knowledge_base, read_knowledge_files


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "compile":
        try:
            target = compile_knowledge_base(Path(argv[1]))
        except KnowledgeError as exc:
            print(f"knowledge base is invalid:\n{exc}", file=sys.stderr)
            return 1
        print(f"compiled knowledge base -> {target} ({target.stat().st_size} bytes)")
        return 0
    if argv[:1] == ["check"] and len(argv) <= 2:
        try:
            read_knowledge_files(Path(argv[1]) if len(argv) == 2 else DATA_DIR)
        except KnowledgeError as exc:
            print(f"knowledge base is invalid:\n{exc}", file=sys.stderr)
            return 1
        print("knowledge base is valid")
        return 0
    print("usage: python -m skill.knowledge compile DEST_DIR | check [DATA_DIR]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
