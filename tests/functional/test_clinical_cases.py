"""The clinical case table (clinical_cases.yaml) and the red-flag phrase property, each played as a whole
conversation through the Lambda handler: typed words resolved with the interaction model, the session carried as
Alexa carries it, every question answered from what the person knows about the finding it settles.

Asserts only what the person hears and the contracted `assessment`; never the skill's internals.
"""

from __future__ import annotations

import functools
import json
import re
import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from skill.knowledge import Question, load_knowledge_base

if TYPE_CHECKING:
    from conftest import Conversation, Converse, FakeClock, Reply

__all__: list[str] = []

CASES_FILE = Path(__file__).with_name("clinical_cases.yaml")
TRIAGE_LEVELS = ("self_care", "doctor", "urgent")
CAUSE_IDS = ("fatigue", "no_warmup", "dehydration", "low_blood_sugar", "caffeine")
# A conversation that has not reached a verdict after this many turns has lost its way.
RUNAWAY_TURNS = 12
# One or two breaths: an urgent verdict is an instruction, not a lecture (Alexa design guide, one-breath test).
URGENT_MAX_WORDS = 50
DISCLAIMER_WORDS = "not medical advice"
# The action an urgent verdict must open with.
URGENT_ACTION = re.compile(r"emergency|911|medical care|right away|\bnow\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")

# The findings a question can settle: the knowledge base's, and those it takes on for the red flags after exercise.
FINDING_IDS = frozenset({
    "hot_conditions", "heavy_sweating", "drank_little", "fasted", "long_session", "skipped_warmup",
    "high_caffeine", "jittery", "thirst_dark_urine", "hunger_shaky", "dizzy_headache", "nausea", "worked_only",
    "cramping", "muscle_pain", "cola_urine", "swelling", "chest_pain", "fainted", "confused", "slurred_speech",
    "racing_heart", "weakness", "numbness", "trouble_swallowing", "shrinking", "spreading", "at_rest",
    "long_lasting", "habitual", "screen_positive", "urgent_screen_positive", "breathless", "chest_tightness",
    "face_droop", "one_sided_weakness", "vision_loss", "heart_not_settling", "dizziness", "headache",
    "vomiting", "stopped_sweating", "seizure", "not_improving", "drank_lots", "swollen_hands",
    "caffeine_overdose", "stimulant_pills", "severe_pain", "new_workout", "calf_swelling", "fever",
    "long_cramp", "recurring_cramps", "recurring", "diabetes_meds", "pregnant", "on_statin", "on_diuretic",
    "on_inhaler", "on_stimulant_medicine",
})  # fmt: skip

TriageLevel = Literal["self_care", "doctor", "urgent"]
CauseId = Literal["fatigue", "no_warmup", "dehydration", "low_blood_sugar", "caffeine"]
# Words said as they are, or the truth about a finding (present, absent, don't know) said as yes, no or not sure.
Answer = str | bool | None


