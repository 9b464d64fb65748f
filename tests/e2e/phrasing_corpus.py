"""The phrasing corpus (tests/corpus/*.yaml) measured through virtual-alexa and through the chat resolver.

Each phrase names what it must mean to the skill: the kind of turn, the yes or no it carries, and the facts it
must yield, read with `skill.local.meaning.meaning_of` (with the question it answers pending, where it names one).
A path understands a phrase when the meaning of its request has that kind, that reply and every expected fact,
and raises no warning sign the phrase did not name. Run as a script, it prints both understanding rates:

    .venv/bin/python tests/e2e/phrasing_corpus.py      (or `make corpus`)

Two things a real Alexa does that virtual-alexa does not, done here so the model is measured and not the tool:
built-in slot values (AMAZON.DURATION, AMAZON.NUMBER, AMAZON.DATE) are normalised as Alexa sends them ("twenty
minutes" -> PT20M) with the resolver's own parsers (virtual-alexa sends the words); and a request that filled only
a built-in slot with words that grammar cannot read (virtual-alexa's catch-all `{duration}` sample takes any
phrase) means the same as AMAZON.FallbackIntent, which is what the dialogue makes of an answer with nothing in it.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from node_driver import run_driver

from skill.dialogue import SlotValue
from skill.engine import MUSCLES, WORKOUT, FactValue
from skill.knowledge import KnowledgeBase, load_knowledge_base
from skill.local.meaning import Meaning, meaning_of
from skill.local.resolver import (
    UtteranceResolver,
    load_interaction_model,
    parse_date,
    parse_duration,
    parse_number,
)

__all__ = [
    "CORPUS_DIR",
    "Expected",
    "Phrase",
    "Report",
    "load_corpus",
    "measure",
    "play_through_virtual_alexa",
]

REPO = Path(__file__).resolve().parents[2]
CORPUS_DIR = REPO / "tests" / "corpus"
MODEL = REPO / "interaction_models" / "en-US.json"
DRIVER = REPO / "tests" / "e2e" / "corpus_driver.js"
TODAY = dt.date(2026, 6, 14)
DRIVER_TIMEOUT_S = 300.0
TARGET = 0.95
_KINDS = frozenset(
    {
        "report", "answer", "yes", "no", "dont_know", "why_verdict", "why_question", "more", "forget",
        "last_time", "help", "stop", "repeat", "start_over", "fallback", "see_doctor",
    }
)  # fmt: skip
_DETAILS = frozenset({"report", "answer"})  # the dialogue reads both through the same path


@dataclass(frozen=True, slots=True)
class Expected:
    """What a phrase must mean: the kind of turn, the yes or no said with it, and facts (finding or quantity ids)."""

    kind: str
    reply: bool | None = None
    facts: Mapping[str, FactValue] = field(default_factory=dict)
    muscles: tuple[str, ...] | None = None
    workout: str | None = None
    question: str | None = None  # the question it answers, pending while it is read


@dataclass(frozen=True, slots=True)
class Phrase:
    group: str
    say: str
    expected: Expected
    beyond: str | None = None  # why neither path can be expected to understand it
    resolver_only: str | None = None  # why the resolver may understand it while virtual-alexa does not


def load_corpus(kb: KnowledgeBase, directory: Path = CORPUS_DIR) -> list[Phrase]:
    """Every phrase of every corpus file, checked against the knowledge base's ids."""
    phrases: list[Phrase] = []
    for path in sorted(directory.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for group in document["groups"]:
            defaults = {k: v for k, v in group.items() if k not in ("group", "phrases", "note")}
            for raw in group["phrases"]:
                entry = {"say": raw} if isinstance(raw, str) else dict(raw)
                phrases.append(_phrase(kb, group["group"], {**defaults, **entry}, path.name))
    return phrases


def _phrase(kb: KnowledgeBase, group: str, entry: Mapping[str, Any], where: str) -> Phrase:
    unknown = set(entry) - {
        "say", "kind", "reply", "facts", "muscles", "workout", "question", "beyond", "resolver_only",
    }  # fmt: skip
    say = str(entry["say"])
    if unknown:
        raise ValueError(f"{where}: {say!r} has unknown keys {sorted(unknown)}")
    raw_kind = entry.get("kind", "")
    kind = (
        {True: "yes", False: "no"}.get(raw_kind, str(raw_kind))
        if isinstance(raw_kind, bool)
        else str(raw_kind)
    )
    if kind not in _KINDS:
        raise ValueError(f"{where}: {say!r} has the unknown kind {kind!r}")
    facts: dict[str, FactValue] = dict(entry.get("facts") or {})
    for fact in facts:
        if fact not in kb.findings and fact not in kb.quantities:
            raise ValueError(f"{where}: {say!r} names the unknown fact {fact!r}")
    muscles = tuple(entry["muscles"]) if "muscles" in entry else None
    for muscle in muscles or ():
        if muscle not in kb.muscles:
            raise ValueError(f"{where}: {say!r} names the unknown muscle {muscle!r}")
    workout = entry.get("workout")
    if workout is not None and workout not in kb.workouts:
        raise ValueError(f"{where}: {say!r} names the unknown workout {workout!r}")
    question = entry.get("question")
    if question is not None and question not in kb.questions:
        raise ValueError(f"{where}: {say!r} answers the unknown question {question!r}")
    reply = entry.get("reply")
    if reply is not None and not isinstance(reply, bool):
        raise ValueError(f"{where}: {say!r}: reply must be true or false")
    expected = Expected(kind, reply, facts, muscles, workout, question)
    return Phrase(group, say, expected, entry.get("beyond"), entry.get("resolver_only"))


# --- what a meaning is worth ------------------------------------------------------------------------------------


def _red_flag_signs(kb: KnowledgeBase) -> frozenset[str]:
    return frozenset(sign for rule in kb.red_flags for sign in rule.signs)


def _normal_form(kind: str, reply: bool | None, facts: Mapping[str, FactValue]) -> tuple[str, bool | None]:
    """A plain yes or no and the same said as an answer mean the same to the dialogue; so do a report and an answer
    (one path); an answer with nothing in it is what a fallback is to the dialogue."""
    if kind == "yes":
        return "details", True
    if kind == "no":
        return "details", False
    if kind in _DETAILS:
        if reply is None and not facts and kind == "answer":
            return "fallback", None
        return "details", reply
    return kind, None


def judge(kb: KnowledgeBase, phrase: Phrase, meaning: Meaning) -> str | None:
    """None when the meaning is what the phrase must mean; otherwise what is wrong with it, briefly."""
    expected = phrase.expected
    facts = dict(meaning.facts)
    want_kind, want_reply = _normal_form(expected.kind, expected.reply, _expected_facts(expected))
    got_kind, got_reply = _normal_form(meaning.kind, meaning.reply, facts)
    if got_kind != want_kind:
        return f"kind {meaning.kind}" + (f" reply {meaning.reply}" if meaning.reply is not None else "")
    if got_reply != want_reply and (want_reply is not None or not expected.facts):
        return f"reply {got_reply}"  # a no that carries the expected facts ("not much": drank little) is fine
    problems: list[str] = []
    for fact, value in expected.facts.items():
        if not _same(facts.get(fact, "missing"), value):
            problems.append(f"{fact}={facts.get(fact, 'missing')}")
    if expected.muscles is not None:
        said = facts.get(MUSCLES, ())
        assert isinstance(said, tuple)
        if set(said) != set(expected.muscles):
            problems.append(f"muscles={list(said)}")
    if expected.workout is not None and facts.get(WORKOUT) != expected.workout:
        problems.append(f"workout={facts.get(WORKOUT)}")
    # the question answered takes the reply ("yes, chest pain" to the safety check is a yes to it, and the sign)
    question = kb.questions.get(expected.question or "")
    answered = question.finding if question is not None else None
    for fact, value in facts.items():
        if value is True and fact in _red_flag_signs(kb) and fact not in expected.facts and fact != answered:
            problems.append(f"unsaid {fact}")
    return ", ".join(problems) or None


def _expected_facts(expected: Expected) -> dict[str, FactValue]:
    facts = dict(expected.facts)
    if expected.muscles:
        facts[MUSCLES] = expected.muscles
    if expected.workout:
        facts[WORKOUT] = expected.workout
    return facts


def _same(got: object, want: FactValue) -> bool:
    if isinstance(want, bool) or want is None or isinstance(got, bool):
        return got == want
    if isinstance(want, int | float) and isinstance(got, int | float):
        return abs(got - want) <= max(0.01 * abs(want), 0.01)
    return got == want


# --- the two paths ----------------------------------------------------------------------------------------------


def play_through_virtual_alexa(node: str, utterances: Sequence[str]) -> list[Mapping[str, Any]]:
    """What virtual-alexa sends for each utterance with the project's model, in one node process."""
    script = {"model": str(MODEL), "utterances": list(utterances)}
    requests: list[Mapping[str, Any]] = run_driver(node, DRIVER, script, DRIVER_TIMEOUT_S)["requests"]
    return requests


def _built_in_value(slot_type: str, value: str) -> str | None:
    if slot_type == "AMAZON.DURATION":
        return parse_duration(value)
    if slot_type == "AMAZON.NUMBER":
        return parse_number(value)
    if slot_type == "AMAZON.DATE":
        return parse_date(value, TODAY)
    return value


def _sent_meaning(kb: KnowledgeBase, request: Mapping[str, Any], pending: str | None) -> Meaning:
    intent = request.get("intent")
    if intent is None:
        return Meaning("fallback", (), None)
    declared = (
        {slot.name: slot.type for slot in _model_intents()[intent].slots}
        if intent in _model_intents()
        else {}
    )
    slots: dict[str, SlotValue] = {}
    unreadable = False
    for name, sent in (request.get("slots") or {}).items():
        slot_type = declared.get(name, "")
        raw = str(sent["value"])
        if slot_type.startswith("AMAZON."):
            value = _built_in_value(slot_type, raw)
            if value is None:
                unreadable = unreadable or bool(raw.strip())
                continue
            slots[name] = SlotValue(value, value)
        else:
            slots[name] = SlotValue(sent.get("id"), raw)
    if unreadable and not slots:
        return Meaning("fallback", (), None)
    return meaning_of(kb, intent, slots, TODAY, pending=kb.questions.get(pending or ""))


def _resolver_meaning(
    kb: KnowledgeBase, resolver: UtteranceResolver, utterance: str, pending: str | None
) -> Meaning:
    resolution = resolver.resolve(utterance)
    slots = {
        name: SlotValue(slot.resolved_id if slot.status is not None else slot.value, slot.value)
        for name, slot in resolution.slots.items()
    }
    return meaning_of(kb, resolution.intent, slots, TODAY, pending=kb.questions.get(pending or ""))


_intents_cache: dict[str, Any] = {}


def _model_intents() -> Mapping[str, Any]:
    if not _intents_cache:
        _intents_cache.update({intent.name: intent for intent in load_interaction_model(MODEL).intents})
    return _intents_cache


# --- the report -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    phrase: Phrase
    virtual_alexa: str | None  # None: understood; else what was wrong
    resolver: str | None
    sent_intent: str | None
    resolved_intent: str


@dataclass(frozen=True, slots=True)
class Report:
    outcomes: tuple[Outcome, ...]

    @property
    def measured(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.phrase.beyond is None)

    def rate(self, path: str) -> float:
        measured = self.measured
        understood = sum(1 for o in measured if getattr(o, path) is None)
        return understood / len(measured) if measured else 0.0

    @property
    def resolver_only(self) -> tuple[Outcome, ...]:
        """Phrases the resolver understands and virtual-alexa does not, without a reason in the corpus."""
        return tuple(
            o
            for o in self.outcomes
            if o.resolver is None and o.virtual_alexa is not None and o.phrase.resolver_only is None
        )

    def summary(self) -> str:
        measured = self.measured
        groups: dict[str, int] = {}
        for outcome in self.outcomes:
            groups[outcome.phrase.group] = groups.get(outcome.phrase.group, 0) + 1
        lines = [
            f"phrasing corpus: {len(self.outcomes)} utterances, {len(measured)} measured "
            f"({len(self.outcomes) - len(measured)} marked beyond both paths)",
            "  " + ", ".join(f"{name} {count}" for name, count in groups.items()),
            f"virtual-alexa understood {self.rate('virtual_alexa'):.1%} "
            f"({sum(1 for o in measured if o.virtual_alexa is None)}/{len(measured)})",
            f"local resolver understood {self.rate('resolver'):.1%} "
            f"({sum(1 for o in measured if o.resolver is None)}/{len(measured)})",
        ]
        for path, label in (("virtual_alexa", "virtual-alexa"), ("resolver", "local resolver")):
            misses = [o for o in measured if getattr(o, path) is not None]
            if misses:
                lines.append(f"{label} misses ({len(misses)}):")
                for o in misses:
                    intent = o.sent_intent if path == "virtual_alexa" else o.resolved_intent
                    lines.append(f"  [{o.phrase.group}] {o.phrase.say!r}: {getattr(o, path)} ({intent})")
        only = self.resolver_only
        if only:
            lines.append(f"understood by the resolver only, with no reason given ({len(only)}):")
            lines.extend(f"  {o.phrase.say!r}" for o in only)
        return "\n".join(lines)


def measure(node: str, kb: KnowledgeBase | None = None, phrases: Iterable[Phrase] | None = None) -> Report:
    """Play every phrase through both paths and judge each meaning."""
    kb = kb or load_knowledge_base()
    corpus = list(phrases if phrases is not None else load_corpus(kb))
    sent = play_through_virtual_alexa(node, [p.say for p in corpus])
    resolver = UtteranceResolver.from_model_file(MODEL, today=lambda: TODAY)
    outcomes = []
    for phrase, request in zip(corpus, sent, strict=True):
        pending = phrase.expected.question
        if request.get("error"):
            va_verdict: str | None = f"error {request['error']}"
        else:
            va_verdict = judge(kb, phrase, _sent_meaning(kb, request, pending))
        resolved = _resolver_meaning(kb, resolver, phrase.say, pending)
        outcomes.append(
            Outcome(
                phrase,
                va_verdict,
                judge(kb, phrase, resolved),
                request.get("intent"),
                resolver.resolve(phrase.say).intent,
            )
        )
    return Report(tuple(outcomes))


def main() -> int:
    import shutil

    node = shutil.which("node")
    if node is None:
        print("node is not installed: the corpus is played through virtual-alexa, which needs Node.js 18+")
        return 2
    report = measure(node)
    print(report.summary())
    ok = (
        report.rate("virtual_alexa") >= TARGET
        and report.rate("resolver") >= TARGET
        and not report.resolver_only
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
