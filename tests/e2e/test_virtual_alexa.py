"""Whole conversations spoken to the served skill through virtual-alexa over HTTP; must not reach into the skill."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

__all__ = ["Conversation", "Turn", "drive"]

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
DRIVER = REPO / "tests" / "e2e" / "driver.js"
MODEL = REPO / "interaction_models" / "en-US.json"
DRIVER_TIMEOUT_S = 120.0
LAUNCH = "open muscle coach"
REPORT = "my calves are twitching after my run"

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
    completed = subprocess.run(
        [node, str(DRIVER)],
        input=json.dumps(script),
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=DRIVER_TIMEOUT_S,
        check=False,
    )
    if completed.returncode != 0:
        pytest.fail(f"virtual-alexa driver failed ({completed.returncode}): {completed.stderr}")
    results = json.loads(completed.stdout)["conversations"]
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
        (LAUNCH, REPORT, "no", "purple elephants dance on tuesday", "no", "no", "no", "no"),
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
