"""Turns typed text into an intent and slots with the skill's own interaction model; never needed in Lambda.

It reads the ASK interaction model (validated with pydantic), compiles every sample utterance once, and resolves
an utterance the way Alexa would send it: custom slots with entity-resolution ids, AMAZON.NUMBER, AMAZON.DURATION
and AMAZON.DATE normalised, the built-in intents' own phrases, and AMAZON.FallbackIntent for anything else.
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from skill.errors import MuscleCoachError

__all__ = [
    "BUILT_IN_PHRASES",
    "FALLBACK_INTENT",
    "REQUIRED_BUILT_IN_INTENTS",
    "Intent",
    "IntentSlot",
    "InteractionModel",
    "InteractionModelError",
    "Resolution",
    "ResolutionStatus",
    "SlotType",
    "SlotTypeValue",
    "SlotValue",
    "UtteranceResolver",
    "load_interaction_model",
    "model_problems",
    "normalise_utterance",
    "parse_date",
    "parse_duration",
    "parse_number",
]

FALLBACK_INTENT: Final = "AMAZON.FallbackIntent"
ResolutionStatus = Literal["ER_SUCCESS_MATCH", "ER_SUCCESS_NO_MATCH"]

# Intents ASK requires in every custom skill's model, plus the ones this skill promises to handle.
REQUIRED_BUILT_IN_INTENTS: Final = (
    "AMAZON.CancelIntent",
    "AMAZON.HelpIntent",
    "AMAZON.StopIntent",
    "AMAZON.NavigateHomeIntent",
    "AMAZON.FallbackIntent",
)

# What Alexa already understands for its built-in intents, without any sample in the model.
BUILT_IN_PHRASES: Final[Mapping[str, tuple[str, ...]]] = {
    "AMAZON.YesIntent": (
        "yes", "yeah", "yep", "yup", "yea", "sure", "of course", "absolutely", "definitely", "affirmative",
        "right", "uh huh", "sounds good", "yes i would",
    ),
    "AMAZON.NoIntent": ("no", "nope", "nah", "no way", "negative", "no sir", "absolutely not", "definitely not"),
    "AMAZON.HelpIntent": ("help", "help me", "i need help", "can you help me"),
    "AMAZON.StopIntent": ("stop", "stop it", "shut up", "be quiet", "quiet", "off", "exit skill"),
    "AMAZON.CancelIntent": ("cancel", "never mind", "nevermind", "forget it", "cancel that", "cancel it"),
    "AMAZON.RepeatIntent": (
        "repeat", "say that again", "repeat that", "say again", "pardon", "come again", "what did you say",
        "again",
    ),
    "AMAZON.StartOverIntent": ("start over", "restart", "start again", "begin again", "reset", "start from scratch"),
    "AMAZON.NavigateHomeIntent": ("go home", "home", "go to home", "take me home", "go back home"),
}  # fmt: skip

_SAMPLE_TEXT = re.compile(r"[a-z' .]*")
_SLOT_REF = re.compile(r"\{([^{}]*)\}")
_INTENT_NAME = re.compile(r"(AMAZON\.)?[A-Za-z][A-Za-z_]*")
_SLOT_NAME = re.compile(r"[A-Za-z][A-Za-z_]*")
_INVOCATION = re.compile(r"[a-z]+( [a-z]+)+")

# Typed text: words, digits and in-word apostrophes survive; everything else separates words.
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")
_CONTRACTIONS: Final[Mapping[str, str]] = {
    "dont": "don't", "cant": "can't", "didnt": "didn't", "doesnt": "doesn't", "isnt": "isn't",
    "wasnt": "wasn't", "werent": "weren't", "wont": "won't", "havent": "haven't", "hadnt": "hadn't",
    "im": "i'm", "ive": "i've", "youre": "you're", "whats": "what's", "thats": "that's", "theres": "there's",
    "couldnt": "couldn't", "shouldnt": "shouldn't", "wouldnt": "wouldn't",
}  # fmt: skip
_DROPPED_WORDS: Final = frozenset({"please"})
_WAKE_WORDS: Final = (("hey", "alexa"), ("ok", "alexa"), ("alexa",))

# Words a person puts in front of a custom slot value that entity resolution looks past ("my left calf").
_MODIFIERS: Final = frozenset({"left", "right", "both", "my", "the", "a", "an", "some", "really", "very"})
_MAX_UNKNOWN_WORDS: Final = 3
SEARCH_QUERY: Final = "AMAZON.SearchQuery"
_MAX_BUILT_IN_WORDS: Final[Mapping[str, int]] = {
    "AMAZON.NUMBER": 8,
    "AMAZON.DURATION": 12,
    "AMAZON.DATE": 6,
    SEARCH_QUERY: 40,
}


class InteractionModelError(MuscleCoachError):
    """The interaction model file is missing, malformed, or a resolution does not fit it."""


# --- the ASK interaction model, as data -------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SlotTypeValueName(_Strict):
    value: str
    synonyms: tuple[str, ...] = ()


class SlotTypeValue(_Strict):
    id: str | None = None
    name: SlotTypeValueName


class SlotType(_Strict):
    name: str
    values: tuple[SlotTypeValue, ...]


class IntentSlot(_Strict):
    name: str
    type: str
    samples: tuple[str, ...] = ()


class Intent(_Strict):
    name: str
    slots: tuple[IntentSlot, ...] = ()
    samples: tuple[str, ...] = ()

    def slot(self, name: str) -> IntentSlot | None:
        """The declared slot of that name, or None."""
        return next((slot for slot in self.slots if slot.name == name), None)


class _LanguageModel(_Strict):
    invocation_name: str = Field(alias="invocationName")
    intents: tuple[Intent, ...]
    types: tuple[SlotType, ...] = ()


class _Model(_Strict):
    language_model: _LanguageModel = Field(alias="languageModel")


class InteractionModel(_Strict):
    """An ASK interaction model document: `{"interactionModel": {"languageModel": {...}}}`."""

    interaction_model: _Model = Field(alias="interactionModel")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> InteractionModel:
        """Validate a parsed model document; raises InteractionModelError naming the problem."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise InteractionModelError(f"the interaction model is malformed: {exc}") from exc

    @property
    def invocation_name(self) -> str:
        return self.interaction_model.language_model.invocation_name

    @property
    def intents(self) -> tuple[Intent, ...]:
        return self.interaction_model.language_model.intents

    @property
    def types(self) -> tuple[SlotType, ...]:
        return self.interaction_model.language_model.types

    def intent(self, name: str) -> Intent | None:
        """The intent of that name, or None when the model does not declare it."""
        return next((intent for intent in self.intents if intent.name == name), None)

    def slot_type(self, name: str) -> SlotType | None:
        """The custom slot type of that name, or None."""
        return next((slot_type for slot_type in self.types if slot_type.name == name), None)


