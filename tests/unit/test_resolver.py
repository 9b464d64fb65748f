"""The local utterance resolver: typed text in, the intent and slots Alexa would send out."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skill.local.resolver import (
    FALLBACK_INTENT,
    InteractionModelError,
    Resolution,
    SlotValue,
    UtteranceResolver,
    normalise_utterance,
    parse_date,
    parse_duration,
    parse_number,
)

MODEL_PATH = Path(__file__).resolve().parents[2] / "interaction_models" / "en-US.json"
TODAY = date(2025, 6, 18)  # a Wednesday


@pytest.fixture(scope="module")
def resolver() -> UtteranceResolver:
    return UtteranceResolver.from_model_file(MODEL_PATH, today=lambda: TODAY)


def ids(resolution: Resolution) -> dict[str, str | None]:
    """Each filled slot as the handlers read it: the resolved id, or the value of a built-in type."""
    return {name: slot.resolved_id if slot.status else slot.value for name, slot in resolution.slots.items()}


@pytest.mark.parametrize(
    ("said", "intent", "slots"),
    [
        ("my calves are twitching after my run", "ReportTwitchIntent", {"muscle": "calf", "workout": "run"}),
        (
            "my arms are twitching and swollen and my pee is cola coloured",
            "ReportTwitchIntent",
            {"muscle": "arm", "symptom": "swelling", "symptom_two": "cola_urine"},
        ),
        (
            "I have cola-coloured urine and swollen arms.",
            "ReportTwitchIntent",
            {"symptom": "cola_urine", "symptom_two": "swelling"},
        ),
        (
            "my calves are twitching after a two hour run in the heat",
            "ReportTwitchIntent",
            {"muscle": "calf", "duration": "PT2H", "workout": "run", "condition": "hot"},
        ),
        (
            "why is my eyelid twitching after the gym",
            "ReportTwitchIntent",
            {"muscle": "eyelid", "workout": "weights"},
        ),
        (
            "I got a charley horse playing tennis",
            "ReportTwitchIntent",
            {"muscle": "calf", "workout": "racket"},
        ),
        (
            "my arms are swollen and my urine is cola coloured",
            "ReportTwitchIntent",
            {"muscle": "arm", "symptom": "swelling", "symptom_two": "cola_urine"},
        ),
        (
            "my legs are weak and I can't stand up",
            "ReportTwitchIntent",
            {"muscle": "legs", "symptom": "weakness", "symptom_two": "weakness"},
        ),
        (
            "my calves feel numb after my run",
            "ReportTwitchIntent",
            {"muscle": "calf", "symptom": "numbness", "workout": "run"},
        ),
        (
            "my eyelid is twitching and I had four cups of coffee",
            "ReportTwitchIntent",
            {"muscle": "eyelid", "count": "4", "caffeine": "coffee"},
        ),
        ("my muscles are twitching", "ReportTwitchIntent", {}),
        ("why my calves are twitching", "ReportTwitchIntent", {"muscle": "calf"}),
        (
            "my calf keeps twitching and I barely drank",
            "ReportTwitchIntent",
            {"muscle": "calf", "hydration": "little"},
        ),
        (
            "I had two cups of coffee and now my calves are twitching",
            "ReportTwitchIntent",
            {"count": "2", "caffeine": "coffee", "muscle": "calf"},
        ),
        (
            "my quads have been twitching for six weeks",
            "ReportTwitchIntent",
            {"muscle": "thigh", "since": "P6W"},
        ),
        ("about an hour", "AnswerIntent", {"duration": "PT1H"}),
        ("two cups of coffee", "AnswerIntent", {"count": "2", "caffeine": "coffee"}),
        ("a scoop of pre-workout", "AnswerIntent", {"caffeine": "pre_workout"}),
        ("barely anything", "AnswerIntent", {"amount": "little"}),
        ("since yesterday", "AnswerIntent", {"since_date": "2025-06-17"}),
        ("six weeks", "AnswerIntent", {"duration": "P6W"}),
        ("it's been six weeks", "AnswerIntent", {"since": "P6W"}),
        ("it was really humid", "AnswerIntent", {"condition": "hot"}),
        ("I skipped breakfast", "AnswerIntent", {"fuel": "fasted"}),
        ("actually I did warm up", "AnswerIntent", {"warmup": "did"}),
        ("just my left calf", "AnswerIntent", {"muscle": "calf"}),
        ("I feel a bit dizzy", "AnswerIntent", {"symptom": "dizzy"}),
        ("I'm dizzy and I have a headache", "AnswerIntent", {"symptom": "dizzy", "symptom_two": "headache"}),
        ("leg day", "AnswerIntent", {"workout": "leg_day"}),
        ("I think it was about an hour", "AnswerIntent", {"duration": "PT1H"}),
        ("what do you mean", "AMAZON.HelpIntent", {}),
        ("nothing", "AnswerIntent", {"amount": "none"}),
        ("yeah I did", "AMAZON.YesIntent", {}),
        ("Yes!", "AMAZON.YesIntent", {}),
        ("yeah I do", "AMAZON.YesIntent", {}),
        ("yes there is", "AMAZON.YesIntent", {}),
        ("nope", "AMAZON.NoIntent", {}),
        ("probably not", "AMAZON.NoIntent", {}),
        ("no there isn't", "AMAZON.NoIntent", {}),
        ("nope, not at all", "AMAZON.NoIntent", {}),
        ("I skipped it", "AMAZON.NoIntent", {}),
        ("I don't know", "DontKnowIntent", {}),
        ("dont know", "DontKnowIntent", {}),
        ("not sure", "DontKnowIntent", {}),
        ("why do you think that?", "WhyVerdictIntent", {}),
        ("why are you asking", "WhyQuestionIntent", {}),
        ("tell me more", "MoreAdviceIntent", {}),
        ("forget my history", "ForgetHistoryIntent", {}),
        ("what did you tell me last time", "LastTimeIntent", {}),
        ("help", "AMAZON.HelpIntent", {}),
        ("stop", "AMAZON.StopIntent", {}),
        ("cancel", "AMAZON.CancelIntent", {}),
        ("never mind", "AMAZON.CancelIntent", {}),
        ("repeat", "AMAZON.RepeatIntent", {}),
        ("say that again", "AMAZON.RepeatIntent", {}),
        ("start over", "AMAZON.StartOverIntent", {}),
        ("go home", "AMAZON.NavigateHomeIntent", {}),
        ("what's the weather like", FALLBACK_INTENT, {}),
        ("order me a pizza", FALLBACK_INTENT, {}),
        ("", FALLBACK_INTENT, {}),
        ("?!", FALLBACK_INTENT, {}),
    ],
)
def test_what_people_say_resolves_as_alexa_would_send_it(
    resolver: UtteranceResolver, said: str, intent: str, slots: dict[str, str]
) -> None:
    resolution = resolver.resolve(said)
    assert (resolution.intent, ids(resolution)) == (intent, slots)


def test_a_custom_slot_carries_the_spoken_words_and_the_canonical_value(resolver: UtteranceResolver) -> None:
    resolution = resolver.resolve("my calves are twitching after my run")
    assert resolution.slots["muscle"] == SlotValue(
        "calves", resolved_id="calf", resolved_name="calf", status="ER_SUCCESS_MATCH"
    )


def test_built_in_types_carry_the_normalised_value_and_no_resolution(resolver: UtteranceResolver) -> None:
    resolution = resolver.resolve("two cups of coffee")
    assert resolution.slots["count"] == SlotValue("2")


def test_an_unknown_phrase_in_a_custom_slot_resolves_with_no_match(resolver: UtteranceResolver) -> None:
    resolution = resolver.resolve("my elbow is twitching")
    assert resolution.intent == "ReportTwitchIntent"
    assert resolution.slots == {"muscle": SlotValue("elbow", status="ER_SUCCESS_NO_MATCH")}


def test_known_values_win_over_unknown_phrases(resolver: UtteranceResolver) -> None:
    # "a {caffeine}" could take "lot" as an unknown drink; the amount "a lot" is a known value.
    assert ids(resolver.resolve("a lot")) == {"amount": "lots"}
    # "after {workout}" could take "my run"; "after my {workout}" has more literal words and a known value.
    assert ids(resolver.resolve("my calves are twitching after my run"))["workout"] == "run"
    # "i had a {caffeine}" has more literal words, but "banana" is no drink; "had a banana" is a known food.
    assert ids(resolver.resolve("i had a banana")) == {"fuel": "ate"}


def test_case_punctuation_a_leading_alexa_and_please_are_ignored(resolver: UtteranceResolver) -> None:
    plain = resolver.resolve("my calves are twitching after my run")
    assert resolver.resolve("Alexa, my CALVES are twitching after my run... please!") == plain
    assert resolver.resolve("  Please   my calves are twitching, after my run  ") == plain
    assert normalise_utterance("Alexa, what\u2019s my history?") == "what's my history"


@pytest.mark.parametrize(
    ("spoken", "number"),
    [
        ("two", "2"),
        ("twenty five", "25"),
        ("twenty-five", "25"),
        ("25", "25"),
        ("zero", "0"),
        ("a hundred", "100"),
        ("one hundred and twenty", "120"),
        ("two thousand and five", "2005"),
        ("twenty twenty", None),
        ("a", None),
        ("lots", None),
    ],
)
def test_numbers_are_sent_as_digits(spoken: str, number: str | None) -> None:
    assert parse_number(spoken) == number


@pytest.mark.parametrize(
    ("spoken", "iso"),
    [
        ("two hours", "PT2H"),
        ("two hour", "PT2H"),
        ("about an hour", "PT1H"),
        ("half an hour", "PT30M"),
        ("an hour and a half", "PT1H30M"),
        ("one and a half hours", "PT1H30M"),
        ("two hours and thirty minutes", "PT2H30M"),
        ("ninety minutes", "PT90M"),
        ("45 minutes", "PT45M"),
        ("six weeks", "P6W"),
        ("three days", "P3D"),
        ("a day and a half", "P1DT12H"),
        ("a month", "P1M"),
        ("a couple of years", "P2Y"),
        ("a fortnight", "P2W"),
        ("just over an hour", "PT1H"),
        ("hours", None),
        ("two", None),
        ("a while", None),
    ],
)
def test_durations_are_sent_as_iso_8601_the_way_alexa_does(spoken: str, iso: str | None) -> None:
    assert parse_duration(spoken) == iso


@pytest.mark.parametrize(
    ("spoken", "value"),
    [
        ("today", "2025-06-18"),
        ("yesterday", "2025-06-17"),
        ("the day before yesterday", "2025-06-16"),
        ("last night", "2025-06-17"),
        ("monday", "2025-06-16"),
        ("last wednesday", "2025-06-11"),
        ("three days ago", "2025-06-15"),
        ("two weeks ago", "2025-06-04"),
        ("a month ago", "2025-05-18"),
        ("last week", "2025-W24"),
        ("this week", "2025-W25"),
        ("last weekend", "2025-W24-WE"),
        ("last month", "2025-05"),
        ("last year", "2024"),
        ("whenever", None),
    ],
)
def test_dates_are_relative_to_the_injected_today(spoken: str, value: str | None) -> None:
    assert parse_date(spoken, TODAY) == value


def test_the_resolver_asks_for_today_at_each_resolution() -> None:
    days = iter([date(2025, 1, 2), date(2025, 3, 1)])
    resolver = UtteranceResolver.from_model_file(MODEL_PATH, today=lambda: next(days))
    assert resolver.resolve("since yesterday").slots["since_date"].value == "2025-01-01"
    assert resolver.resolve("since yesterday").slots["since_date"].value == "2025-02-28"


TINY_MODEL: dict[str, Any] = {
    "interactionModel": {
        "languageModel": {
            "invocationName": "tiny shop",
            "intents": [
                {
                    "name": "OrderIntent",
                    "slots": [
                        {"name": "count", "type": "AMAZON.NUMBER"},
                        {"name": "item", "type": "ItemType"},
                    ],
                    "samples": ["i want {count} {item}", "{item} please"],
                },
                {"name": "AMAZON.StopIntent", "samples": []},
            ],
            "types": [
                {
                    "name": "ItemType",
                    "values": [{"id": "tea", "name": {"value": "tea", "synonyms": ["cuppa"]}}],
                }
            ],
        }
    }
}


def test_any_model_can_be_resolved_from_a_dict() -> None:
    resolver = UtteranceResolver.from_model(TINY_MODEL)
    assert ids(resolver.resolve("I want three cuppa")) == {"count": "3", "item": "tea"}
    assert resolver.resolve("i want three scones").slots["item"].status == "ER_SUCCESS_NO_MATCH"
    assert resolver.resolve("stop").intent == "AMAZON.StopIntent"


def test_built_in_intents_the_model_leaves_out_are_never_produced() -> None:
    resolver = UtteranceResolver.from_model(TINY_MODEL)
    assert resolver.resolve("yes").intent == FALLBACK_INTENT
    assert resolver.resolve("help").intent == FALLBACK_INTENT


def test_a_sample_with_only_slots_never_captures_unknown_words() -> None:
    # "{item} please" has no literal word once "please" is ignored, so it takes known values only.
    resolver = UtteranceResolver.from_model(TINY_MODEL)
    assert resolver.resolve("scones").intent == FALLBACK_INTENT
    assert ids(resolver.resolve("cuppa")) == {"item": "tea"}


def test_a_sample_naming_an_undeclared_slot_is_refused() -> None:
    broken = {
        "interactionModel": {
            "languageModel": {
                "invocationName": "tiny shop",
                "intents": [{"name": "OrderIntent", "samples": ["i want {item}"]}],
            }
        }
    }
    with pytest.raises(InteractionModelError, match="undeclared slot"):
        UtteranceResolver.from_model(broken)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz '-,.?!0123456789"), max_size=60))
def test_any_text_resolves_to_a_model_intent_with_declared_slots(text: str) -> None:
    resolver = _shared_resolver()
    resolution = resolver.resolve(text)
    intent = resolver.model.intent(resolution.intent)
    assert intent is not None
    declared = {slot.name for slot in intent.slots}
    assert set(resolution.slots) <= declared


_CACHE: dict[str, UtteranceResolver] = {}


def _shared_resolver() -> UtteranceResolver:
    if "en-US" not in _CACHE:
        _CACHE["en-US"] = UtteranceResolver.from_model_file(MODEL_PATH, today=lambda: TODAY)
    return _CACHE["en-US"]