class ClinicalCase(BaseModel):
    """One person: what they say first, what they answer if asked, and the verdict the sources call for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    kind: str
    source: str
    opening: str
    answers: dict[str, Answer] = {}
    default: Answer = False
    triage: TriageLevel
    cause: CauseId | None = None
    must_say: tuple[str, ...] = ()
    must_not_say: tuple[str, ...] = ()
    screened: bool = False

    @field_validator("must_say", "must_not_say")
    @classmethod
    def _lower_case(cls, phrases: tuple[str, ...]) -> tuple[str, ...]:
        if any(phrase != phrase.lower() or not phrase.strip() for phrase in phrases):
            raise ValueError("phrases are compared with the lower-cased verdict: write them in lower case")
        return phrases

    @model_validator(mode="after")
    def _cause_only_for_self_care(self) -> ClinicalCase:
        if self.cause is not None and self.triage != "self_care":
            raise ValueError("a leading cause is expected only for a self-care verdict")
        return self

    def answer(self, question: Question) -> str:
        said = self.answers.get(question.finding, self.default)
        return said if isinstance(said, str) else words_for(question, said)


class CasesFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    cases: tuple[ClinicalCase, ...]


@functools.cache
def load_cases() -> tuple[ClinicalCase, ...]:
    raw = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
    return CasesFile.model_validate(raw).cases


def words_for(question: Question, present: bool | None) -> str:
    """What a person says to this question when the finding it settles is present, absent or unknown to them;
    "did you drink much?" is answered "no" by someone who barely drank."""
    if present is None:
        return "not sure"
    if question.yes is present:
        return "yes"
    if question.no is present:
        return "no"
    return "not sure"


# --- playing a conversation ---------------------------------------------------------------------------------------


class NoVerdictError(AssertionError):
    """The conversation ended, lost its thread, or ran away before any verdict."""


def pending_question(reply: Reply) -> str | None:
    """The id of the question the skill is waiting on, from the session attributes Alexa sends back."""
    state: Any = reply.attributes.get("coach")
    if isinstance(state, str):
        state = json.loads(state)
    pending = state.get("pending") if isinstance(state, dict) else None
    return pending if isinstance(pending, str) else None


@dataclass(slots=True)
class Played:
    conversation: Conversation
    asked: list[Question] = field(default_factory=list)

    @property
    def verdict(self) -> Reply:
        return self.conversation.verdict


def play(conversation: Conversation, opening: str, answer: Callable[[Question], str]) -> Played:
    """Say the opening, then answer each question until the first reply that carries the verdict."""
    kb = load_knowledge_base()
    played = Played(conversation)
    reply = conversation.say(opening)
    while reply.assessment is None:
        if reply.ends_session:
            raise NoVerdictError("the session ended without a verdict\n" + conversation.transcript())
        if len(conversation.replies) >= RUNAWAY_TURNS:
            raise NoVerdictError(f"no verdict after {RUNAWAY_TURNS} turns\n" + conversation.transcript())
        pending = pending_question(reply)
        question = kb.questions.get(pending or "")
        if question is None:
            why = "the opening was not taken as a report" if len(conversation.replies) == 1 else "lost thread"
            raise NoVerdictError(
                f"no verdict and no question pending ({pending!r}): {why}\n" + conversation.transcript()
            )
        played.asked.append(question)
        reply = conversation.say(answer(question))
    return played


def verdict_sentences(speech: str) -> list[str]:
    """The verdict's sentences, lower case, without the disclaimer (which names an emergency number itself)."""
    sentences = _SENTENCE_END.split(speech.lower().strip())
    return [s for s in sentences if s and "medical advice" not in s]


def verdict_words(speech: str) -> int:
    return sum(len(sentence.split()) for sentence in verdict_sentences(speech))


@pytest.fixture
def person(converse: Converse, clock: FakeClock) -> Callable[[], Conversation]:
    """`person()`: a new user talking to the skill through `lambda_handler`, as AWS Lambda calls it, with the
    shared Conversation (its typed words resolved with the interaction model, its session carried along)."""
    from skill.app import lambda_handler

    def handle(event: dict[str, Any]) -> dict[str, Any]:
        return lambda_handler(event, None)

    def start() -> Conversation:
        shared = converse()
        return type(shared)(handle, shared.resolver, clock)

    return start


# --- the table's figures --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Summary:
    played: int = 0
    passed: int = 0
    words: dict[str, list[int]] = field(default_factory=dict)

    def line(self) -> str:
        medians = ", ".join(
            f"{level} {statistics.median(self.words[level]):g} ({len(self.words[level])} verdicts)"
            for level in TRIAGE_LEVELS
            if self.words.get(level)
        )
        return (
            f"clinical cases: {self.played} played, {self.passed} passed; "
            f"median words per verdict: {medians or 'no verdicts'}"
        )


@pytest.fixture(scope="session")
def clinical_summary(request: pytest.FixtureRequest) -> Iterator[Summary]:
    """Collects every case's outcome; the line is printed when the session ends (past output capture)."""
    summary = Summary()
    yield summary
    if not summary.played:
        return
    capture = request.config.pluginmanager.getplugin("capturemanager")
    if capture is None:
        print("\n" + summary.line())
        return
    with capture.global_and_fixture_disabled():
        print("\n" + summary.line())


# --- the case table -------------------------------------------------------------------------------------------------


