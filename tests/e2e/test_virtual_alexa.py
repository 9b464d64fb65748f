"""Whole conversations spoken to the served skill through virtual-alexa over HTTP; must not reach into the skill."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from node_driver import DriverError, run_driver

from skill.dialogue import SlotValue
from skill.knowledge import load_knowledge_base
from skill.local.meaning import Meaning, meaning_of
from skill.local.resolver import UtteranceResolver, load_interaction_model

__all__ = ["Conversation", "Turn", "drive"]

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
DRIVER = REPO / "tests" / "e2e" / "driver.js"
MODEL = REPO / "interaction_models" / "en-US.json"
DRIVER_TIMEOUT_S = 120.0
LAUNCH = "open muscle coach"
REPORT = "my calves are twitching after my run"
NOT_UNDERSTOOD = "purple elephants dance on tuesday"
KB = load_knowledge_base()
MODEL_INTENTS = {intent.name: intent for intent in load_interaction_model(MODEL).intents}

_TAG = re.compile(r"<[^>]+>")
_QUESTION = re.compile(r"[^.?!]*\?")


@dataclass(frozen=True, slots=True)
class Turn:
    """One exchange as virtual-alexa saw it: what it sent for an utterance and what the skill answered."""

    utterance: str
    request_type: str | None
    intent: str | None
    slots: Mapping[str, Mapping[str, str]]
    speech: str
    reprompt: str | None
    should_end_session: bool | None
    session_attributes: Mapping[str, Any]
    error: str | None

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Turn:
        return cls(
            utterance=raw["utterance"],
            request_type=raw.get("requestType"),
            intent=raw.get("intent"),
            slots=raw.get("slots") or {},
            speech=_TAG.sub(" ", raw.get("ssml") or "").strip(),
            reprompt=raw.get("reprompt"),
            should_end_session=raw.get("shouldEndSession"),
            session_attributes=raw.get("sessionAttributes") or {},
            error=raw.get("error"),
        )

    @property
    def assessment(self) -> Mapping[str, Any] | None:
        found: Mapping[str, Any] | None = self.session_attributes.get("assessment")
        return found

    @property
    def question(self) -> str | None:
        """The question this response asks, normalised so a re-ask (help, repeat, not understood) matches it."""
        if self.assessment is not None or self.should_end_session is not False or not self.reprompt:
            return None
        asked = _QUESTION.findall(self.speech)
        return " ".join(asked[-1].lower().split()) if asked else None


def drive(node: str, url: str, conversations: Sequence[Sequence[str]]) -> list[list[Turn]]:
    """Speak each conversation to the served skill through virtual-alexa, one fresh session per conversation."""
    script = {"url": url, "model": str(MODEL), "conversations": [list(c) for c in conversations]}
    try:
        results = run_driver(node, DRIVER, script, DRIVER_TIMEOUT_S)["conversations"]
    except DriverError as exc:
        pytest.fail(str(exc))
    return [[Turn.from_json(turn) for turn in result["turns"]] for result in results]


@dataclass(frozen=True, slots=True)
class Conversation:
    """A whole conversation and the verdict a user should end up with."""

    name: str
    utterances: tuple[str, ...]
    triage: str
    leading_cause: str | None
    questions: int


CONVERSATIONS: tuple[Conversation, ...] = (
    Conversation(
        "skipped warm-up", (LAUNCH, REPORT, "no", "no", "no", "no", "no"), "self_care", "no_warmup", 4
    ),
    Conversation(
        "help mid-interview",
        (LAUNCH, REPORT, "what can i say", "no", "no", "no", "no", "no"),
        "self_care",
        "no_warmup",
        4,
    ),
    Conversation(
        "repeat mid-interview",
        (LAUNCH, REPORT, "no", "say that again", "no", "no", "no", "no"),
        "self_care",
        "no_warmup",
        4,
    ),
    Conversation(
        "not understood mid-interview",
        (LAUNCH, REPORT, "no", NOT_UNDERSTOOD, "no", "no", "no", "no"),
        "self_care",
        "no_warmup",
        4,
    ),
    Conversation(
        "one-shot report in the heat",
        ("my calves are twitching after a run in the heat", "no", "yes", "no"),
        "self_care",
        "dehydration",
        2,
    ),
    Conversation(
        "one-shot report of barely drinking",
        ("my calves are twitching and i barely drank", "no", "yes", "no"),
        "self_care",
        "dehydration",
        2,
    ),
    Conversation(
        "one-shot report of training fasted",
        ("i trained fasted and now my legs are twitching", "no", "yes", "no"),
        "self_care",
        "low_blood_sugar",
        2,
    ),
    Conversation(
        "one-shot report of an energy drink",
        ("i had a red bull and my calves are twitching", "no", "yes", "no"),
        "self_care",
        "caffeine",
        2,
    ),
    Conversation(
        "cola-coloured urine",
        ("my legs are twitching and dizzy and my urine is cola coloured",),
        "urgent",
        None,
        0,
    ),
    Conversation("warning sign needing help now", (LAUNCH, REPORT, "yes", "yes"), "urgent", None, 2),
    Conversation("warning sign for a doctor", (LAUNCH, REPORT, "yes", "no", "no"), "doctor", "fatigue", 2),
    Conversation(
        "does not know the answers",
        (LAUNCH, REPORT, "no", *["i don't know"] * 5, "no"),
        "self_care",
        "fatigue",
        6,
    ),
)
STOP_MID_INTERVIEW = (LAUNCH, REPORT, "no", "stop")


@pytest.fixture(scope="module")
def transcripts(node_binary: str, served_skill_url: str) -> dict[str, list[Turn]]:
    """Every conversation spoken once in one virtual-alexa run, by conversation name."""
    scripts = [c.utterances for c in CONVERSATIONS] + [STOP_MID_INTERVIEW]
    names = [c.name for c in CONVERSATIONS] + ["stop mid-interview"]
    return dict(zip(names, drive(node_binary, served_skill_url, scripts), strict=True))


def _verdict_at(turns: Sequence[Turn]) -> int:
    for index, turn in enumerate(turns):
        if turn.assessment is not None:
            return index
    pytest.fail(f"no verdict in: {[(t.utterance, t.speech) for t in turns]}")


def _questions(turns: Sequence[Turn]) -> list[str]:
    asked: list[str] = []
    for turn in turns:
        if turn.question is not None and turn.question not in asked:
            asked.append(turn.question)
    return asked


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=lambda c: c.name)
def test_conversation_reaches_the_expected_verdict(
    transcripts: Mapping[str, list[Turn]], conversation: Conversation
) -> None:
    turns = transcripts[conversation.name]
    assert [t.error for t in turns if t.error] == []
    verdict_at = _verdict_at(turns)
    verdict = turns[verdict_at]
    assessment = verdict.assessment
    assert assessment is not None
    assert assessment["triage"] == conversation.triage
    causes = [cause["id"] for cause in assessment["causes"]]
    if conversation.leading_cause is None:
        assert causes == []
    else:
        assert causes[0] == conversation.leading_cause
    assert len(_questions(turns[:verdict_at])) == conversation.questions
    assert [t.utterance for t in turns] == list(conversation.utterances)
    assert turns[-1].should_end_session is True
    assert all(t.should_end_session is False for t in turns[:-1])


def test_help_mid_interview_explains_and_asks_the_same_question_again(
    transcripts: Mapping[str, list[Turn]],
) -> None:
    turns = transcripts["help mid-interview"]
    report, help_turn, answer = turns[1], turns[2], turns[3]
    assert help_turn.intent == "AMAZON.HelpIntent"
    assert help_turn.should_end_session is False
    assert help_turn.question == report.question
    assert help_turn.speech != report.speech
    assert answer.question != report.question


def test_repeat_mid_interview_says_the_last_question_word_for_word(
    transcripts: Mapping[str, list[Turn]],
) -> None:
    turns = transcripts["repeat mid-interview"]
    question, repeat = turns[2], turns[3]
    assert repeat.intent == "AMAZON.RepeatIntent"
    assert repeat.speech == question.speech
    assert repeat.should_end_session is False


def test_an_utterance_that_fits_nothing_asks_the_same_question_again(
    transcripts: Mapping[str, list[Turn]],
) -> None:
    turns = transcripts["not understood mid-interview"]
    question, not_understood = turns[2], turns[3]
    assert not_understood.question == question.question
    assert "didn't catch" in not_understood.speech
    assert not_understood.should_end_session is False


def test_stop_mid_interview_ends_the_session_without_a_verdict(transcripts: Mapping[str, list[Turn]]) -> None:
    turns = transcripts["stop mid-interview"]
    assert [t.utterance for t in turns] == list(STOP_MID_INTERVIEW)
    stop = turns[-1]
    assert stop.intent == "AMAZON.StopIntent"
    assert stop.should_end_session is True
    assert all(t.assessment is None for t in turns)
    assert "likely cause" not in stop.speech.lower()


def test_cola_coloured_urine_is_spoken_as_urgent_before_anything_else(
    transcripts: Mapping[str, list[Turn]],
) -> None:
    (turn,) = transcripts["cola-coloured urine"]
    assert turn.slots["symptom_two"]["id"] == "cola_urine"
    assert "medical care right away" in turn.speech
    assert turn.speech.index("medical care") < 80


def _resolver_meaning(resolver: UtteranceResolver, utterance: str) -> Meaning:
    resolution = resolver.resolve(utterance)
    slots = {
        name: SlotValue(slot.resolved_id if slot.status is not None else slot.value, slot.value)
        for name, slot in resolution.slots.items()
    }
    return meaning_of(KB, resolution.intent, slots)


def _sent_meaning(turn: Turn) -> Meaning:
    """What virtual-alexa's request means: custom slots carry an id only when entity resolution matched."""
    declared = {slot.name: slot.type for slot in (MODEL_INTENTS[turn.intent].slots if turn.intent else ())}
    slots = {
        name: SlotValue(
            value.get("id") if not declared.get(name, "").startswith("AMAZON.") else value["value"],
            value["value"],
        )
        for name, value in turn.slots.items()
    }
    return meaning_of(KB, turn.intent, slots)


def test_virtual_alexa_and_the_chat_resolver_understand_every_utterance_alike(
    transcripts: Mapping[str, list[Turn]],
) -> None:
    """`muscle-coach chat` must mean what a real Alexa client's request means, for every phrase these conversations
    use: the same kind of turn and the same facts once the skill has read the slots (the two may fill different
    samples for the same words)."""
    resolver = UtteranceResolver.from_model_file(MODEL)
    disagreements = []
    for turns in transcripts.values():
        for turn in turns:
            # virtual-alexa has no fallback model: it fills the bare `{duration}` sample with the whole phrase.
            if turn.request_type != "IntentRequest" or turn.utterance == NOT_UNDERSTOOD:
                continue
            sent = _sent_meaning(turn)
            resolved = _resolver_meaning(resolver, turn.utterance)
            if resolved != sent:
                disagreements.append((turn.utterance, sent, resolved))
    assert disagreements == []
