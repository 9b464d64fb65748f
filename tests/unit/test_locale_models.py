"""Every English locale's interaction model: generated from the en-US grammar and its overlay, never stale, sound
as ASK requires, agreeing with the handlers, and hearing its own locale's words and no other's."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from skill.knowledge import KnowledgeBase, read_knowledge_files
from skill.local.generate import (
    GrammarError,
    generated_model,
    load_grammar,
    locale_grammar,
    locale_sources,
    model_json,
)
from skill.local.resolver import InteractionModel, UtteranceResolver, load_interaction_model, model_problems
from skill.local.validate import validate_models

MODELS = Path(__file__).resolve().parents[2] / "interaction_models"
SOURCES = MODELS / "source"
LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")
NEW_LOCALES = LOCALES[1:]

# One value each locale's model hears that no other locale's model does (slot type, phrase, value id).
OWN_WORDS = {
    "en-GB": ("SymptomType", "a and e", "named_emergency"),
    "en-CA": ("CaffeineType", "double double", "coffee"),
    "en-AU": ("SymptomType", "triple zero", "named_emergency"),
    "en-IN": ("CaffeineType", "cutting chai", "tea"),
}

# Everyday words of each locale, said to its model: the intent and the slot ids they must reach.
SAID = {
    "en-GB": [
        ("my calves are twitching after footy and my wee is dark brown", "ReportTwitchIntent",
         {"muscle": "calf", "workout": "team_sport", "symptom": "cola_urine"}),
        ("i had two fizzy drinks and now my calves are twitching", "ReportTwitchIntent",
         {"count": "2", "caffeine": "cola", "muscle": "calf"}),
        ("half a litre", "AnswerIntent", {"hydration": "plenty"}),
        ("a couple of litres", "AnswerIntent", {"hydration": "plenty"}),
        ("i had a biscuit", "AnswerIntent", {"fuel": "ate"}),
        ("should i see my gp", "SeeDoctorIntent", {}),
        ("should i go to a and e", "SeeDoctorIntent", {}),
        ("my hamstrings are twitching after cricket", "ReportTwitchIntent",
         {"muscle": "hamstring", "workout": "team_sport"}),
        ("it was nippy", "AnswerIntent", {"condition": "cool"}),
        ("dunno mate", "DontKnowIntent", {}),
    ],
    "en-CA": [
        ("my thighs are twitching after hockey and my pee is dark brown", "ReportTwitchIntent",
         {"muscle": "thigh", "workout": "team_sport", "symptom": "cola_urine"}),
        ("i had two double doubles and now my calves are twitching", "ReportTwitchIntent",
         {"count": "2", "caffeine": "coffee", "muscle": "calf"}),
        ("about two litres", "AnswerIntent", {"hydration": "plenty"}),
        ("i had a pop", "AnswerIntent", {"caffeine": "cola"}),
        ("should i go to emerg", "SeeDoctorIntent", {}),
    ],
    "en-AU": [
        ("my calves are twitching after footy and my wee is dark brown", "ReportTwitchIntent",
         {"muscle": "calf", "workout": "team_sport", "symptom": "cola_urine"}),
        ("my quads are twitching after aussie rules", "ReportTwitchIntent",
         {"muscle": "thigh", "workout": "team_sport"}),
        ("i had two long blacks", "AnswerIntent", {"count": "2", "caffeine": "coffee"}),
        ("it was stinking hot", "AnswerIntent", {"condition": "hot"}),
        ("skipped brekkie", "AnswerIntent", {"fuel": "fasted"}),
        ("should i see my gp", "SeeDoctorIntent", {}),
        ("yeah nah", "AMAZON.NoIntent", {}),
        ("nah yeah", "AMAZON.YesIntent", {}),
    ],
    "en-IN": [
        ("my calves are paining and twitching after cricket", "ReportTwitchIntent",
         {"muscle": "calf", "workout": "team_sport"}),
        ("my calves are twitching after cricket and my urine is dark brown", "ReportTwitchIntent",
         {"muscle": "calf", "workout": "team_sport", "symptom": "cola_urine"}),
        ("i had two cutting chai", "AnswerIntent", {"count": "2", "caffeine": "tea"}),
        ("i had roti", "AnswerIntent", {"fuel": "ate"}),
        ("i was on a fast", "AnswerIntent", {"fuel": "fasted"}),
        ("na", "AMAZON.NoIntent", {}),
        ("it was forty degrees", "AnswerIntent", {"condition": "hot"}),
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return read_knowledge_files()


def _model(locale: str) -> InteractionModel:
    return load_interaction_model(MODELS / f"{locale}.json")


def _phrases(model: InteractionModel) -> dict[str, dict[str, str]]:
    """slot type -> every phrase it hears -> its value id."""
    return {
        slot_type.name: {
            phrase: value.id or ""
            for value in slot_type.values
            for phrase in (value.name.value, *value.name.synonyms)
        }
        for slot_type in model.types
    }


def test_every_locale_the_skill_speaks_to_has_a_grammar_and_a_model(kb: KnowledgeBase) -> None:
    assert tuple(locale_sources(SOURCES)) == ("en-US", "en-AU", "en-CA", "en-GB", "en-IN")
    assert set(kb.locales) == set(LOCALES)
    assert {path.stem for path in MODELS.glob("*.json")} == set(LOCALES)


@pytest.mark.parametrize("locale", LOCALES)
def test_each_model_is_generated_from_its_grammar_and_the_lexicon(kb: KnowledgeBase, locale: str) -> None:
    """interaction_models/<locale>.json is its grammar (with what it extends) and the lexicon: run `make model`."""
    expected = model_json(generated_model(locale_grammar(SOURCES, locale), kb, locale=locale))
    assert (MODELS / f"{locale}.json").read_text(encoding="utf-8") == expected, (
        f"interaction_models/{locale}.json is stale or was edited by hand: run `make model`"
    )


def test_the_en_us_model_is_its_own_grammar_alone(kb: KnowledgeBase) -> None:
    """No overlay and no locale word reaches en-US: its model is exactly what its grammar gave before."""
    alone = model_json(generated_model(load_grammar(SOURCES / "en-US.yaml"), kb))
    assert (MODELS / "en-US.json").read_text(encoding="utf-8") == alone
    assert "en-US" not in kb.locale_words


@pytest.mark.parametrize("locale", LOCALES)
def test_each_model_is_sound_and_agrees_with_the_handlers_and_knowledge(locale: str) -> None:
    model = _model(locale)
    assert model.invocation_name == "muscle coach"
    assert model_problems(model) == []


def test_validate_checks_every_shipped_model() -> None:
    assert validate_models(MODELS) == []


@pytest.mark.parametrize("locale", NEW_LOCALES)
def test_each_locale_hears_everything_en_us_hears_and_more(locale: str) -> None:
    us, mine = _model("en-US"), _model(locale)
    for intent in us.intents:
        theirs = mine.intent(intent.name)
        assert theirs is not None, intent.name
        assert set(intent.samples) <= set(theirs.samples), intent.name
        assert intent.slots == theirs.slots, intent.name
    us_phrases, my_phrases = _phrases(us), _phrases(mine)
    for type_name, phrases in us_phrases.items():
        assert phrases.items() <= my_phrases[type_name].items(), type_name
    assert sum(map(len, my_phrases.values())) > sum(map(len, us_phrases.values()))


@pytest.mark.parametrize("locale", NEW_LOCALES)
def test_each_locale_hears_its_own_words_and_no_other_locales(locale: str) -> None:
    for other, (type_name, phrase, value_id) in OWN_WORDS.items():
        heard = _phrases(_model(locale))[type_name].get(phrase)
        assert heard == (value_id if other == locale else None), (other, phrase)
    assert all(phrase not in _phrases(_model("en-US"))[t] for t, phrase, _ in OWN_WORDS.values())


@pytest.mark.parametrize("locale", NEW_LOCALES)
def test_litres_are_heard_outside_the_us(locale: str) -> None:
    hydration = _phrases(_model(locale))["HydrationType"]
    assert hydration["half a litre"] == "plenty"
    assert hydration["a couple of litres"] == "plenty"
    assert hydration["four litres"] == "lots"  # never told to drink more after that much
    assert "half a litre" not in _phrases(_model("en-US"))["HydrationType"]


@pytest.mark.parametrize(
    ("locale", "text", "intent", "slots"),
    [(locale, text, intent, slots) for locale, cases in SAID.items() for text, intent, slots in cases],
)
def test_a_locales_everyday_words_reach_the_intent_and_slots(
    locale: str, text: str, intent: str, slots: dict[str, str]
) -> None:
    resolution = UtteranceResolver(_model(locale)).resolve(text)
    got = {name: slot.resolved_id or slot.value for name, slot in resolution.slots.items()}
    assert (resolution.intent, got) == (intent, slots)


@pytest.mark.parametrize("locale", NEW_LOCALES)
def test_every_sample_a_locale_adds_resolves_to_its_own_intent(locale: str) -> None:
    """The overlay's samples, said with a plain word in each slot, reach the intent they were written for."""
    us, mine = _model("en-US"), _model(locale)
    resolver = UtteranceResolver(mine)
    spoken = {
        "muscle": "calves", "workout": "cricket" if locale != "en-CA" else "hockey", "symptom": "dizzy",
        "hydration": "half a litre", "count": "two", "caffeine": "coffee",
    }  # fmt: skip
    wrong = []
    for intent in mine.intents:
        base = us.intent(intent.name)
        for sample in set(intent.samples) - set(base.samples if base else ()):
            text = re.sub(r"\{(\w+)\}", lambda ref: spoken.get(ref.group(1), "odd things"), sample)
            got = resolver.resolve(text).intent
            if got != intent.name:
                wrong.append(f"{sample!r} -> {got}")
    assert wrong == []


