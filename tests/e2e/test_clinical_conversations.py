"""The clinical case table (tests/functional/clinical_cases.yaml) spoken whole to the served skill through
virtual-alexa: each person says their opening, then answers whatever the skill asks in everyday words, chosen from
the question pending in the session attributes Alexa sends back, until the verdict. Must not reach into the skill:
it judges only what a person hears and the contracted `assessment`.

One node process (tests/e2e/conversation_driver.js) holds every conversation, one turn at a time: it matches the
words with virtual-alexa's own sample matching and hands the match back, this module writes built-in slot values as
Alexa sends them (as the phrasing corpus does) or sends AMAZON.FallbackIntent for words that fit no sample, and the
driver sends the request over HTTP to `muscle-coach serve` on 127.0.0.1. The run's summary gives the conversations
played and passed and the questions asked before each verdict, per triage level.

    .venv/bin/python -m pytest tests/e2e/test_clinical_conversations.py
"""

from __future__ import annotations

import datetime as dt
import html
import importlib.util
import json
import re
import statistics
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from skill.dialogue import SlotValue
from skill.knowledge import Question, load_knowledge_base
from skill.local.meaning import Meaning, meaning_of
from skill.local.resolver import (
    BUILT_IN_PHRASES,
    UtteranceResolver,
    load_interaction_model,
    parse_date,
    parse_duration,
    parse_number,
)

__all__ = ["SUMMARY", "Person", "Transcript", "VirtualAlexa"]

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
DRIVER = REPO / "tests" / "e2e" / "conversation_driver.js"
MODEL = REPO / "interaction_models" / "en-US.json"
CASE_TABLE = REPO / "tests" / "functional" / "test_clinical_cases.py"
KB = load_knowledge_base()
MODEL_INTENTS = {intent.name: intent for intent in load_interaction_model(MODEL).intents}

