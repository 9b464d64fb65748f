"""The phrase books: one locale's words resolved en-GB, then en, then base.yaml; a locale's file can only say
differently what the base says; a broken file is named, never half-read."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from skill.errors import PhraseError
from skill.knowledge import load_knowledge_base
from skill.speech.phrasebook import (
    BASE,
    COMPILED_NAME,
    PHRASES_DIR,
    compile_phrasebooks,
    load_phrasebooks,
    phrasebook,
    read_phrase_files,
    term_names,
)

__all__: list[str] = []

KB = load_knowledge_base()
TERMS = term_names(KB)


@pytest.fixture
def phrases_dir(tmp_path: Path) -> Path:
    target = tmp_path / "phrases"
    shutil.copytree(PHRASES_DIR, target, ignore=shutil.ignore_patterns(COMPILED_NAME))
    return target


def test_every_phrase_file_is_valid_and_every_locale_served_has_a_whole_book() -> None:
    books = read_phrase_files(PHRASES_DIR, TERMS)
    assert BASE in books
    for locale in KB.locales:
        book = phrasebook(KB, locale)
        assert book.phrases.keys() == books[BASE].keys()


def test_a_locale_hears_its_own_phrase_then_its_languages_then_the_base(phrases_dir: Path) -> None:
    (phrases_dir / "en.yaml").write_text("farewell:\n  stop: Cheerio from every English locale.\n")
    (phrases_dir / "en-GB.yaml").write_text(
        (phrases_dir / "en-GB.yaml").read_text() + "welcome_back: Welcome back, love.\n"
    )
    british, american = phrasebook(KB, "en-GB", phrases_dir), phrasebook(KB, "en-US", phrases_dir)

    assert british.say("welcome_back") == "Welcome back, love."  # its own
    assert american.say("welcome_back") == "Welcome back to Muscle Coach."  # the base
    assert (
        british.say("farewell.stop") == american.say("farewell.stop") == "Cheerio from every English locale."
    )


def test_a_locale_the_skill_does_not_serve_gets_the_fallback_locales_book() -> None:
    assert phrasebook(KB, "fr-FR").locale == phrasebook(KB, None).locale == KB.fallback_locale == "en-US"


def test_terms_are_filled_in_the_locales_words() -> None:
    assert "call your GP" in phrasebook(KB, "en-GB").say("disclaimer")
    assert "triple zero" in phrasebook(KB, "en-AU").say("disclaimer")
    assert (
        phrasebook(KB, "en-GB").fill("see {a_doctor}, or call {emergency_number}") == "see a GP, or call 999"
    )


def test_a_field_the_renderer_did_not_give_is_an_error_not_a_brace_in_speech() -> None:
    with pytest.raises(KeyError, match="cause"):
        phrasebook(KB, "en-US").say("verdict.could_also_be")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("nonsense_phrase: Hello.\n", "en-GB.yaml: nonsense_phrase: not a phrase of base.yaml"),
        ("welcome_back: Welcome back, {name}.\n", "en-GB.yaml: welcome_back: names ['name']"),
        ("verdict:\n  could_also_be: It could be {cause.\n", "en-GB.yaml: verdict.could_also_be:"),
        ("welcome_back: ''\n", "en-GB.yaml: welcome_back: a phrase must be non-empty text"),
        ("- a list\n", "en-GB.yaml: the file must be a mapping of phrases"),
        ("welcome_back: [unclosed\n", "en-GB.yaml: not valid YAML"),
    ],
)
def test_a_broken_locale_file_is_named_with_its_phrase(phrases_dir: Path, text: str, problem: str) -> None:
    (phrases_dir / "en-GB.yaml").write_text(text)
    with pytest.raises(PhraseError) as raised:
        read_phrase_files(phrases_dir, TERMS)
    assert problem in str(raised.value)


def test_a_locale_file_may_name_a_term_the_base_phrase_does_not(phrases_dir: Path) -> None:
    (phrases_dir / "en-GB.yaml").write_text("welcome_back: Welcome back. {a_doctor} would agree.\n")
    assert read_phrase_files(phrases_dir, TERMS)["en-GB"]["welcome_back"].endswith("{a_doctor} would agree.")


def test_without_base_yaml_nothing_is_read(phrases_dir: Path) -> None:
    (phrases_dir / "base.yaml").unlink()
    with pytest.raises(PhraseError, match=r"base\.yaml is missing"):
        read_phrase_files(phrases_dir, TERMS)


def test_the_compiled_books_are_the_checked_files_and_are_read_first(
    phrases_dir: Path, tmp_path: Path
) -> None:
    target = compile_phrasebooks(phrases_dir, TERMS, phrases_dir)
    assert target.name == COMPILED_NAME
    for path in phrases_dir.glob("*.yaml"):
        path.unlink()  # the package ships no YAML: the compiled form alone must serve
    load_phrasebooks.cache_clear()
    assert load_phrasebooks(phrases_dir, TERMS) == read_phrase_files(PHRASES_DIR, TERMS)
    target.write_bytes(b"not a pickle")
    load_phrasebooks.cache_clear()
    with pytest.raises(PhraseError, match=COMPILED_NAME):
        load_phrasebooks(phrases_dir, TERMS)
