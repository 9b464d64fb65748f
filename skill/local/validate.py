"""`muscle-coach validate`: checks the knowledge base, the phrase books, the interaction model, and that they agree
with the handlers.

It only reports problems as sentences; it fixes nothing and is never needed in Lambda.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path

from skill.dialogue.understand import hearable_findings
from skill.errors import KnowledgeError, PhraseError
from skill.handlers.intents import HANDLED_INTENTS, SLOT_TYPES
from skill.knowledge import KnowledgeBase, read_knowledge_files
from skill.knowledge.loader import DATA_DIR
from skill.local.resolver import (
    InteractionModel,
    InteractionModelError,
    load_interaction_model,
    model_problems,
)
from skill.speech.phrasebook import BASE, PHRASES_DIR, read_phrase_files, term_names

__all__ = ["INVOCATION_NAME", "KB_SLOT_TYPES", "phrase_problems", "validate_models", "validate_project"]

INVOCATION_NAME = "muscle coach"

# Custom slot types whose value ids the dialogue layer looks up in the knowledge base, and what they name there.
KB_SLOT_TYPES: dict[str, tuple[str, Callable[[KnowledgeBase], Collection[str]]]] = {
    SLOT_TYPES["muscle"]: ("muscle", lambda kb: kb.muscles),
    SLOT_TYPES["workout"]: ("workout", lambda kb: kb.workouts),
    SLOT_TYPES["caffeine"]: ("caffeine source (caffeine_mg)", lambda kb: kb.caffeine_mg),
    SLOT_TYPES["symptom"]: ("symptom", lambda kb: kb.symptoms),
}


def validate_project(model_path: Path, data_dir: Path = DATA_DIR) -> list[str]:
    """Every problem found, one human-readable sentence each; an empty list means the project is consistent."""
    problems: list[str] = []
    kb = _knowledge(data_dir, problems)
    return problems + _model_problems(model_path, kb)


def validate_models(models_dir: Path, data_dir: Path = DATA_DIR) -> list[str]:
    """`validate_project` for every locale's model in `models_dir` (<locale>.json): each is checked against the
    handlers and the knowledge base, and must be for a locale the knowledge base has words for."""
    problems: list[str] = []
    kb = _knowledge(data_dir, problems)
    paths = sorted(models_dir.glob("*.json"))
    if not paths:
        problems.append(f"{models_dir}: no interaction model (<locale>.json) to check")
    for path in paths:
        if kb is not None and path.stem not in kb.locales:
            problems.append(
                f"{path.name}: {path.stem!r} is not a locale in locales.yaml, so no emergency number would be named"
            )
        problems.extend(_model_problems(path, kb))
    return problems


def _knowledge(data_dir: Path, problems: list[str]) -> KnowledgeBase | None:
    try:
        kb = read_knowledge_files(data_dir)
    except KnowledgeError as exc:
        problems.append(f"knowledge base in {data_dir} is invalid:\n{exc}")
        return None
    problems.extend(phrase_problems(kb))
    return kb


def phrase_problems(kb: KnowledgeBase, phrases_dir: Path = PHRASES_DIR) -> list[str]:
    """The phrase books must read and check against `kb`'s terms, each for a locale `kb` serves (or its
    language), so that no file is silently never heard."""
    try:
        books = read_phrase_files(phrases_dir, term_names(kb))
    except PhraseError as exc:
        return [f"phrase books in {phrases_dir} are invalid:\n{exc}"]
    languages = {locale.split("-", 1)[0] for locale in kb.locales}
    return [
        f"{name}.yaml: {name!r} is neither a locale in locales.yaml nor the language of one, so no one hears it"
        for name in books
        if name != BASE and name not in kb.locales and name not in languages
    ]


def _model_problems(model_path: Path, kb: KnowledgeBase | None) -> list[str]:
    problems: list[str] = []
    try:
        model = load_interaction_model(model_path)
    except InteractionModelError as exc:
        problems.append(f"{model_path.name}: {exc}")
        return problems
    where = model_path.name
    problems.extend(f"{where}: {problem}" for problem in model_problems(model))
    problems.extend(f"{where}: {problem}" for problem in _handler_problems(model))
    if kb is not None:
        problems.extend(f"{where}: {problem}" for problem in _knowledge_problems(model, kb))
    return problems


def _handler_problems(model: InteractionModel) -> list[str]:
    problems: list[str] = []
    if model.invocation_name != INVOCATION_NAME:
        problems.append(f"the invocation name is {model.invocation_name!r}, it must be {INVOCATION_NAME!r}")
    declared = {intent.name for intent in model.intents}
    problems.extend(f"intent {name} has no handler" for name in sorted(declared - HANDLED_INTENTS))
    problems.extend(
        f"intent {name} is handled but missing from the model" for name in sorted(HANDLED_INTENTS - declared)
    )
    slot_names: set[str] = set()
    for intent in model.intents:
        for slot in intent.slots:
            slot_names.add(slot.name)
            expected = SLOT_TYPES.get(slot.name)
            if expected is not None and slot.type != expected:
                problems.append(
                    f"{intent.name}: slot {slot.name} has type {slot.type}, the handlers read it as {expected}"
                )
    problems.extend(
        f"no intent has the slot {name} ({slot_type}) that the handlers read"
        for name, slot_type in sorted(SLOT_TYPES.items())
        if name not in slot_names
    )
    return problems


def _knowledge_problems(model: InteractionModel, kb: KnowledgeBase) -> list[str]:
    problems: list[str] = _unreachable_red_flags(kb)
    for type_name, (what, known_ids) in KB_SLOT_TYPES.items():
        slot_type = model.slot_type(type_name)
        if slot_type is None:
            problems.append(f"slot type {type_name} is missing, so no {what} can be heard")
            continue
        ids = {value.id for value in slot_type.values if value.id is not None}
        known = set(known_ids(kb))
        problems.extend(
            f"slot type {type_name}: id {value_id!r} is not a knowledge-base {what}"
            for value_id in sorted(ids - known)
        )
        problems.extend(
            f"slot type {type_name}: the knowledge-base {what} {value_id!r} has no value, so it can never be heard"
            for value_id in sorted(known - ids)
        )
    return problems


def _unreachable_red_flags(kb: KnowledgeBase) -> list[str]:
    """Red flags no phrase or question can make fire: a sign of theirs that nothing the user says can set."""
    hearable = hearable_findings(kb)
    problems: list[str] = []
    for flag in kb.red_flags:
        missing = [sign for sign in flag.all_of if sign not in hearable]
        if flag.any_of and not any(sign in hearable for sign in flag.any_of):
            missing.append(" or ".join(flag.any_of))
        if missing:
            problems.append(
                f"red flag {flag.id!r} can never fire: no phrase or question sets {', '.join(missing)}"
            )
    return problems