MIN_CONVERSATIONS = 30
# A conversation that has not reached a verdict after this many turns has lost its way (as in the case table).
RUNAWAY_TURNS = 12
# Bounds on the traffic: every request goes to 127.0.0.1, at most this many in all, and the whole run must end in
# this time (the driver is killed at the deadline).
MAX_REQUESTS = 1000
DRIVER_TIMEOUT_S = 120.0
DISCLAIMER_WORDS = "not medical advice"
NOT_UNDERSTOOD = "didn't catch"
URGENT_ACTION = re.compile(r"emergency|911|medical care|right away|\bnow\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_TAG = re.compile(r"<[^>]*>")

SUMMARY = pytest.StashKey[str]()


def _case_table() -> ModuleType:
    """The clinical case table's module, for its cases and its reading of them (answers, must_say, advises), so
    that the cases mean here exactly what they mean through the handler."""
    spec = importlib.util.spec_from_file_location("clinical_case_table", CASE_TABLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while they are made
    spec.loader.exec_module(module)
    return module


CASES = _case_table()


# --- everyday words for yes, no and not sure ------------------------------------------------------------------------

# A person rarely says a bare "yes": each answer that is only the truth about a finding is said in one of these
# everyday ways (each one in the phrasing corpus), the way round the question is asked, varied from turn to turn.
EVERYDAY: Mapping[str, tuple[str, ...]] = {
    "yes": ("yeah", "yes", "yep", "yes definitely", "uh huh", "yes"),
    "no": ("no", "nope", "nah", "not really", "no not at all", "i don't think so"),
    "not sure": ("not sure", "i don't know", "no idea", "i'm not sure", "dunno", "hard to say"),
}


def everyday_words(case: Any, question: Question, turn: int, seed: int) -> str:
    """What this person says to `question`: the table's own words where it gives them, else its yes, no or not
    sure said in everyday words."""
    said: str = case.answer(question)
    options = EVERYDAY.get(said)
    return options[(seed + turn) % len(options)] if options else said


# --- the client -----------------------------------------------------------------------------------------------------


def plain_text(ssml: str | None) -> str:
    return " ".join(html.unescape(_TAG.sub(" ", ssml or "")).split())


@dataclass(frozen=True, slots=True)
class Turn:
    """One exchange as virtual-alexa saw it: the words, the request it sent for them and the skill's answer."""

    utterance: str
    request_type: str | None
    intent: str | None
    slots: Mapping[str, Mapping[str, str]]
    speech: str
    should_end_session: bool | None
    session_attributes: Mapping[str, Any]
    error: str | None

    @property
    def assessment(self) -> Mapping[str, Any] | None:
        found = self.session_attributes.get("assessment")
        return found if isinstance(found, Mapping) else None

    @property
    def pending(self) -> str | None:
        """The id of the question the skill is waiting on, from the session attributes Alexa sends back."""
        state: Any = self.session_attributes.get("coach")
        if isinstance(state, str):
            state = json.loads(state)
        pending = state.get("pending") if isinstance(state, dict) else None
        return pending if isinstance(pending, str) else None


class DriverError(RuntimeError):
    """The node driver failed, stopped answering or ran past its deadline."""


class VirtualAlexa:
    """The conversation driver: one node process with one virtual-alexa pointed at the served skill."""

    def __init__(self, node: str, url: str) -> None:
        if not url.startswith("http://127.0.0.1:"):
            raise ValueError(f"the end-to-end traffic stays on 127.0.0.1, not {url}")
        self.today = dt.datetime.now(dt.UTC).date()  # the served skill counts days in UTC
        self._process = subprocess.Popen(
            [node, str(DRIVER)],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._deadline = threading.Timer(DRIVER_TIMEOUT_S, self._process.kill)
        self._deadline.daemon = True
        self._deadline.start()
        self._call(
            {
                "op": "start",
                "url": url,
                "model": str(MODEL),
                "maxRequests": MAX_REQUESTS,
                "builtInPhrases": {intent: list(phrases) for intent, phrases in BUILT_IN_PHRASES.items()},
            }
        )

    def _call(self, command: Mapping[str, Any]) -> dict[str, Any]:
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write(json.dumps(command) + "\n")
            stdin.flush()
            line = stdout.readline()
        except OSError as exc:
            raise DriverError(f"the driver stopped: {exc}; {self._stderr()}") from exc
        if not line:
            raise DriverError(f"the driver stopped (deadline {DRIVER_TIMEOUT_S:g}s): {self._stderr()}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def _stderr(self) -> str:
        self._process.kill()
        _, err = self._process.communicate(timeout=10)
        return err.strip()

    def close(self) -> None:
        self._deadline.cancel()
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        for stream in (self._process.stdout, self._process.stderr):
            if stream is not None:
                stream.close()

    def new_person(self) -> None:
        self._call({"op": "person"})

    def say(self, utterance: str) -> Turn:
        """Speak `utterance` in the current session: matched as virtual-alexa matches it, its built-in slot values
        written as Alexa sends them, and the words that fit no sample sent as AMAZON.FallbackIntent."""
        matched = self._call({"op": "match", "utterance": utterance})
        intent, slots = matched.get("intent"), self._as_alexa_sends(matched.get("slots") or {})
        if intent is None or slots is None:
            intent, slots = "AMAZON.FallbackIntent", {}
        raw = self._call({"op": "send", "intent": intent, "slots": slots})
        return Turn(
            utterance=utterance,
            request_type=raw.get("requestType"),
            intent=raw.get("intent"),
            slots=raw.get("slots") or {},
            speech=plain_text(raw.get("ssml")),
            should_end_session=raw.get("shouldEndSession"),
            session_attributes=raw.get("sessionAttributes") or {},
            error=raw.get("error"),
        )

    def _as_alexa_sends(self, matched: Mapping[str, Mapping[str, Any]]) -> dict[str, str] | None:
        """Built-in values as Alexa sends them ("twenty minutes" -> PT20M); None when the match filled only
        built-in slots with words their grammar cannot read, which Alexa would not have matched at all."""
        slots: dict[str, str] = {}
        unreadable = False
        for name, slot in matched.items():
            value, slot_type = str(slot.get("value", "")), str(slot.get("type") or "")
            written = self._built_in(slot_type, value) if slot_type.startswith("AMAZON.") else value
            if written is None:
                unreadable = unreadable or bool(value.strip())
                continue
            slots[name] = written
        return None if unreadable and not slots else slots

    def _built_in(self, slot_type: str, value: str) -> str | None:
        if slot_type == "AMAZON.DURATION":
            return parse_duration(value)
        if slot_type == "AMAZON.NUMBER":
            return parse_number(value)
        if slot_type == "AMAZON.DATE":
            return parse_date(value, self.today)
        return value


# --- one person, start to verdict -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Transcript:
    case: Any
    turns: list[Turn] = field(default_factory=list)
    asked: list[Question] = field(default_factory=list)
    lost: str | None = None  # why no verdict was reached

    @property
    def verdict_at(self) -> int | None:
        return next((i for i, turn in enumerate(self.turns) if turn.assessment is not None), None)

    @property
    def questions(self) -> int:
        """Questions asked before the verdict, each counted once however often it was said."""
        return len({question.id for question in self.asked})

    def text(self, resolver: UtteranceResolver | None = None) -> str:
        lines = [f"[{self.case.id}] ({self.case.source})"]
        pending: Question | None = None
        for turn in self.turns:
            sent = f"{turn.intent} {dict(turn.slots) if turn.slots else ''}".strip()
            if resolver is not None:
                sent += f"  | resolver: {_resolver_reading(resolver, turn.utterance, pending)}"
            lines.append(f"  You: {turn.utterance}\n    sent: {sent}")
            lines.append(f"  Alexa: {turn.speech}" + (f"  [error: {turn.error}]" if turn.error else ""))
            pending = KB.questions.get(turn.pending or "")
        return "\n".join(lines)


def _resolver_reading(resolver: UtteranceResolver, utterance: str, pending: Question | None) -> str:
    """What the chat resolver makes of the same words, to tell a virtual-alexa quirk from a gap in the model."""
    meaning = _resolved_reading(resolver, utterance, pending)
    return f"{resolver.resolve(utterance).intent} {meaning.kind} reply={meaning.reply} facts={dict(meaning.facts)}"


def play(alexa: VirtualAlexa, case: Any, seed: int) -> Transcript:
    """A new person says the opening as a one-shot request, then answers each question until the verdict."""
    alexa.new_person()
    transcript = Transcript(case)
    turn = alexa.say(case.opening)
    transcript.turns.append(turn)
    while turn.assessment is None:
        if turn.error is not None:
            transcript.lost = f"the request failed: {turn.error}"
            return transcript
        if turn.should_end_session is not False:
            transcript.lost = "the session ended without a verdict"
            return transcript
        if len(transcript.turns) >= RUNAWAY_TURNS:
            transcript.lost = f"no verdict after {RUNAWAY_TURNS} turns"
            return transcript
        question = KB.questions.get(turn.pending or "")
        if question is None:
            transcript.lost = f"no verdict and no question pending ({turn.pending!r})"
            return transcript
        transcript.asked.append(question)
        turn = alexa.say(everyday_words(case, question, len(transcript.turns), seed))
        transcript.turns.append(turn)
    return transcript


# --- what the person notices ----------------------------------------------------------------------------------------


def _sentences(speech: str) -> set[str]:
    return {" ".join(s.split()) for s in _SENTENCE_END.split(speech.lower().strip()) if s.strip()}


def problems_of(transcript: Transcript) -> list[str]:
    case = transcript.case
    if transcript.lost is not None:
        return [transcript.lost]
    verdict_at = transcript.verdict_at
    assert verdict_at is not None
    verdict = transcript.turns[verdict_at]
    assessment = verdict.assessment or {}
    said = " ".join(CASES.verdict_sentences(verdict.speech))
    problems: list[str] = []
    triage = assessment.get("triage")
    if triage != case.triage:
        problems.append(f"triage {triage!r}, expected {case.triage!r}")
    if case.cause is not None:
        causes = assessment.get("causes") or [{}]
        if causes[0].get("id") != case.cause:
            problems.append(f"leading cause {causes[0].get('id')!r}, expected {case.cause!r}")
    for phrase in case.must_say:
        if not any(option in said for option in phrase.split("|")):
            problems.append(f"the verdict does not say {phrase!r}")
    for phrase in case.must_not_say:
        if CASES.advises(said, phrase):
            problems.append(f"the verdict says {phrase!r}, which must be held back")
    heard = transcript.turns[: verdict_at + 1]
    if not any(DISCLAIMER_WORDS in turn.speech.lower() for turn in heard):
        problems.append("the disclaimer was not heard before or with the verdict")
    if case.screened and not any(question.kind == "screen" for question in transcript.asked):
        problems.append("no safety-screen question was asked before the verdict")
    if triage == "urgent":
        first = _SENTENCE_END.split(verdict.speech.lower().strip())[0]
        if not URGENT_ACTION.search(first):
            problems.append(f"the urgent action is not in the first sentence: {first!r}")
    for a, b, c in zip(heard, heard[1:], heard[2:], strict=False):
        thrice = _sentences(a.speech) & _sentences(b.speech) & _sentences(c.speech)
        if thrice:
            problems.append(f"said three times in a row: {sorted(thrice)}")
    missed = sum(NOT_UNDERSTOOD in turn.speech.lower() for turn in heard)
    if missed > 1:
        problems.append(f"'{NOT_UNDERSTOOD}' said {missed} times")
    return problems


# --- the run --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Person:
    transcript: Transcript
    problems: tuple[str, ...]


def summary_of(people: Sequence[Person]) -> str:
    passed = [p for p in people if not p.problems]
    lines = [
        f"clinical conversations through virtual-alexa: {len(people)} played, {len(passed)} passed",
        "questions before the verdict (each counted once), per triage level reached:",
    ]
    by_level: dict[str, list[int]] = {}
    for person in people:
        verdict_at = person.transcript.verdict_at
        if verdict_at is None:
            continue
        level = str((person.transcript.turns[verdict_at].assessment or {}).get("triage"))
        by_level.setdefault(level, []).append(person.transcript.questions)
    for level in ("self_care", "doctor", "urgent"):
        counts = by_level.get(level)
        if counts:
            lines.append(
                f"  {level:<9} {len(counts):>2} conversations: median {statistics.median(counts):g}, "
                f"max {max(counts)}"
            )
    for person in people:
        if person.problems:
            lines.append(f"  failed {person.transcript.case.id}: {'; '.join(person.problems)}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def people(
    node_binary: str, served_skill_url: str, request: pytest.FixtureRequest
) -> Iterator[dict[str, Person]]:
    """Every case of the table spoken once, in one virtual-alexa run, by case id."""
    alexa = VirtualAlexa(node_binary, served_skill_url)
    try:
        played = {}
        for seed, case in enumerate(CASES.load_cases()):
            transcript = play(alexa, case, seed)
            played[case.id] = Person(transcript, tuple(problems_of(transcript)))
    finally:
        alexa.close()
    request.config.stash[SUMMARY] = summary_of(list(played.values()))
    yield played


def test_at_least_thirty_whole_conversations_reach_a_verdict(people: Mapping[str, Person]) -> None:
    reached = [case_id for case_id, p in people.items() if p.transcript.verdict_at is not None]
    assert len(reached) >= MIN_CONVERSATIONS, summary_of(list(people.values()))


@pytest.mark.parametrize("case_id", [case.id for case in CASES.load_cases()])
def test_a_spoken_clinical_case_ends_with_the_verdict_its_source_calls_for(
    people: Mapping[str, Person], case_id: str
) -> None:
    person = people[case_id]
    if person.problems:
        resolver = UtteranceResolver.from_model_file(MODEL)
        pytest.fail("\n".join(person.problems) + "\n" + person.transcript.text(resolver))


def _sent_reading(turn: Turn, pending: Question | None) -> Meaning:
    """What virtual-alexa's request means to the skill; its built-in values were sent as Alexa writes them."""
    declared = {slot.name: slot.type for slot in (MODEL_INTENTS[turn.intent].slots if turn.intent else ())}
    slots = {
        name: SlotValue(
            value["value"] if declared.get(name, "").startswith("AMAZON.") else value.get("id"),
            value["value"],
        )
        for name, value in turn.slots.items()
    }
    return meaning_of(KB, turn.intent, slots, pending=pending)


def _resolved_reading(resolver: UtteranceResolver, utterance: str, pending: Question | None) -> Meaning:
    resolution = resolver.resolve(utterance)
    slots = {
        name: SlotValue(slot.resolved_id if slot.status is not None else slot.value, slot.value)
        for name, slot in resolution.slots.items()
    }
    return meaning_of(KB, resolution.intent, slots, pending=pending)


def _same_to_the_dialogue(meaning: Meaning) -> tuple[str, bool | None, tuple[tuple[str, object], ...]]:
    """A plain yes or no and the same said with details mean the same to the dialogue; so do a report and an
    answer, which it reads through one path."""
    kind, reply = meaning.kind, meaning.reply
    if kind in ("yes", "no"):
        kind, reply = "details", kind == "yes"
    elif kind in ("report", "answer"):
        kind = "details"
    return kind, reply, tuple(meaning.facts)


def test_virtual_alexa_and_the_chat_resolver_read_every_answer_alike(people: Mapping[str, Person]) -> None:
    """`muscle-coach chat` shows what Alexa would do, never more: each turn of these conversations means the same
    to the dialogue through virtual-alexa's request and through the chat resolver, with the same question pending."""
    resolver = UtteranceResolver.from_model_file(MODEL)
    disagreements = []
    for person in people.values():
        pending: Question | None = None
        for turn in person.transcript.turns:
            sent, resolved = (
                _sent_reading(turn, pending),
                _resolved_reading(resolver, turn.utterance, pending),
            )
            if _same_to_the_dialogue(sent) != _same_to_the_dialogue(resolved):
                disagreements.append((person.transcript.case.id, turn.utterance, turn.intent, sent, resolved))
            pending = KB.questions.get(turn.pending or "")
    assert disagreements == []
