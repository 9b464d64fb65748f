"""Loads the knowledge base: the compiled form when present (fast, no pydantic), else the YAML, validated.

Errors name the file, the entry and the problem, as a KnowledgeError.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from skill.compiled import read_compiled, write_compiled
from skill.errors import KnowledgeError
from skill.knowledge.model import KnowledgeBase

__all__ = [
    "COMPILED_NAME",
    "DATA_DIR",
    "KNOWLEDGE_FILES",
    "TEXT_DIR",
    "compile_knowledge_base",
    "load_knowledge_base",
    "read_knowledge_files",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
COMPILED_NAME = "knowledge.pickle"
TEXT_DIR = "text"  # per-locale overlays of the knowledge base's prose: text/en-GB.yaml
KNOWLEDGE_FILES = (
    "causes",
    "findings",
    "questions",
    "red_flags",
    "vocabulary",
    "guidance",
    "lexicon",
    "locales",
)


@lru_cache(maxsize=4)
def load_knowledge_base(data_dir: Path = DATA_DIR) -> KnowledgeBase:
    """The knowledge base in `data_dir`: its compiled form if one was built there, else its YAML, validated."""
    compiled = read_compiled(data_dir / COMPILED_NAME, KnowledgeBase, KnowledgeError)
    if compiled is not None:
        return compiled
    return read_knowledge_files(data_dir)


def read_knowledge_files(data_dir: Path = DATA_DIR) -> KnowledgeBase:
    """Parse and validate every YAML file in `data_dir` (slow path: imports yaml and pydantic)."""
    import yaml
    from pydantic import ValidationError

    from skill.knowledge import schema

    raw: dict[str, Any] = {}
    for name in KNOWLEDGE_FILES:
        path = data_dir / f"{name}.yaml"
        try:
            raw[name] = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise KnowledgeError(f"{path.name}: the file is missing from {data_dir}") from exc
        except yaml.YAMLError as exc:
            raise KnowledgeError(f"{path.name}: not valid YAML: {exc}") from exc
    overlays: dict[str, Any] = {}
    for path in sorted((data_dir / TEXT_DIR).glob("*.yaml")):
        try:
            overlays[path.stem] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise KnowledgeError(f"{TEXT_DIR}/{path.name}: not valid YAML: {exc}") from exc
    raw["text_overlays"] = overlays
    try:
        files = schema.KnowledgeFiles.model_validate(raw)
    except ValidationError as exc:
        raise KnowledgeError(_describe(exc, raw)) from exc
    kb = schema.to_knowledge_base(files)
    problems = schema.text_problems(kb, files)
    if problems:
        raise KnowledgeError("\n".join(problems))
    return kb


def compile_knowledge_base(dest_dir: Path, data_dir: Path = DATA_DIR) -> Path:
    """Validate the YAML in `data_dir` and write its compiled form into `dest_dir`; return the file written."""
    return write_compiled(read_knowledge_files(data_dir), dest_dir / COMPILED_NAME)


def _describe(exc: Any, raw: dict[str, Any]) -> str:
    """One line per problem: `file.yaml: entry: problem`."""
    lines: list[str] = []
    for error in exc.errors():
        loc = list(error["loc"])
        if not loc:
            lines.append(f"knowledge base: {error['msg']}")
            continue
        file_key = str(loc.pop(0))
        node = raw.get(file_key)
        if file_key == "text_overlays" and loc:  # one file per locale: text/en-GB.yaml
            tag = str(loc.pop(0))
            file_key, node = f"{TEXT_DIR}/{tag}", (node or {}).get(tag)
        entry = _entry_name(node, loc)
        where = f"{file_key}.yaml"
        message = str(error["msg"]).removeprefix("Value error, ")
        lines.append(f"{where}: {entry}: {message}" if entry else f"{where}: {message}")
    return "\n".join(lines)


def _entry_name(node: Any, loc: list[Any]) -> str:
    """Render a location like `causes[2] (id 'caffeine').prior`, naming list entries by their id."""
    parts: list[str] = []
    for key in loc:
        if isinstance(key, int) and isinstance(node, list) and 0 <= key < len(node):
            node = node[key]
            label = f"[{key}]"
            if isinstance(node, dict) and "id" in node:
                label += f" (id {node['id']!r})"
            parts.append(label)
        else:
            node = node.get(key) if isinstance(node, dict) else None
            parts.append(f".{key}" if parts else str(key))
    return "".join(parts)