def _write(path: Path, data: dict[str, Any]) -> None:
    import yaml

    path.write_text(yaml.safe_dump(data), encoding="utf-8")


def test_an_overlay_adds_phrases_samples_and_slots_to_what_it_extends(tmp_path: Path) -> None:
    _write(
        tmp_path / "en-US.yaml",
        {
            "invocation": "muscle coach",
            "phrases": {"pee": ["pee"]},
            "intents": {"ReportTwitchIntent": {"samples": ["my <pee> is dark"]}, "AMAZON.StopIntent": None},
        },
    )
    _write(tmp_path / "_shared.yaml", {"intents": {"AMAZON.StopIntent": {"samples": ["cheers"]}}})
    _write(
        tmp_path / "en-GB.yaml",
        {
            "extends": ["en-US", "_shared"],
            "phrases": {"pee": ["wee"]},
            "intents": {
                "ReportTwitchIntent": {"samples": ["my {muscle} aches"], "slots": {"muscle": "MuscleType"}}
            },
        },
    )
    grammar = locale_grammar(tmp_path, "en-GB")
    assert grammar["invocation"] == "muscle coach"
    assert grammar["phrases"] == {"pee": ["pee", "wee"]}
    assert grammar["intents"]["ReportTwitchIntent"] == {
        "samples": ["my <pee> is dark", "my {muscle} aches"],
        "slots": {"muscle": "MuscleType"},
    }
    assert grammar["intents"]["AMAZON.StopIntent"] == {"samples": ["cheers"]}
    assert tuple(locale_sources(tmp_path)) == ("en-US", "en-GB")


