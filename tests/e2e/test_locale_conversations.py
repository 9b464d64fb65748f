"""One whole conversation per English locale, spoken to the served skill through virtual-alexa with that locale's
interaction model and requests in that locale: each is understood as the chat resolver understands it, and ends
with the locale's own emergency number, never another's."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from node_driver import DriverError, run_driver

from skill.knowledge import load_knowledge_base
from skill.local.meaning import SlotValue, meaning_of
from skill.local.resolver import UtteranceResolver, load_interaction_model

REPO = Path(__file__).resolve().parents[2]
DRIVER = REPO / "tests" / "e2e" / "driver.js"
MODELS = REPO / "interaction_models"
DRIVER_TIMEOUT_S = 60.0
KB = load_knowledge_base()
_TAG = re.compile(r"<[^>]+>")
_SAID_NUMBERS = re.compile(r"\b(911|999|112|000)\b|triple zero", re.IGNORECASE)

NUMBERS = {"en-US": "911", "en-CA": "911", "en-GB": "999", "en-AU": "triple zero", "en-IN": "112"}

# Each locale's everyday words: the opening, the safety screen, an answer, then a sign that makes it urgent.
CONVERSATIONS: Mapping[str, Sequence[str]] = {
    "en-US": (
        "open muscle coach",
        "my calves are twitching after soccer",
        "no",
        "i skipped my warm up",
        "my pee is dark brown",
    ),
    "en-GB": (
        "open muscle coach",
        "my calves are twitching after five a side",
        "no",
        "i skipped my warm up",
        "my calves are twitching after footy and my wee is dark brown",
    ),
    "en-CA": (
        "open muscle coach",
        "my thighs are twitching after hockey",
        "nope",
        "i skipped my warm up",
        "my pee is dark brown",
    ),
    "en-AU": (
        "open muscle coach",
        "my quads are twitching after aussie rules",
        "nah",
        "i skipped my warm up",
        "my calves are twitching after footy and my wee is dark brown",
    ),
    "en-IN": (
        "open muscle coach",
        "my calves are paining and twitching after cricket",
        "no",
        "i skipped my warm up",
        "my calves are twitching after cricket and my urine is dark brown",
    ),
}


def _drive(node: str, url: str, locale: str, utterances: Sequence[str]) -> list[dict[str, Any]]:
    script = {
        "url": url,
        "model": str(MODELS / f"{locale}.json"),
        "locale": locale,
        "conversations": [list(utterances)],
    }
    try:
        turns: list[dict[str, Any]] = run_driver(node, DRIVER, script, DRIVER_TIMEOUT_S)["conversations"][0][
            "turns"
        ]
    except DriverError as exc:
        pytest.fail(str(exc))
    return turns


def _speech(turn: Mapping[str, Any]) -> str:
    return " ".join(_TAG.sub(" ", turn.get("ssml") or "").split())


def _numbers_said(text: str) -> set[str]:
    return {(match.group(1) or "triple zero").lower() for match in _SAID_NUMBERS.finditer(text)}


@pytest.fixture(scope="module")
def transcripts(node_binary: str, served_skill_url: str) -> dict[str, list[dict[str, Any]]]:
    return {
        locale: _drive(node_binary, served_skill_url, locale, utterances)
        for locale, utterances in CONVERSATIONS.items()
    }


@pytest.mark.parametrize("locale", sorted(CONVERSATIONS))
def test_a_conversation_in_a_locales_words_ends_with_its_own_emergency_number(
    transcripts: Mapping[str, list[dict[str, Any]]], locale: str
) -> None:
    turns = transcripts[locale]
    told = [(t["utterance"], t.get("intent"), _speech(t)) for t in turns]
    assert [t.get("error") for t in turns if t.get("error")] == [], told
    assert [t["utterance"] for t in turns] == list(CONVERSATIONS[locale]), told
    assert all(t["locale"] == locale for t in turns), told
    last = turns[-1]
    assessment = (last.get("sessionAttributes") or {}).get("assessment")
    assert assessment is not None and assessment["triage"] == "urgent", told
    assert last["shouldEndSession"] is True, told
    said = set().union(*(_numbers_said(_speech(t)) for t in turns))
    assert said == {NUMBERS[locale]}, told
    # the disclaimer every new user hears names the locale's doctor (medical-facts: en-GB and en-AU "your GP")
    doctor = "call your GP" if locale in ("en-GB", "en-AU") else "call your doctor"
    assert any(doctor in _speech(t) for t in turns), told


@pytest.mark.parametrize("locale", sorted(CONVERSATIONS))
def test_virtual_alexa_and_the_chat_resolver_understand_a_locales_words_alike(
    transcripts: Mapping[str, list[dict[str, Any]]], locale: str
) -> None:
    path = MODELS / f"{locale}.json"
    model = load_interaction_model(path)
    resolver = UtteranceResolver(model)
    disagreements = []
    for turn in transcripts[locale]:
        if turn.get("requestType") != "IntentRequest":
            continue
        intent = model.intent(turn["intent"])
        declared = {slot.name: slot.type for slot in (intent.slots if intent else ())}
        sent = meaning_of(
            KB,
            turn["intent"],
            {
                name: SlotValue(
                    value.get("id") if not declared.get(name, "").startswith("AMAZON.") else value["value"],
                    value["value"],
                )
                for name, value in (turn.get("slots") or {}).items()
            },
        )
        resolution = resolver.resolve(turn["utterance"])
        resolved = meaning_of(
            KB,
            resolution.intent,
            {
                name: SlotValue(slot.resolved_id if slot.status is not None else slot.value, slot.value)
                for name, slot in resolution.slots.items()
            },
        )
        if resolved != sent:
            disagreements.append((turn["utterance"], sent, resolved))
    assert disagreements == []


# An urgent sign said in a locale's own words in the middle of the interview (from people trying the skill:
# "breathlessness" is the everyday Indian and NHS word; "been sick" is British for vomiting, "spewed" Australian).
URGENT_IN_LOCAL_WORDS: Mapping[str, Sequence[str]] = {
    "en-US": (
        "open muscle coach",
        "my calves are twitching after my run",
        "no",
        "i had a blackout for a few seconds",
    ),
    "en-CA": (
        "open muscle coach",
        "my thighs are twitching after hockey",
        "nope",
        "i have difficulty in breathing",
    ),
    "en-GB": (
        "open muscle coach",
        "my calves are twitching after five a side in the heat",
        "i've been sick twice",
    ),
    "en-AU": ("open muscle coach", "my calves are twitching after footy and it was stinking hot", "i spewed"),
    "en-IN": (
        "open muscle coach",
        "my calves are twitching after cricket",
        "no",
        "i am having breathlessness",
    ),
}


@pytest.mark.parametrize("locale", sorted(URGENT_IN_LOCAL_WORDS))
def test_an_urgent_sign_in_a_locales_own_words_mid_interview_is_acted_on(
    node_binary: str, served_skill_url: str, locale: str
) -> None:
    turns = _drive(node_binary, served_skill_url, locale, URGENT_IN_LOCAL_WORDS[locale])
    told = [(t["utterance"], t.get("intent"), _speech(t)) for t in turns]
    last = turns[-1]
    assessment = (last.get("sessionAttributes") or {}).get("assessment")
    assert assessment is not None and assessment["triage"] == "urgent", told
    assert _numbers_said(_speech(last)) == {NUMBERS[locale]}, told


def test_yeah_nah_is_no_and_nah_yeah_is_yes_in_australia(node_binary: str, served_skill_url: str) -> None:
    turns = _drive(
        node_binary,
        served_skill_url,
        "en-AU",
        ("open muscle coach", "my calves are twitching after footy", "nah yeah", "yeah nah"),
    )
    told = [(t["utterance"], t.get("intent"), _speech(t)) for t in turns]
    screen_yes, urgent_no = turns[2], turns[3]
    assert screen_yes.get("intent") == "AMAZON.YesIntent", told
    assert "chest pain or tightness" in _speech(screen_yes), told  # a yes to the screen asks the urgent signs
    assert urgent_no.get("intent") == "AMAZON.NoIntent", told
    assert "triple zero now" not in _speech(urgent_no), told


DOCTOR_QUESTIONS = {
    "en-US": ("should i go to the er", "a doctor"),
    "en-CA": ("should i go to emerg", "a doctor"),
    "en-GB": ("should i see my gp", "a GP"),
    "en-AU": ("do i need to see a gp", "a GP"),
    "en-IN": ("should i consult a doctor", "a doctor"),
}


@pytest.mark.parametrize("locale", sorted(DOCTOR_QUESTIONS))
def test_should_i_see_a_doctor_in_a_locales_words_is_heard_and_answered(
    node_binary: str, served_skill_url: str, locale: str
) -> None:
    asked, doctor = DOCTOR_QUESTIONS[locale]
    turns = _drive(
        node_binary,
        served_skill_url,
        locale,
        ("open muscle coach", "my calves are twitching after my run", asked),
    )
    told = [(t["utterance"], t.get("intent"), _speech(t)) for t in turns]
    assert turns[-1].get("intent") == "SeeDoctorIntent", told
    assert _speech(turns[-1]).startswith(f"I'll tell you whether to see {doctor} once I've asked"), told


# A sign said straight after a "no" that is there after all, as people in each locale said it.
SIGN_AFTER_NO: Mapping[str, str] = {
    "en-US": "no chest pain though",
    "en-GB": "no chest's a bit tight though",
    "en-AU": "nope breathing is hard",
    "en-CA": "no but breathing is difficult",
    "en-IN": "no breathing difficulty is there",
}


@pytest.mark.parametrize("locale", sorted(SIGN_AFTER_NO))
def test_a_sign_said_after_a_no_is_acted_on_not_taken_as_denied(
    node_binary: str, served_skill_url: str, locale: str
) -> None:
    turns = _drive(
        node_binary,
        served_skill_url,
        locale,
        ("open muscle coach", "my calves are twitching after my run", SIGN_AFTER_NO[locale]),
    )
    told = [(t["utterance"], t.get("intent"), _speech(t)) for t in turns]
    assessment = (turns[-1].get("sessionAttributes") or {}).get("assessment")
    assert assessment is not None and assessment["triage"] == "urgent", told
    assert _numbers_said(_speech(turns[-1])) == {NUMBERS[locale]}, told
