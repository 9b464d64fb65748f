"""The phrase books: every sentence the skill says outside the knowledge base's text, per locale, from
`phrases/*.yaml`, resolved by a fallback chain (en-GB, then en, then base.yaml) as ask-sdk-core's locale template
enumerator resolves templates (`view_resolvers/locale_template_enumerator.py`).

The package build validates the YAML and ships it compiled (`phrases.pickle`), so Lambda never imports yaml.
"""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path
from typing import Any

from skill.compiled import read_compiled, write_compiled
from skill.errors import PhraseError
from skill.knowledge import KnowledgeBase
from skill.knowledge.localize import locale_chain, served_locale

__all__ = [
    "BASE",
    "COMPILED_NAME",
    "PHRASES_DIR",
    "Phrasebook",
    "compile_phrasebooks",
    "fields_of",
    "load_phrasebooks",
    "phrasebook",
    "read_phrase_files",
    "term_names",
]

PHRASES_DIR = Path(__file__).resolve().parent / "phrases"
COMPILED_NAME = "phrases.pickle"
BASE = "base"  # the file every phrase is in: base.yaml


class Phrasebook:
    """One locale's phrases, each resolved along the chain, and that locale's terms."""

    __slots__ = ("locale", "phrases", "terms")

    def __init__(self, locale: str, phrases: dict[str, str], terms: dict[str, str]) -> None:
        self.locale = locale
        self.phrases = phrases
        self.terms = terms

    def say(self, key: str, **fields: object) -> str:
        """The phrase `key` ("verdict.could_also_be") with its {fields} and the locale's {terms} filled. Raises
        KeyError for an unknown phrase, or a name in it that is neither a field given nor a term."""
        return self.phrases[key].format_map({**self.terms, **fields})

    def fill(self, text: str) -> str:
        """Knowledge text with the locale's {terms} filled ("call {emergency_number}" -> "call 999")."""
        for name, word in self.terms.items():
            text = text.replace("{" + name + "}", word)
        return text


def fields_of(template: str) -> set[str]:
    """The {names} a phrase template uses. Raises ValueError for a template with unbalanced braces."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def term_names(kb: KnowledgeBase) -> frozenset[str]:
    """The terms any locale of `kb` names (its locales.yaml): the names a phrase may use beyond its fields."""
    return frozenset(name for locale in kb.locales.values() for name in locale.terms)


def phrasebook(kb: KnowledgeBase, locale: str | None, phrases_dir: Path = PHRASES_DIR) -> Phrasebook:
    """The phrase book for `locale` ("en-GB"): its own phrases, else its language's, else the base's, with the
    knowledge base's terms for it. A locale the skill does not serve gets the fallback locale's book."""
    tag = served_locale(kb, locale)
    terms = kb.locales[tag].terms
    return _phrasebook(tag, tuple(sorted(terms.items())), phrases_dir)


@lru_cache(maxsize=16)
def _phrasebook(tag: str, terms: tuple[tuple[str, str], ...], phrases_dir: Path) -> Phrasebook:
    books = load_phrasebooks(phrases_dir, frozenset(name for name, _ in terms))
    merged = dict(books[BASE])
    for name in reversed(locale_chain(tag)):
        merged.update(books.get(name, {}))
    return Phrasebook(tag, merged, dict(terms))


@lru_cache(maxsize=4)
def load_phrasebooks(phrases_dir: Path, term_names: frozenset[str]) -> dict[str, dict[str, str]]:
    """Every phrase file in `phrases_dir` by name ("base", "en-GB"): its compiled form if one was built there,
    else its YAML, checked. Raises PhraseError naming the file and phrase."""
    compiled = read_compiled(phrases_dir / COMPILED_NAME, dict, PhraseError)
    if compiled is not None:
        return compiled
    return read_phrase_files(phrases_dir, term_names)


def read_phrase_files(phrases_dir: Path, term_names: frozenset[str]) -> dict[str, dict[str, str]]:
    """Parse and check every `*.yaml` in `phrases_dir` (slow path: imports yaml): a locale's file may only say
    differently what base.yaml says, naming no field the base phrase lacks (terms excepted). Raises PhraseError."""
    import yaml

    books: dict[str, dict[str, str]] = {}
    for path in sorted(phrases_dir.glob("*.yaml")):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise PhraseError(f"{path.name}: not valid YAML: {exc}") from exc
        books[path.stem] = _flatten(path.name, raw)
    if BASE not in books:
        raise PhraseError(f"{BASE}.yaml is missing from {phrases_dir}")
    problems = [
        problem for name, book in books.items() for problem in _problems(name, book, books[BASE], term_names)
    ]
    if problems:
        raise PhraseError("\n".join(problems))
    return books


def compile_phrasebooks(dest_dir: Path, term_names: frozenset[str], phrases_dir: Path = PHRASES_DIR) -> Path:
    """Check the phrase files in `phrases_dir` and write their compiled form into `dest_dir`; the file written."""
    return write_compiled(read_phrase_files(phrases_dir, term_names), dest_dir / COMPILED_NAME)


def _flatten(file_name: str, node: Any, prefix: str = "") -> dict[str, str]:
    """Nested mappings become dotted keys (verdict.could_also_be, months.11); every leaf must be text."""
    if not isinstance(node, dict):
        raise PhraseError(f"{file_name}: {prefix or 'the file'} must be a mapping of phrases")
    flat: dict[str, str] = {}
    for key, value in node.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(file_name, value, path + "."))
        elif isinstance(value, str) and value.strip():
            flat[path] = value
        else:
            raise PhraseError(f"{file_name}: {path}: a phrase must be non-empty text")
    return flat


def _problems(name: str, book: dict[str, str], base: dict[str, str], term_names: frozenset[str]) -> list[str]:
    """Braces must balance; a locale's file may only say differently what the base says, with no field the
    base phrase lacks (a term may be named anywhere)."""
    problems: list[str] = []
    for key, text in book.items():
        if key not in base:
            problems.append(f"{name}.yaml: {key}: not a phrase of {BASE}.yaml")
            continue
        try:
            extra = fields_of(text) - fields_of(base[key]) - term_names
        except ValueError as exc:
            problems.append(f"{name}.yaml: {key}: {exc}")
            continue
        if extra:
            problems.append(f"{name}.yaml: {key}: names {sorted(extra)}, which {BASE}.yaml's phrase does not")
    return problems
