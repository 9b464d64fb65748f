"""The knowledge base in a locale's words: text overlays (data/text/<locale>.yaml) resolved en-GB, then en, then
the base text; they change words only, never a rule, and a broken overlay is named, never half-applied."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from skill.engine import Facts, assess
from skill.errors import KnowledgeError
from skill.knowledge import load_knowledge_base, read_knowledge_files
from skill.knowledge.loader import DATA_DIR, TEXT_DIR
from skill.knowledge.localize import locale_chain, localized, prose, served_locale, with_prose

__all__: list[str] = []

KB = load_knowledge_base()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target, ignore=shutil.ignore_patterns("*.pickle"))
    return target


def test_the_chain_goes_from_the_locale_to_its_language() -> None:
    assert locale_chain("en-GB") == ("en-GB", "en")
    assert locale_chain("en") == ("en",)


@pytest.mark.parametrize("locale", sorted(KB.locales))
def test_a_locales_knowledge_base_differs_from_the_base_in_words_only(locale: str) -> None:
    local = localized(KB, locale)
    assert with_prose(local, prose(KB)) == KB
    facts = Facts.build(
        KB, {"muscles": ("calf",), "workout": "run", "skipped_warmup": True, "calf_swelling": True}
    )
    base, there = assess(KB, facts), assess(local, facts)
    assert (there.triage, there.causes, [f.id for f in there.red_flags]) == (
        base.triage,
        base.causes,
        [f.id for f in base.red_flags],
    )


def test_every_overlay_says_something_the_base_does_not() -> None:
    base = prose(KB)
    for tag, overlay in KB.text_overlays.items():
        assert overlay, tag
        assert all(text != base[path] for path, text in overlay.items()), tag


def test_a_locale_the_skill_does_not_serve_reads_the_fallbacks_words() -> None:
    assert localized(KB, "fr-FR") is localized(KB, None) is localized(KB, "en-US")


def test_an_overlay_for_every_english_locale_reaches_each_unless_the_locale_says_it_otherwise(
    data_dir: Path,
) -> None:
    path = "causes.fatigue.name"
    (data_dir / TEXT_DIR / "en.yaml").write_text(f"{path}: worn-out muscles\n")
    kb = read_knowledge_files(data_dir)
    (data_dir / TEXT_DIR / "en-GB.yaml").write_text(
        (data_dir / TEXT_DIR / "en-GB.yaml").read_text() + f"{path}: knackered muscles\n"
    )
    kb_with_british = read_knowledge_files(data_dir)

    assert localized(kb, "en-US").causes["fatigue"].name == "worn-out muscles"
    assert localized(kb, "en-GB").causes["fatigue"].name == "worn-out muscles"
    assert localized(kb_with_british, "en-GB").causes["fatigue"].name == "knackered muscles"
    assert localized(kb_with_british, "en-AU").causes["fatigue"].name == "worn-out muscles"
    assert kb_with_british.causes["fatigue"].name == KB.causes["fatigue"].name  # the base is untouched


@pytest.mark.parametrize(
    ("file", "text", "problem"),
    [
        ("en-GB.yaml", "red_flags.no_such_flag.say: Hello.\n", "'red_flags.no_such_flag.say' is not a text"),
        (
            "en-GB.yaml",
            "safety_net: Ring {gp_surgery}.\n",
            "text/en-GB.yaml: safety_net: unknown term {gp_surgery}",
        ),
        ("en-NZ.yaml", "safety_net: See a GP.\n", "'en-NZ' is neither a locale in locales.yaml"),
        (
            "en-GB.yaml",
            "safety_net: [a, list]\n",
            "text/en-GB.yaml: safety_net: Input should be a valid string",
        ),
    ],
)
def test_a_broken_overlay_is_named(data_dir: Path, file: str, text: str, problem: str) -> None:
    (data_dir / TEXT_DIR / file).write_text(text)
    with pytest.raises(KnowledgeError) as raised:
        read_knowledge_files(data_dir)
    assert problem in str(raised.value)


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            '    emergency_number: "112"\n',
            "    a_doctor: a doctor\n",
            "locale 'en-IN' names no emergency_number",
        ),
        (
            "    a_doctor: a GP\n    your_doctor: your GP\n  en-AU",
            "    a_gp: a GP\n  en-AU",
            "'a_gp' is not a term",
        ),
        ("  a_doctor: a doctor\n", '  a_doctor: a doctor\n  emergency_number: "911"\n', "has no base word"),
    ],
)
def test_a_locale_without_its_number_or_with_an_unknown_term_is_named(
    data_dir: Path, old: str, new: str, problem: str
) -> None:
    path = data_dir / "locales.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(KnowledgeError) as raised:
        read_knowledge_files(data_dir)
    assert problem in str(raised.value)


@pytest.mark.parametrize("written", ["en-gb", "EN-GB", "en_GB", " en-GB "])
def test_a_locale_tag_is_read_whatever_its_case_or_separator(written: str) -> None:
    """RFC 5646 2.1.1: tags are case-insensitive; a British user written "en-gb" must still hear 999."""
    assert served_locale(KB, written) == "en-GB"
    assert localized(KB, written) is localized(KB, "en-GB")


@pytest.mark.parametrize(
    ("locale", "spelling"),
    [
        ("en-US", "cola-colored"),
        ("en-CA", "cola-coloured"),
        ("en-GB", "cola-coloured"),
        ("fr-FR", "cola-colored"),
    ],
)
def test_cards_spell_the_way_the_locale_does(locale: str, spelling: str) -> None:
    say = next(flag.say for flag in localized(KB, locale).red_flags if flag.id == "muscle_breakdown")
    assert spelling in say


def test_every_yaml_file_the_skill_reads_is_declared_package_data() -> None:
    """A wheel (pip install of the project) must carry the knowledge text overlays and the phrase books too."""
    import tomllib

    root = DATA_DIR.parents[2]
    declared = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    shipped = {
        path
        for package, patterns in declared.items()
        for pattern in patterns
        for path in (root / Path(*package.split("."))).glob(pattern)
    }
    assert {path for path in (root / "skill").rglob("*.yaml")} <= shipped