def load_interaction_model(path: Path) -> InteractionModel:
    """Read and validate an interaction model file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InteractionModelError(f"cannot read the interaction model {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise InteractionModelError(f"the interaction model {path} is not a JSON object")
    return InteractionModel.from_dict(data)


def model_problems(model: InteractionModel) -> list[str]:
    """Every structural problem ASK would reject or that makes utterances ambiguous; empty when the model is sound."""
    problems: list[str] = []
    if not _INVOCATION.fullmatch(model.invocation_name):
        problems.append(f"invocation name {model.invocation_name!r} must be two or more lower-case words")
    custom_types = {slot_type.name for slot_type in model.types}
    if len(custom_types) != len(model.types):
        problems.append("a custom slot type is declared twice")
    names = [intent.name for intent in model.intents]
    for name in sorted({name for name in names if names.count(name) > 1}):
        problems.append(f"intent {name} is declared twice")
    for required in REQUIRED_BUILT_IN_INTENTS:
        if required not in names:
            problems.append(f"the model lacks the built-in intent {required}")
    sample_owner = {" ".join(phrase.split()): name for name, phrase in _built_in_phrases(model)}
    used_types: set[str] = set()
    for intent in model.intents:
        if not _INTENT_NAME.fullmatch(intent.name):
            problems.append(f"intent name {intent.name!r} is not a valid ASK name")
        slot_names = [slot.name for slot in intent.slots]
        for slot in intent.slots:
            used_types.add(slot.type)
            if not _SLOT_NAME.fullmatch(slot.name):
                problems.append(f"{intent.name}: slot name {slot.name!r} is not a valid ASK name")
            if slot_names.count(slot.name) > 1:
                problems.append(f"{intent.name}: slot {slot.name} is declared twice")
            if not slot.type.startswith("AMAZON.") and slot.type not in custom_types:
                problems.append(f"{intent.name}: slot {slot.name} has the unknown type {slot.type}")
        for sample in intent.samples:
            problems.extend(_sample_problems(intent, sample, set(slot_names)))
            owner = sample_owner.setdefault(" ".join(sample.split()), intent.name)
            if owner != intent.name:
                problems.append(f"sample {sample!r} is in both {owner} and {intent.name}")
            if intent.samples.count(sample) > 1:
                problems.append(f"{intent.name}: sample {sample!r} is listed twice")
    for slot_type in model.types:
        problems.extend(_slot_type_problems(slot_type))
        if slot_type.name not in used_types:
            problems.append(f"slot type {slot_type.name} is not used by any intent")
    return sorted(set(problems))


def _built_in_phrases(model: InteractionModel) -> Iterable[tuple[str, str]]:
    """(intent, phrase) for what Alexa already understands for the built-in intents the model declares."""
    for intent in model.intents:
        for phrase in BUILT_IN_PHRASES.get(intent.name, ()):
            yield intent.name, phrase


def _sample_problems(intent: Intent, sample: str, declared: set[str]) -> list[str]:
    phrase_slot_types = {slot.name: slot.type for slot in intent.slots}
    problems: list[str] = []
    refs = _SLOT_REF.findall(sample)
    literal = _SLOT_REF.sub("", sample)
    where = f"{intent.name}: sample {sample!r}"
    if not sample.strip() or sample != sample.strip() or "  " in sample:
        problems.append(f"{where} has stray spaces or is empty")
    if not _SAMPLE_TEXT.fullmatch(literal) or "{" in literal or "}" in literal:
        problems.append(f"{where} must be lower-case words, apostrophes and periods only")
    for ref in refs:
        if ref not in declared:
            problems.append(f"{where} uses the undeclared slot {{{ref}}}")
    for ref in sorted({ref for ref in refs if refs.count(ref) > 1}):
        problems.append(f"{where} uses {{{ref}}} twice")
    phrase_slots = [ref for ref in refs if phrase_slot_types.get(ref) == SEARCH_QUERY]
    if phrase_slots and not literal.strip():
        # ASK: MissingCarrierPhraseWithPhraseSlot (a phrase slot needs words around it)
        problems.append(f"{where} has a phrase slot and needs a carrier phrase")
    if phrase_slots and len(refs) > 1:
        problems.append(f"{where} puts another slot beside a phrase slot, which ASK does not allow")
    if re.search(r"\}\{", sample) or re.search(r"[a-z'.]\{|\}[a-z'.]", sample):
        problems.append(f"{where} needs a space around each slot")
    return problems


def _slot_type_problems(slot_type: SlotType) -> list[str]:
    problems: list[str] = []
    ids = [value.id for value in slot_type.values]
    if any(value_id is None for value_id in ids):
        problems.append(f"slot type {slot_type.name}: every value needs an id")
    for value_id in sorted({i for i in ids if i is not None and ids.count(i) > 1}):
        problems.append(f"slot type {slot_type.name}: id {value_id} is used twice")
    phrase_owner: dict[str, str | None] = {}
    for value in slot_type.values:
        for phrase in (value.name.value, *value.name.synonyms):
            if not phrase or not _SAMPLE_TEXT.fullmatch(phrase) or phrase != " ".join(phrase.split()):
                problems.append(f"slot type {slot_type.name}: {phrase!r} must be lower-case words")
            key = " ".join(_words(phrase))
            owner = phrase_owner.setdefault(key, value.id)
            if owner != value.id:
                problems.append(
                    f"slot type {slot_type.name}: {phrase!r} belongs to both {owner} and {value.id}"
                )
    return problems


# --- resolutions --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SlotValue:
    """One filled slot: the spoken text (or the normalised value of a built-in type) and its resolution."""

    value: str
    resolved_id: str | None = None
    resolved_name: str | None = None
    status: ResolutionStatus | None = None


@dataclass(frozen=True, slots=True)
class Resolution:
    """What Alexa understood: an intent name and the slots it filled."""

    intent: str
    slots: dict[str, SlotValue] = field(default_factory=dict)


# --- text --------------------------------------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    lowered = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    words = (_CONTRACTIONS.get(word, word) for word in _WORD.findall(lowered))
    return tuple(word for word in words if word not in _DROPPED_WORDS)


def _utterance_words(text: str) -> tuple[str, ...]:
    words = _words(text)
    for wake in _WAKE_WORDS:
        if words[: len(wake)] == wake:
            return words[len(wake) :]
    return words


def normalise_utterance(text: str) -> str:
    """Typed text as the resolver sees it: lower case, no punctuation, no leading "alexa", no "please"."""
    return " ".join(_utterance_words(text))


# --- built-in slot types --------------------------------------------------------------------------------------------

_UNITS: Final[Mapping[str, int]] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS: Final[Mapping[str, int]] = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip


def _below_hundred(words: tuple[str, ...]) -> int | None:
    if len(words) == 1:
        word = words[0]
        if word in _UNITS:
            return _UNITS[word]
        return _TENS.get(word)
    if len(words) == 2 and words[0] in _TENS and words[1] in _UNITS and 0 < _UNITS[words[1]] < 10:
        return _TENS[words[0]] + _UNITS[words[1]]
    return None


def _below_thousand(words: tuple[str, ...]) -> int | None:
    if "hundred" not in words:
        return _below_hundred(words)
    at = words.index("hundred")
    head, rest = words[:at], words[at + 1 :]
    if head == ("a",):
        hundreds = 1
    elif len(head) == 1 and head[0] in _UNITS and 0 < _UNITS[head[0]] < 10:
        hundreds = _UNITS[head[0]]
    else:
        return None
    if rest[:1] == ("and",):
        rest = rest[1:]
        if not rest:
            return None
    if not rest:
        return hundreds * 100
    tail = _below_hundred(rest)
    return None if tail is None else hundreds * 100 + tail


def _number_words(words: tuple[str, ...]) -> int | None:
    if not words:
        return None
    if len(words) == 1 and words[0].isdigit():
        return int(words[0])
    if "thousand" in words:
        at = words.index("thousand")
        head, rest = words[:at], words[at + 1 :]
        thousands = 1 if head == ("a",) else _below_thousand(head)
        if thousands is None or thousands == 0:
            return None
        if rest[:1] == ("and",):
            rest = rest[1:]
            if not rest:
                return None
        tail = _below_thousand(rest) if rest else 0
        return None if tail is None else thousands * 1000 + tail
    return _below_thousand(words)


def parse_number(text: str) -> str | None:
    """AMAZON.NUMBER as Alexa sends it: "two" -> "2", "twenty five" -> "25", digits kept; None if not a number."""
    value = _number_words(_words(text))
    return None if value is None else str(value)


_DURATION_UNITS: Final[Mapping[str, str]] = {
    "second": "S", "seconds": "S", "sec": "S", "secs": "S",
    "minute": "MIN", "minutes": "MIN", "min": "MIN", "mins": "MIN",
    "hour": "H", "hours": "H", "hr": "H", "hrs": "H",
    "day": "D", "days": "D", "week": "W", "weeks": "W", "fortnight": "FORTNIGHT", "fortnights": "FORTNIGHT",
    "month": "MON", "months": "MON", "year": "Y", "years": "Y",
}  # fmt: skip
# Half of a unit, in smaller units (Alexa speaks "an hour and a half" as PT1H30M).
_HALF_OF: Final[Mapping[str, tuple[tuple[str, int], ...]]] = {
    "MIN": (("S", 30),),
    "H": (("MIN", 30),),
    "D": (("H", 12),),
    "W": (("D", 3), ("H", 12)),
    "MON": (("D", 15),),
    "Y": (("MON", 6),),
}
_APPROXIMATELY: Final = (
    ("just", "over"), ("just", "under"), ("a", "little", "over"), ("a", "bit", "over"), ("a", "little", "under"),
    ("more", "than"), ("less", "than"), ("at", "least"), ("about",), ("around",), ("roughly",), ("nearly",),
    ("almost",), ("approximately",), ("like",), ("over",), ("under",), ("only",), ("just",), ("maybe",),
    ("probably",), ("a", "good"),
)  # fmt: skip
_ISO_ORDER: Final = (("Y", "Y"), ("MON", "M"), ("W", "W"), ("D", "D"))
_ISO_TIME_ORDER: Final = (("H", "H"), ("MIN", "M"), ("S", "S"))


def _quantity(words: tuple[str, ...]) -> int | None:
    if words in (("a",), ("an",)):
        return 1
    if words in (("a", "couple", "of"), ("couple", "of"), ("a", "couple")):
        return 2
    return _number_words(words)


def _add(parts: dict[str, int], unit: str, amount: int, half: bool) -> bool:
    if unit == "FORTNIGHT":
        unit, amount = "W", amount * 2
        if half:
            parts["W"] = parts.get("W", 0) + amount
            parts["D"] = parts.get("D", 0) + 7
            return True
    parts[unit] = parts.get(unit, 0) + amount
    if half:
        if unit not in _HALF_OF:
            return False
        for smaller, extra in _HALF_OF[unit]:
            parts[smaller] = parts.get(smaller, 0) + extra
    return True


def _duration_component(words: tuple[str, ...], parts: dict[str, int]) -> bool:
    """One "<quantity> <unit>" piece, with the halves people say; adds it to parts."""
    if len(words) >= 3 and words[0] == "half" and words[1] in ("an", "a") and words[2] in _DURATION_UNITS:
        return len(words) == 3 and _add(parts, _DURATION_UNITS[words[2]], 0, half=True)
    unit_at = next((i for i, word in enumerate(words) if word in _DURATION_UNITS), None)
    if unit_at is None or unit_at == 0:
        return False
    head, unit, tail = words[:unit_at], _DURATION_UNITS[words[unit_at]], words[unit_at + 1 :]
    half = False
    if head[-3:] == ("and", "a", "half"):
        head, half = head[:-3], True
    if tail == ("and", "a", "half"):
        tail, half = (), True
    if tail:
        return False
    amount = _quantity(head)
    return amount is not None and _add(parts, unit, amount, half)


def _split_components(words: tuple[str, ...]) -> list[tuple[str, ...]] | None:
    """Split "two hours and thirty minutes" into its pieces, keeping "and a half" with its unit."""
    pieces: list[tuple[str, ...]] = []
    current: list[str] = []
    for i, word in enumerate(words):
        if word == "and" and not current:
            continue
        current.append(word)
        unit_ends = word in _DURATION_UNITS and words[i + 1 : i + 4] != ("and", "a", "half")
        half_ends = current[-3:] == ["and", "a", "half"] and any(w in _DURATION_UNITS for w in current)
        if unit_ends or half_ends:
            pieces.append(tuple(current))
            current = []
    return None if current else pieces


def parse_duration(text: str) -> str | None:
    """AMAZON.DURATION as Alexa sends it (ISO-8601): "two hours" -> "PT2H", "six weeks" -> "P6W"; None otherwise."""
    words = _words(text)
    for prefix in _APPROXIMATELY:
        if words[: len(prefix)] == prefix and len(words) > len(prefix):
            words = words[len(prefix) :]
            break
    pieces = _split_components(words) if words else None
    if not pieces:
        return None
    parts: dict[str, int] = {}
    for piece in pieces:
        if not _duration_component(piece, parts):
            return None
    if not any(parts.values()):
        return None
    period = "".join(f"{parts[key]}{designator}" for key, designator in _ISO_ORDER if parts.get(key))
    time = "".join(f"{parts[key]}{designator}" for key, designator in _ISO_TIME_ORDER if parts.get(key))
    return "P" + period + ("T" + time if time else "")


_WEEKDAYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def parse_date(text: str, today: date) -> str | None:
    """AMAZON.DATE as Alexa sends it for the past people talk about: a day, an ISO week, a month or a year."""
    words = _words(text)
    if words[:1] == ("on",):
        words = words[1:]
    simple = {
        ("today",): today,
        ("this", "morning"): today,
        ("this", "afternoon"): today,
        ("this", "evening"): today,
        ("earlier", "today"): today,
        ("tonight",): today,
        ("yesterday",): today - timedelta(days=1),
        ("last", "night"): today - timedelta(days=1),
        ("yesterday", "morning"): today - timedelta(days=1),
        ("yesterday", "afternoon"): today - timedelta(days=1),
        ("yesterday", "evening"): today - timedelta(days=1),
        ("the", "day", "before", "yesterday"): today - timedelta(days=2),
        ("tomorrow",): today + timedelta(days=1),
    }
    if words in simple:
        return simple[words].isoformat()
    periods = {
        ("this", "week"): _iso_week(today),
        ("last", "week"): _iso_week(today - timedelta(weeks=1)),
        ("this", "weekend"): _iso_week(today) + "-WE",
        ("last", "weekend"): _iso_week(today - timedelta(weeks=1)) + "-WE",
        ("the", "weekend"): _iso_week(today - timedelta(weeks=1)) + "-WE",
        ("this", "month"): today.strftime("%Y-%m"),
        ("last", "month"): _months_back(today, 1).strftime("%Y-%m"),
        ("this", "year"): str(today.year),
        ("last", "year"): str(today.year - 1),
    }
    if words in periods:
        return periods[words]
    weekday = words[-1] if words and words[-1] in _WEEKDAYS else None
    if weekday is not None and words[:-1] in ((), ("last",), ("this", "past")):
        back = (today.weekday() - _WEEKDAYS.index(weekday)) % 7 or 7
        return (today - timedelta(days=back)).isoformat()
    if len(words) >= 3 and words[-1] == "ago":
        amount = _quantity(words[:-2])
        unit = _DURATION_UNITS.get(words[-2])
        if amount is None or unit is None:
            return None
        if unit == "D":
            return (today - timedelta(days=amount)).isoformat()
        if unit in ("W", "FORTNIGHT"):
            return (today - timedelta(weeks=amount * (2 if unit == "FORTNIGHT" else 1))).isoformat()
        if unit == "MON":
            return _months_back(today, amount).isoformat()
        if unit == "Y":
            return _months_back(today, 12 * amount).isoformat()
    return None


# --- compiled samples -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _SlotRef:
    name: str
    type: str


@dataclass(frozen=True, slots=True)
class _Pattern:
    intent: str
    parts: tuple[str | _SlotRef, ...]
    literals: frozenset[str]
    literal_count: int
    allows_unknown: bool
    order: int


@dataclass(frozen=True, slots=True)
class _Capture:
    slot: str
    value: SlotValue


# A parse's score, compared as a tuple: fewer unknown captures, more known ones, fewer unknown words.
_Score = tuple[int, int, int]
_Parse = tuple[_Score, tuple[_Capture, ...]]
_NOTHING: Final[_Score] = (0, 0, 0)


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    """A custom slot type's values and synonyms, by their words."""

    phrases: Mapping[tuple[str, ...], tuple[str, str]]
    longest: int

    @classmethod
    def of(cls, slot_type: SlotType) -> _Vocabulary:
        phrases: dict[tuple[str, ...], tuple[str, str]] = {}
        for value in slot_type.values:
            resolved = (value.id or value.name.value, value.name.value)
            for phrase in (value.name.value, *value.name.synonyms):
                phrases.setdefault(_words(phrase), resolved)
        return cls(phrases=phrases, longest=max((len(p) for p in phrases), default=0))

    def lookup(self, words: tuple[str, ...]) -> tuple[str, str] | None:
        found = self.phrases.get(words)
        while found is None and len(words) > 1 and words[0] in _MODIFIERS:
            words = words[1:]
            found = self.phrases.get(words)
        return found