def test_the_case_table_is_broad_enough() -> None:
    cases = load_cases()
    ids = [case.id for case in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    assert len(cases) >= 45
    assert sum(case.triage == "self_care" for case in cases) >= 12, "ordinary cases keep over-triage in view"
    for cause in CAUSE_IDS:
        assert sum(case.cause == cause for case in cases) >= 2, f"too few self-care cases for {cause}"
    for level in ("doctor", "urgent"):
        assert sum(case.triage == level for case in cases) >= 8, f"too few {level} cases"
    for case in cases:
        assert set(case.answers) <= FINDING_IDS, f"{case.id}: {sorted(set(case.answers) - FINDING_IDS)}"
    for name, sign in SIGNS.items():
        assert sign.findings <= FINDING_IDS, f"{name}: {sorted(sign.findings - FINDING_IDS)}"


@pytest.mark.parametrize("case", load_cases(), ids=lambda case: case.id)
def test_a_clinical_case_ends_with_the_verdict_its_source_calls_for(
    case: ClinicalCase, person: Callable[[], Conversation], clinical_summary: Summary
) -> None:
    clinical_summary.played += 1
    conversation = person()
    played = play(conversation, case.opening, case.answer)
    verdict = played.verdict
    assessment = verdict.assessment or {}
    story = f"[{case.id}] ({case.source})\n{conversation.transcript()}"
    speech = verdict.speech
    said = " ".join(verdict_sentences(speech))
    words = verdict_words(speech)
    triage = str(assessment.get("triage"))
    clinical_summary.words.setdefault(triage, []).append(words)
    print(f"{case.id}: {triage} verdict, {words} words")

    problems: list[str] = []
    if triage != case.triage:
        problems.append(f"triage {triage!r}, expected {case.triage!r}")
    if case.cause is not None:
        causes = assessment.get("causes") or [{}]
        leader = causes[0].get("id")
        if leader != case.cause:
            problems.append(f"leading cause {leader!r}, expected {case.cause!r}")
    for phrase in case.must_say:
        if not any(option in said for option in phrase.split("|")):
            problems.append(f"the verdict does not say {phrase!r}")
    for phrase in case.must_not_say:
        if advises(said, phrase):
            problems.append(f"the verdict says {phrase!r}, which must be held back")
    heard = conversation.replies[: conversation.replies.index(verdict) + 1]
    if not any(DISCLAIMER_WORDS in reply.speech.lower() for reply in heard):
        problems.append("the disclaimer was not heard before or with the verdict")
    if case.screened and not any(question.kind == "screen" for question in played.asked):
        problems.append("no safety-screen question was asked before the verdict")
    if triage == "urgent":
        first = _SENTENCE_END.split(speech.lower().strip())[0]
        if not URGENT_ACTION.search(first):
            problems.append(f"the urgent action is not in the first sentence: {first!r}")
        if words > URGENT_MAX_WORDS:
            problems.append(f"the urgent verdict takes {words} words, more than {URGENT_MAX_WORDS}")
    assert not problems, "\n".join(problems) + "\n" + story
    clinical_summary.passed += 1


_WARNING_WORDS = re.compile(r"\b(?:don't|do not|not|no|never|won't|skip|avoid|without)\b")


def advises(said: str, phrase: str) -> bool:
    """Whether `phrase` is said as advice: an occurrence with a warning just before it ("don't stretch or massage",
    "it won't simply wear off") holds the advice back rather than giving it."""
    for found in re.finditer(re.escape(phrase), said):
        before = said[max(0, found.start() - 30) : found.start()]
        if not _WARNING_WORDS.search(before):
            return True
    return False


# --- red-flag phrases, wherever they are said -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sign:
    """A red flag as people say it: its level, everyday phrasings, and the findings true for the person."""

    level: TriageLevel
    phrases: tuple[str, ...]
    findings: frozenset[str]


def _sign(level: TriageLevel, phrases: tuple[str, ...], *findings: str) -> Sign:
    return Sign(level, phrases, frozenset(findings))


# Screen findings are listed only where the screen question names the sign itself (the urgent check names chest
# pain, fainting, confusion, dark brown urine and a racing heart that won't settle; the general screen names
# weakness, numbness and weeks of twitching).
SIGNS: dict[str, Sign] = {
    "breathlessness": _sign(
        "urgent",
        ("i can't catch my breath", "i'm really short of breath", "i can't breathe properly"),
        "breathless",
    ),
    "chest tightness": _sign(
        "urgent",
        (
            "my chest feels really tight",
            "there's a heavy pressure on my chest",
            "it feels like something's squeezing my chest",
        ),
        "chest_tightness",
    ),
    "face droop": _sign(
        "urgent",
        ("one side of my face is drooping", "my face has gone all droopy on one side"),
        "face_droop",
    ),
    "one-sided weakness": _sign(
        "urgent",
        ("my left arm and leg suddenly went weak", "all of a sudden i can't lift my right arm"),
        "one_sided_weakness",
    ),
    "garbled speech": _sign(
        "urgent", ("my words are coming out all jumbled", "i'm slurring my words"), "slurred_speech"
    ),
    "sudden vision loss": _sign(
        "urgent",
        ("i suddenly can't see out of one eye", "my vision just went dark all of a sudden"),
        "vision_loss",
    ),
    "racing heart that won't settle": _sign(
        "urgent",
        (
            "my heart won't stop racing even though i'm sitting down",
            "my heart's been pounding for ages and it won't settle",
        ),
        "racing_heart",
        "heart_not_settling",
        "urgent_screen_positive",
    ),
    "fainting during exertion": _sign(
        "urgent",
        ("i passed out on the treadmill", "i nearly fainted during my run"),
        "fainted",
        "urgent_screen_positive",
    ),
    "heat stroke": _sign(
        "urgent",
        ("it was really hot and i've stopped sweating", "i had a seizure after running in the heat"),
        "stopped_sweating",
        "seizure",
        "hot_conditions",
    ),
    "heat exhaustion with vomiting": _sign(
        "urgent",
        ("it was boiling out there and i keep throwing up",),
        "vomiting",
        "nausea",
        "hot_conditions",
    ),
    "hyponatraemia": _sign(
        "urgent",
        ("i drank loads of water and now my head's pounding and my hands are swollen",),
        "drank_lots",
        "headache",
        "swollen_hands",
    ),
    "caffeine overdose": _sign(
        "urgent",
        ("i took six caffeine pills", "i had a big scoop of pure caffeine powder"),
        "caffeine_overdose",
        "stimulant_pills",
        "high_caffeine",
    ),
    "muscle breakdown": _sign(
        "urgent",
        ("it was my first spin class and my legs are so sore and weak i can't get up the stairs",),
        "severe_pain",
        "weakness",
        "new_workout",
        "muscle_pain",
    ),
    "cola-coloured urine": _sign(
        "urgent", ("my pee is dark brown like cola",), "cola_urine", "urgent_screen_positive"
    ),
    "a clot in the calf": _sign(
        "urgent",
        ("my calf is swollen and red and really hurts", "one of my calves is all puffed up and throbbing"),
        "calf_swelling",
        "swelling",
        "muscle_pain",
    ),
    "fever": _sign("doctor", ("i've got a fever", "i've been running a temperature"), "fever"),
    "trouble swallowing": _sign(
        "doctor",
        ("i'm finding it hard to swallow", "food keeps getting stuck when i swallow"),
        "trouble_swallowing",
    ),
    "a shrinking muscle": _sign(
        "doctor",
        ("my calf looks smaller than the other one", "the muscle seems to be wasting away"),
        "shrinking",
    ),
    "weeks of twitching": _sign(
        "doctor",
        ("it's been going on for three weeks", "it's been like this for over a month"),
        "long_lasting",
        "screen_positive",
    ),
    "a cramp over ten minutes": _sign(
        "doctor", ("i've had a cramp for twenty minutes that won't let go",), "long_cramp", "cramping"
    ),
    "cramps that keep coming back": _sign(
        "doctor", ("i keep getting cramps every time i train",), "recurring_cramps", "cramping"
    ),
    "statins with muscle pain": _sign(
        "doctor", ("i'm on statins and my legs ache",), "on_statin", "muscle_pain"
    ),
    "numbness": _sign("doctor", ("my toes feel numb and tingly",), "numbness", "screen_positive"),
    "gradual weakness": _sign(
        "doctor", ("my grip's been getting weaker for weeks",), "weakness", "screen_positive"
    ),
}

PLAIN_REPORT = "my calves are twitching after my run"
Where = Literal["opening", "safety screen", "cause question"]
WHERE: tuple[Where, ...] = ("opening", "safety screen", "cause question")


def _phrase_params() -> list[Any]:
    return [
        pytest.param(name, phrase, where, id=f"{where}: {name}: {phrase}")
        for name, sign in SIGNS.items()
        for phrase in sign.phrases
        for where in WHERE
    ]


@pytest.mark.parametrize(("name", "phrase", "where"), _phrase_params())
def test_a_red_flag_phrase_reaches_its_level_wherever_it_is_said(
    name: str, phrase: str, where: Where, person: Callable[[], Conversation]
) -> None:
    sign = SIGNS[name]
    spoken = False

    def answer(question: Question) -> str:
        nonlocal spoken
        here = where == "safety screen" and question.kind == "screen"
        here = here or (where == "cause question" and question.kind == "cause")
        if here and not spoken:
            spoken = True
            return phrase
        # Until the sign comes up the person mentions nothing; after it, they answer what they know.
        knows = spoken or where == "opening"
        return words_for(question, knows and question.finding in sign.findings)

    conversation = person()
    opening = f"{PLAIN_REPORT} and {phrase}" if where == "opening" else PLAIN_REPORT
    played = play(conversation, opening, answer)

    assert where == "opening" or spoken, (
        f"no {where} was asked, so the sign was never said\n{conversation.transcript()}"
    )
    triage = (played.verdict.assessment or {}).get("triage")
    assert triage in TRIAGE_LEVELS and TRIAGE_LEVELS.index(triage) >= TRIAGE_LEVELS.index(sign.level), (
        f"{name!r} said at the {where} gave {triage!r}, not at least {sign.level!r}\n{conversation.transcript()}"
    )
