"""The interaction model's grammar: how patterns expand, and what the generator refuses (conflicts, limits)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from skill.knowledge import KnowledgeBase, read_knowledge_files
from skill.local.generate import (
    LIMITS,
    GrammarError,
    Limits,
    expand,
    generated_model,
    load_grammar,
    write_model,
)

SOURCE = Path(__file__).resolve().parents[2] / "interaction_models" / "source" / "en-US.yaml"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return read_knowledge_files()


@pytest.mark.parametrize(
    ("pattern", "samples"),
    [
        ("what else", ["what else"]),
        ("(a|b) c", ["a c", "b c"]),
        ("x (a|b) (c|d)", ["x a c", "x a d", "x b c", "x b d"]),
        ("[the] {muscle}", ["the {muscle}", "{muscle}"]),
        ("why [does|do] it", ["why does it", "why do it", "why it"]),
        ("(a|) b", ["a b", "b"]),
        ("a [b [c]] d", ["a b c d", "a b d", "a d"]),
        ("(a (b|c)|d) e", ["a b e", "a c e", "d e"]),
        ("my {muscle} (is|are) twitching", ["my {muscle} is twitching", "my {muscle} are twitching"]),
        ("(a|a) [b|b]", ["a b", "a"]),
        ("  spaced   out  ", ["spaced out"]),
    ],
)
def test_alternatives_and_optional_words_expand_in_a_stable_order(pattern: str, samples: list[str]) -> None:
    assert expand(pattern) == samples


def test_a_shared_phrase_is_each_of_its_alternatives_and_may_use_others() -> None:
    phrases = {"yes": ["yes", "yeah"], "lead": ["<yes> [so]", "well"]}
    assert expand("<lead> {words}", phrases) == [
        "yes so {words}",
        "yes {words}",
        "yeah so {words}",
        "yeah {words}",
        "well {words}",
    ]


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("(a|b", "never closed"),
        ("a]", "unbalanced"),
        ("[a", "never closed"),
        ("<nowhere> {words}", "no shared phrase <nowhere>"),
        ("<loop>", "refers to itself"),
        ("[a]", "can expand to nothing"),
        ("a > b", "unexpected"),
    ],
)
def test_a_malformed_pattern_is_refused_with_the_pattern_named(pattern: str, problem: str) -> None:
    with pytest.raises(GrammarError, match=problem) as raised:
        expand(pattern, {"loop": ["x <loop>"]})
    assert repr(pattern) in str(raised.value)


def _grammar(**intents: Any) -> dict[str, Any]:
    return {"invocation": "muscle coach", "intents": intents}


def test_the_model_holds_the_expanded_samples_the_slots_and_the_lexicon(kb: KnowledgeBase) -> None:
    grammar = _grammar(
        ReportTwitchIntent={"slots": {"muscle": "MuscleType"}, "samples": ["my {muscle} (is|are) twitching"]},
        GoBackIntent={"samples": ["[wait] go back", "go back"]},
        **{"AMAZON.FallbackIntent": {}},
    )
    language = generated_model(grammar, kb)["interactionModel"]["languageModel"]
    assert language["invocationName"] == "muscle coach"
    assert language["intents"] == [
        {
            "name": "ReportTwitchIntent",
            "slots": [{"name": "muscle", "type": "MuscleType"}],
            "samples": ["my {muscle} is twitching", "my {muscle} are twitching"],
        },
        {"name": "GoBackIntent", "slots": [], "samples": ["wait go back", "go back"]},
        {"name": "AMAZON.FallbackIntent", "slots": [], "samples": []},
    ]
    assert [slot_type["name"] for slot_type in language["types"]] == list(kb.lexicon)


def test_slot_sets_are_shared_and_an_intent_adds_its_own(kb: KnowledgeBase) -> None:
    grammar = {
        **_grammar(
            AnswerIntent={"slot_sets": ["shared"], "slots": {"amount": "AmountType"}, "samples": ["{amount}"]}
        ),
        "slot_sets": {"shared": {"muscle": "MuscleType"}},
    }
    intent = generated_model(grammar, kb)["interactionModel"]["languageModel"]["intents"][0]
    assert intent["slots"] == [
        {"name": "muscle", "type": "MuscleType"},
        {"name": "amount", "type": "AmountType"},
    ]


def test_a_sample_in_two_intents_stops_the_generator(kb: KnowledgeBase) -> None:
    grammar = _grammar(
        WhyVerdictIntent={"samples": ["why [is that]"]},
        WhyQuestionIntent={"samples": ["why (is that|do you ask)"]},
    )
    with pytest.raises(
        GrammarError, match="sample 'why is that' is in both WhyVerdictIntent and WhyQuestionIntent"
    ):
        generated_model(grammar, kb)


@pytest.mark.parametrize(
    ("intent", "problem"),
    [
        ({"samples": ["my {elbow} hurts"]}, "undeclared slot {elbow}"),
        ({"samples": ["What Else"]}, "lower-case words"),
        ({"slots": {"words": "AMAZON.SearchQuery"}, "samples": ["[so] {words}"]}, "carrier phrase"),
        ({"samples": [True]}, "is not text"),
        ({"slot_sets": ["missing"], "samples": ["hi"]}, "no slot set 'missing'"),
    ],
)
def test_a_sample_breaking_a_rule_stops_the_generator(kb: KnowledgeBase, intent: Any, problem: str) -> None:
    with pytest.raises(GrammarError, match=problem):
        generated_model(_grammar(MoreAdviceIntent=intent), kb)


@pytest.mark.parametrize(
    ("limits", "problem"),
    [
        (Limits(samples_per_intent=3), "MoreAdviceIntent has 4 samples, over Amazon's limit of 3"),
        (Limits(characters_per_sample=8), "'what else' has 9 characters, over Amazon's limit of 8"),
        (Limits(intents=0), "1 intents, over Amazon's limit of 0"),
        (Limits(slot_values=10), "values, over Amazon's limit of 10"),
        (Limits(characters_per_slot_value=5), "characters, over Amazon's limit of 5"),
        (Limits(model_bytes=1_000), "bytes, over Amazon's limit of 1000"),
    ],
)
def test_each_limit_stops_the_generator_with_a_clear_message(
    kb: KnowledgeBase, limits: Limits, problem: str
) -> None:
    grammar = _grammar(MoreAdviceIntent={"samples": ["(what else|tell me more|more tips|any tips)"]})
    with pytest.raises(GrammarError, match=problem):
        generated_model(grammar, kb, limits)


def test_the_shipped_grammar_is_well_within_amazons_limits(kb: KnowledgeBase) -> None:
    language = generated_model(load_grammar(SOURCE), kb)["interactionModel"]["languageModel"]
    assert max(len(intent["samples"]) for intent in language["intents"]) <= LIMITS.samples_per_intent // 2
    assert sum(len(intent["samples"]) for intent in language["intents"]) >= 1_000


def test_the_grammar_is_far_shorter_than_the_model_it_generates() -> None:
    model = SOURCE.parent.parent / "en-US.json"
    assert len(SOURCE.read_text(encoding="utf-8")) * 4 < len(model.read_text(encoding="utf-8"))


def test_write_model_rewrites_only_when_something_changed(tmp_path: Path, kb: KnowledgeBase) -> None:
    source = tmp_path / "en-US.yaml"
    source.write_text(
        "invocation: muscle coach\nintents:\n  GoBackIntent:\n    samples: [go back]\n", encoding="utf-8"
    )
    target = tmp_path / "en-US.json"
    assert write_model(source, target, kb) is True
    assert write_model(source, target, kb) is False
    source.write_text(
        "invocation: muscle coach\nintents:\n  GoBackIntent:\n    samples: [go back, undo]\n",
        encoding="utf-8",
    )
    assert write_model(source, target, kb) is True
    assert '"undo"' in target.read_text(encoding="utf-8")


def test_an_unreadable_grammar_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(GrammarError, match="cannot read the grammar"):
        load_grammar(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(GrammarError, match="must be a mapping"):
        load_grammar(broken)