def _compile(intent: str, sample: str, slot_types: Mapping[str, str], order: int) -> _Pattern:
    parts: list[str | _SlotRef] = []
    for piece in re.split(r"(\{[^{}]*\})", sample):
        ref = _SLOT_REF.fullmatch(piece)
        if ref is None:
            parts.extend(_words(piece))
            continue
        name = ref.group(1)
        if name not in slot_types:
            raise InteractionModelError(f"{intent}: sample {sample!r} uses the undeclared slot {{{name}}}")
        parts.append(_SlotRef(name, slot_types[name]))
    literals = [part for part in parts if isinstance(part, str)]
    return _Pattern(
        intent=intent,
        parts=tuple(parts),
        literals=frozenset(literals),
        literal_count=len(literals),
        allows_unknown=bool(literals),
        order=order,
    )


class UtteranceResolver:
    """Resolves typed utterances against one interaction model; samples are compiled once, at construction."""

    __slots__ = ("_by_first_word", "_floating", "_today", "_vocabularies", "model")

    def __init__(self, model: InteractionModel, *, today: Callable[[], date] = date.today) -> None:
        self.model = model
        self._today = today
        self._vocabularies = {slot_type.name: _Vocabulary.of(slot_type) for slot_type in model.types}
        patterns: list[_Pattern] = []
        for intent in model.intents:
            slot_types = {slot.name: slot.type for slot in intent.slots}
            for sample in intent.samples:
                patterns.append(_compile(intent.name, sample, slot_types, len(patterns)))
        for intent in model.intents:
            for phrase in BUILT_IN_PHRASES.get(intent.name, ()):
                patterns.append(_compile(intent.name, phrase, {}, len(patterns)))
        # Index patterns that start with a literal by that word; the rest are tried for every utterance.
        self._by_first_word: dict[str, list[_Pattern]] = {}
        self._floating: list[_Pattern] = []
        for pattern in patterns:
            first = pattern.parts[0] if pattern.parts else None
            if isinstance(first, str):
                self._by_first_word.setdefault(first, []).append(pattern)
            else:
                self._floating.append(pattern)

    @classmethod
    def from_model(
        cls, model: Mapping[str, Any], *, today: Callable[[], date] = date.today
    ) -> UtteranceResolver:
        """A resolver over a parsed model document (the JSON object)."""
        return cls(InteractionModel.from_dict(model), today=today)

    @classmethod
    def from_model_file(cls, path: Path, *, today: Callable[[], date] = date.today) -> UtteranceResolver:
        """A resolver over an interaction model file, e.g. `interaction_models/en-US.json`."""
        return cls(load_interaction_model(path), today=today)

    def resolve(self, text: str) -> Resolution:
        """The intent and slots Alexa would send for this utterance; AMAZON.FallbackIntent when nothing fits."""
        words = _utterance_words(text)
        if not words:
            return Resolution(FALLBACK_INTENT)
        present = frozenset(words)
        today = self._today()
        best: tuple[tuple[int, int, int, int], _Pattern, tuple[_Capture, ...]] | None = None
        for pattern in (*self._by_first_word.get(words[0], ()), *self._floating):
            if not pattern.literals <= present or len(pattern.parts) > len(words):
                continue
            parsed = self._match(pattern, words, today)
            if parsed is None:
                continue
            (unknowns, knowns, unknown_words), captures = parsed
            # Most specific first: literal words count for a match and each unknown phrase twice against it.
            key = (pattern.literal_count + 2 * unknowns, knowns, unknown_words, -pattern.order)
            if best is None or key > best[0]:
                best = (key, pattern, captures)
        if best is None:
            return Resolution(FALLBACK_INTENT)
        _, pattern, captures = best
        return Resolution(pattern.intent, {capture.slot: capture.value for capture in captures})

    def _match(self, pattern: _Pattern, words: tuple[str, ...], today: date) -> _Parse | None:
        parts = pattern.parts
        memo: dict[tuple[int, int], _Parse | None] = {}

        def match_from(part_at: int, word_at: int) -> _Parse | None:
            if part_at == len(parts):
                return (_NOTHING, ()) if word_at == len(words) else None
            key = (part_at, word_at)
            if key in memo:
                return memo[key]
            part = parts[part_at]
            result: _Parse | None = None
            if isinstance(part, str):
                if word_at < len(words) and words[word_at] == part:
                    result = match_from(part_at + 1, word_at + 1)
            else:
                longest = min(len(words) - word_at - (len(parts) - part_at - 1), self._max_words(part))
                for end in range(word_at + longest, word_at, -1):
                    capture = self._capture(part, words[word_at:end], pattern.allows_unknown, today)
                    if capture is None:
                        continue
                    rest = match_from(part_at + 1, end)
                    if rest is None:
                        continue
                    score = tuple(a + b for a, b in zip(capture[0], rest[0], strict=True))
                    candidate: _Parse = ((score[0], score[1], score[2]), (capture[1], *rest[1]))
                    if result is None or candidate[0] > result[0]:
                        result = candidate
            memo[key] = result
            return result

        return match_from(0, 0)

    def _max_words(self, ref: _SlotRef) -> int:
        vocabulary = self._vocabularies.get(ref.type)
        if vocabulary is not None:
            return max(vocabulary.longest + 2, _MAX_UNKNOWN_WORDS)
        return _MAX_BUILT_IN_WORDS.get(ref.type, _MAX_UNKNOWN_WORDS)

    def _capture(
        self, ref: _SlotRef, words: tuple[str, ...], allows_unknown: bool, today: date
    ) -> tuple[_Score, _Capture] | None:
        spoken = " ".join(words)
        vocabulary = self._vocabularies.get(ref.type)
        if vocabulary is not None:
            found = vocabulary.lookup(words)
            if found is not None:
                value = SlotValue(
                    spoken, resolved_id=found[0], resolved_name=found[1], status="ER_SUCCESS_MATCH"
                )
                return (0, 1, 0), _Capture(ref.name, value)
            if allows_unknown and len(words) <= _MAX_UNKNOWN_WORDS:
                return (-1, 0, -len(words)), _Capture(
                    ref.name, SlotValue(spoken, status="ER_SUCCESS_NO_MATCH")
                )
            return None
        if ref.type == SEARCH_QUERY:
            # A phrase slot takes whatever follows its carrier phrase, as it was said, with no resolution; it
            # counts against a sample as an unknown phrase does, so any sample that fits the words better wins; on a
            # tie with a custom slot of unknown words it wins, as free text is what a phrase slot is for.
            return (-1, 0, 0), _Capture(ref.name, SlotValue(spoken))
        normalised = _built_in_value(ref.type, spoken, today)
        if normalised is None:
            return None
        return (0, 1, 0), _Capture(ref.name, SlotValue(normalised))


def _built_in_value(slot_type: str, spoken: str, today: date) -> str | None:
    if slot_type == "AMAZON.NUMBER":
        return parse_number(spoken)
    if slot_type == "AMAZON.DURATION":
        return parse_duration(spoken)
    if slot_type == "AMAZON.DATE":
        return parse_date(spoken, today)
    return None
