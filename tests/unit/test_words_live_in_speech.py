"""No sentence a user hears is written in Python outside `skill/speech/`: the phrase books and the knowledge
base's text hold them all, so that a locale is a data change. (`skill/local/` is the developer's CLI, whose
messages are for the developer.)"""

from __future__ import annotations

import ast
import re
from pathlib import Path

__all__: list[str] = []

SKILL = Path(__file__).resolve().parents[2] / "skill"
# Four words or more, a capitalised word first (not an SQL keyword) and a full stop, question or exclamation
# mark last: a sentence.
_SENTENCE = re.compile(r"^[A-Z][a-z']*[,:]?(?:\s+\S+){3,}(?<=[.?!])$")
_TAG = re.compile(r"<[^>]*>")  # SSML around the words
_NOT_FOR_USERS = re.compile(r"^(warning|error|info|debug|exception|critical)$|(Error|Exception)$")


def _sentences(path: Path, root: Path = SKILL.parent) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            skipped.add(id(node.value))  # docstrings, of modules, classes, functions and attributes
        if isinstance(node, ast.Raise) or (
            isinstance(node, ast.Call) and _NOT_FOR_USERS.search(_called(node.func))
        ):
            skipped.update(id(sub) for sub in ast.walk(node))  # errors and logs are for developers
    return [
        f"{path.relative_to(root)}:{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skipped
        and _SENTENCE.match(_TAG.sub("", node.value).strip())
    ]


def _called(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def test_no_sentence_for_the_user_is_written_in_python_outside_speech() -> None:
    found = [
        sentence
        for path in sorted(SKILL.rglob("*.py"))
        if path.relative_to(SKILL).parts[0] not in ("speech", "local")
        for sentence in _sentences(path)
    ]
    assert found == []


def test_the_check_finds_a_sentence_where_one_is_written_and_not_in_logs_errors_or_docstrings(
    tmp_path: Path,
) -> None:
    module = tmp_path / "handler.py"
    module.write_text(
        '"""A module that says things to people."""\n'
        'SORRY = "Sorry, I can\'t do that here."\n'
        'log.warning("Could not reach the store in time.")\n'
        'raise ValueError("The event has no request at all.")\n'
    )
    assert [found.split(": ", 1)[1] for found in _sentences(module, tmp_path)] == [
        '"Sorry, I can\'t do that here."'
    ]