@pytest.mark.parametrize(
    ("files", "problem"),
    [
        ({"en-GB": {"extends": ["en-GB"]}}, "extends itself"),
        ({"en-GB": {"extends": ["en-US"], "types": []}}, "unknown keys 'types'"),
        ({"en-GB": {"extends": ["en-AU"]}}, "cannot read the grammar"),
    ],
)
def test_a_broken_overlay_is_refused_with_a_clear_error(
    tmp_path: Path, files: dict[str, dict[str, Any]], problem: str
) -> None:
    _write(tmp_path / "en-US.yaml", {"invocation": "muscle coach"})
    for name, data in files.items():
        _write(tmp_path / f"{name}.yaml", data)
    with pytest.raises(GrammarError, match=problem):
        locale_grammar(tmp_path, "en-GB")


def test_a_sample_an_overlay_puts_in_a_second_intent_stops_the_generator(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    _write(
        tmp_path / "en-GB.yaml",
        {"extends": ["en-US"], "intents": {"AMAZON.StopIntent": {"samples": ["why"]}}},
    )
    (tmp_path / "en-US.yaml").write_text(
        (SOURCES / "en-US.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    with pytest.raises(GrammarError, match="sample 'why' is in both"):
        generated_model(locale_grammar(tmp_path, "en-GB"), kb, locale="en-GB")


def test_a_model_for_a_locale_without_an_emergency_number_is_named(tmp_path: Path) -> None:
    raw = json.loads((MODELS / "en-US.json").read_text(encoding="utf-8"))
    (tmp_path / "en-NZ.json").write_text(json.dumps(raw), encoding="utf-8")
    problems = validate_models(tmp_path)
    assert problems == [
        "en-NZ.json: 'en-NZ' is not a locale in locales.yaml, so no emergency number would be named"
    ]
    assert "no interaction model" in validate_models(tmp_path / "empty")[0]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (
            {"locales": ["en-NZ"], "slot_types": {"MuscleType": {"calf": ["calfy"]}}},
            "'en-NZ' is not in locales.yaml",
        ),
        ({"locales": ["en-GB"], "slot_types": {"ElbowType": {"calf": ["x"]}}}, "no slot type 'ElbowType'"),
        ({"locales": ["en-GB"], "slot_types": {"MuscleType": {"elbow": ["x"]}}}, "no value 'elbow'"),
        (
            {"locales": ["en-GB"], "slot_types": {"MuscleType": {"thigh": ["calves"]}}},
            "'calves' is already a word",
        ),
    ],
)
def test_locale_words_must_add_new_words_to_known_values_for_served_locales(
    tmp_path: Path, entry: dict[str, Any], problem: str
) -> None:
    import shutil

    import yaml

    from skill.errors import KnowledgeError
    from skill.knowledge.loader import DATA_DIR

    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data, ignore=shutil.ignore_patterns("*.pickle"))
    lexicon = yaml.safe_load((data / "lexicon.yaml").read_text(encoding="utf-8"))
    lexicon["locale_words"] = [entry]
    (data / "lexicon.yaml").write_text(yaml.safe_dump(lexicon), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=re.escape(problem)):
        read_knowledge_files(data)
