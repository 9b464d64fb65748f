"""Turns what the user said (resolved slot values, yes, no, "don't know") into engine facts; never speaks.

Values are interpreted in the light of the question pending, so "barely anything" means something different
after "did you drink much?" than after "did you have a lot of caffeine?".
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

from skill.engine import MUSCLES, WORKOUT, Facts, FactValue
from skill.knowledge import KnowledgeBase, Question

if TYPE_CHECKING:
    from skill.dialogue.reader import Heard

__all__ = [
    "WORDS",
    "SlotValue",
    "Understood",
    "answer_yes_no",
    "hearable_findings",
    "iso_duration_minutes",
    "understand_slots",
]

_MINUTES = {"Y": 525600.0, "M": 43200.0, "W": 10080.0, "D": 1440.0}
_TIME_MINUTES = {"H": 60.0, "M": 1.0, "S": 1.0 / 60.0}
_DURATION = re.compile(
    r"^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)
_DAY = 1440.0

# Simple slot types: slot -> {id: {finding: value}}.
_FLAGS: dict[str, dict[str, dict[str, bool]]] = {
    "condition": {"hot": {"hot_conditions": True}, "cool": {"hot_conditions": False}},
    "hydration": {
        "little": {"drank_little": True},
        "plenty": {"drank_little": False},
        "lots": {"drank_little": False, "drank_lots": True},
    },
    "fuel": {"fasted": {"fasted": True}, "ate": {"fasted": False}},
    "warmup": {"skipped": {"skipped_warmup": True}, "did": {"skipped_warmup": False}},
}
_REPLIES = {"yes": True, "no": False}
WORDS = "words"  # the free-text capture (AMAZON.SearchQuery) behind carrier phrases
_AMOUNT_MEANS_YES = {"none": False, "little": False, "some": True, "lots": True}


class SlotValue(NamedTuple):
    """One filled slot: the entity-resolution id (None when Alexa found no match) and the value as sent."""

    id: str | None
    value: str | None


class Understood(NamedTuple):
    updates: dict[str, FactValue]
    unresolved: tuple[str, ...]  # slot names with a value we could not use
    reply: bool | None = None  # a yes or no said with the details ("yes, my arms are weak")
    denied: tuple[str, ...] = ()  # findings said as absent ("not dizzy"): a no about them, not the question
    free_text: bool = False  # some of it came as raw words the skill read itself
    complaint: bool = False  # the raw words named twitching, a spasm or a cramp

    @property
    def anything(self) -> bool:
        return bool(self.updates) or self.reply is not None


def iso_duration_minutes(text: str | None) -> float | None:
    """Minutes in an ISO-8601 duration as Alexa sends it (PT2H, PT1H30M, P6W); None if it is not one."""
    if not text:
        return None
    match = _DURATION.match(text.strip().upper())
    if not match or not any(match.groups()):
        return None
    years, months, weeks, days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return (
        years * _MINUTES["Y"]
        + months * _MINUTES["M"]
        + weeks * _MINUTES["W"]
        + days * _MINUTES["D"]
        + hours * _TIME_MINUTES["H"]
        + minutes * _TIME_MINUTES["M"]
        + seconds * _TIME_MINUTES["S"]
    )


def understand_slots(
    kb: KnowledgeBase,
    slots: Mapping[str, SlotValue],
    facts: Facts,
    pending: Question | None,
    today: dt.date,
) -> Understood:
    """Facts from every filled slot; volunteered details are all used (over-answering)."""
    updates: dict[str, FactValue] = {}
    unresolved: list[str] = []
    reply: bool | None = None

    def use(name: str, ok: bool) -> None:
        if not ok:
            unresolved.append(name)

    for name, slot in slots.items():
        if slot.id is None and not slot.value:
            continue
        if name in _FLAGS:
            mapping = _FLAGS[name].get(slot.id or "")
            if mapping:
                updates.update(mapping)
            use(name, mapping is not None)
        elif name == "reply":
            reply = _REPLIES.get(slot.id or "")
            use(name, reply is not None)
        elif name == "muscle":
            ok = slot.id in kb.muscles
            if ok:
                known = updates.get(MUSCLES, facts.muscles())
                assert isinstance(known, tuple)
                updates[MUSCLES] = (*known, str(slot.id))
            use(name, ok)
        elif name == "workout":
            ok = slot.id in kb.workouts
            if ok:
                updates[WORKOUT] = slot.id
            use(name, ok)
        elif name in ("symptom", "symptom_two"):
            found = kb.symptoms.get(slot.id or "")
            for finding in found or ():
                updates[finding] = True
            use(name, found is not None)
        elif name == "caffeine":
            mg = kb.caffeine_mg.get(slot.id or "")
            if mg is not None:
                count = _number(slots.get("count"))
                updates["caffeine_mg"] = min(mg * (count if count is not None else 1.0), 5000.0)
                updates.update(_caffeine_signs(kb, slot.id or "", count))
            use(name, mg is not None)
        elif name == "duration":
            minutes = iso_duration_minutes(slot.value)
            if minutes is not None:
                if (pending is not None and pending.kind == "screen") or minutes >= _DAY:
                    updates["twitch_days"] = min(minutes / _DAY, 3650.0)
                else:
                    updates["workout_minutes"] = minutes
            use(name, minutes is not None)
        elif name == "since":
            minutes = iso_duration_minutes(slot.value)
            if minutes is not None:
                updates["twitch_days"] = min(minutes / _DAY, 3650.0)
            use(name, minutes is not None)
        elif name == "since_date":
            days = _days_since(slot.value, today)
            if days is not None:
                updates["twitch_days"] = days
            use(name, days is not None)
        elif name == "milligrams":  # "about 800 milligrams": an amount of caffeine said outright
            ok = slot.value is not None and slot.value.isdigit() and 0 < int(slot.value) <= 5000
            if ok:
                updates["caffeine_mg"] = float(slot.value or 0)
            use(name, ok)
        elif name == "amount":
            answer = _AMOUNT_MEANS_YES.get(slot.id or "")
            if slot.id == "little" and pending is not None and pending.a_little_means_yes:
                answer = True
            ok = answer is not None and pending is not None and pending.kind == "cause"
            if ok and pending is not None and answer is not None:
                updates.update(answer_yes_no(pending, answer))
            use(name, ok)
    said: list[tuple[str, str, str]] = [  # (slot, id, words) of everything understood, for located symptoms
        (name.removesuffix("_two"), slot.id, (slot.value or "").lower())
        for name, slot in slots.items()
        if slot.id is not None and name in ("muscle", "symptom", "symptom_two")
    ]
    raw = [slot.value for name, slot in slots.items() if slot.value and (slot.id is None or name == WORDS)]
    complaint = False
    denied_now: set[str] = set()
    if raw:
        # Imported only when there are raw words to read: a launch or a plain yes never pays for the reader.
        from skill.dialogue.reader import read_words
    for text in raw:
        for heard in read_words(kb, text or ""):
            if heard.slot == "reply":
                reply = reply if reply is not None else _REPLIES.get(heard.id or "")
            elif heard.slot == "correction":  # "no, actually yes": the yes or no said again is the answer
                reply = _REPLIES.get(heard.id or "", reply)
            elif heard.slot == "complaint":
                complaint = True
            else:
                _use_heard(kb, heard, updates, facts, pending)
                if heard.id is not None and not heard.negated:
                    said.append((heard.slot, heard.id, heard.said))
                elif heard.negated and heard.slot == "symptom":
                    denied_now.update(kb.symptoms.get(heard.id or "", ()))
    reply = _answered_by_words(pending, slots, reply)
    located, replaced = _located(kb, said)
    for finding in replaced:
        if updates.get(finding) is True:
            del updates[finding]
    updates.update(located)
    # a symptom the model resolved ("sore") says what the complaint is; unmatched words in a report sample
    # that names the twitching ("... are twitching after my walk, I'm 80") do not
    symptom_said = any(
        name in ("symptom", "symptom_two") and slot.id is not None for name, slot in slots.items()
    )
    return Understood(
        updates,
        tuple(unresolved),
        reply,
        denied=tuple(key for key, value in updates.items() if value is False and key in denied_now),
        # words a report sample did not frame (the phrase slot, a symptom) decide the scope; an unmatched muscle
        # inside "my ... are twitching" does not
        free_text=bool(slots.get(WORDS, SlotValue(None, None)).value) or symptom_said,
        complaint=complaint or updates.get("cramping") is True,
    )


def _located(kb: KnowledgeBase, said: list[tuple[str, str, str]]) -> tuple[dict[str, FactValue], set[str]]:
    """Findings a symptom sets when it is said together with a muscle it means more in ("my chest is tight"),
    and the symptom's own findings those replace."""
    symptoms = {value for slot, value, _ in said if slot == "symptom"}
    muscles = [(value, _plain(words)) for slot, value, words in said if slot == "muscle"]
    found: dict[str, FactValue] = {}
    replaced: set[str] = set()
    for rule in kb.located_symptoms:
        if rule.symptom in symptoms and any(
            muscle == rule.muscle and (not rule.said or words in {_plain(s) for s in rule.said})
            for muscle, words in muscles
        ):
            found.update(dict.fromkeys(rule.sets, True))
            if rule.replaces:
                others = {f for s in symptoms if s != rule.symptom for f in kb.symptoms.get(s, ())}
                replaced.update(f for f in kb.symptoms.get(rule.symptom, ()) if f not in others)
    return found, replaced


def _answered_by_words(
    pending: Question | None, slots: Mapping[str, SlotValue], reply: bool | None
) -> bool | None:
    """The pending question's own answer words decide it, whatever yes or no came with them: "yes, it has
    settled" is a no to "is your heart still racing?" (questions.yaml: yes_when_said, no_when_said)."""
    if pending is None or not (pending.yes_when_said or pending.no_when_said):
        return reply
    text = " " + " ".join((slot.value or "").lower().replace("\u2019", "'") for slot in slots.values()) + " "
    if any(f" {words} " in text for words in pending.yes_when_said):
        return True
    if any(f" {words} " in text for words in pending.no_when_said):
        return False
    return reply


def _use_heard(
    kb: KnowledgeBase, heard: Heard, updates: dict[str, FactValue], facts: Facts, pending: Question | None
) -> None:
    """What one phrase found in raw words tells the engine, as a slot value would (or its opposite, when negated)."""
    slot, value_id = heard.slot, heard.id or ""
    if slot in _FLAGS:
        mapping = _FLAGS[slot].get(value_id)
        if mapping:
            updates.update({k: (not v) if heard.negated else v for k, v in mapping.items()})
    elif heard.negated:
        if slot == "caffeine":  # "I don't drink coffee"
            updates.setdefault("caffeine_mg", 0.0)
        if slot == "muscle" and value_id in kb.muscles:  # "my arms, not my legs": a correction
            known = updates.get(MUSCLES, facts.muscles())
            assert isinstance(known, tuple)
            updates[MUSCLES] = tuple(m for m in known if m != value_id)
        if slot == "symptom":
            for finding in kb.symptoms.get(value_id, ()):
                if not kb.findings[finding].is_evidence or finding not in updates:
                    updates.setdefault(finding, False)
    elif slot == "muscle" and value_id in kb.muscles:
        known = updates.get(MUSCLES, facts.muscles())
        assert isinstance(known, tuple)
        updates[MUSCLES] = (*known, value_id)
    elif slot == "workout" and value_id in kb.workouts:
        updates.setdefault(WORKOUT, value_id)
    elif slot == "symptom":
        for finding in kb.symptoms.get(value_id, ()):
            updates[finding] = True
    elif slot == "caffeine" and value_id in kb.caffeine_mg:
        count = heard.servings if heard.servings is not None and 0 < heard.servings <= 50 else 1.0
        total = min(kb.caffeine_mg[value_id] * count + _number_of(updates.get("caffeine_mg")), 5000.0)
        updates["caffeine_mg"] = total
        updates.update(_caffeine_signs(kb, value_id, count))
    elif slot == "caffeine_mg" and heard.servings is not None:
        updates["caffeine_mg"] = min(heard.servings, 5000.0)
    elif slot == "duration" and heard.minutes is not None:
        if heard.of == "twitch" or (pending is not None and pending.kind == "screen"):
            updates["twitch_days"] = min(heard.minutes / _DAY, 3650.0)
        elif heard.of == "cramp":
            updates["cramp_minutes"] = min(heard.minutes, 1440.0)
        else:
            updates["workout_minutes"] = min(heard.minutes, 1440.0)


def _plain(words: str) -> str:
    """A muscle as named, without the possessive or article ("one of my calves" and "one of calves" meet)."""
    return " ".join(w for w in words.lower().split() if w not in ("my", "the", "a"))


def _caffeine_signs(kb: KnowledgeBase, source: str, count: float | None) -> dict[str, FactValue]:
    """Findings a caffeine source sets from so many servings on (pills and powder at once; energy drinks at three)."""
    at_count, findings = kb.caffeine_sets.get(source, (1, ()))
    return dict.fromkeys(findings, True) if (count or 1.0) >= at_count else {}


def _number_of(value: FactValue) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def answer_yes_no(question: Question, said_yes: bool | None) -> dict[str, FactValue]:
    """The fact a yes, a no, or a "don't know" (None) gives the question's finding."""
    if said_yes is None:
        return {question.finding: None}
    return {question.finding: question.yes if said_yes else question.no}


def _number(slot: SlotValue | None) -> float | None:
    if slot is None or not slot.value:
        return None
    try:
        number = float(slot.value)
    except ValueError:
        return None
    return number if 0 < number <= 50 else None


_WEEK = re.compile(r"^(\d{4})-W(\d{2})(-WE)?$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


def _days_since(value: str | None, today: dt.date) -> float | None:
    """Days from the start of what AMAZON.DATE sent (a day, a week, a weekend, a month or a year) to today."""
    if not value:
        return None
    try:
        then = _start_of(value)
    except ValueError:
        return None
    if then is None:
        return None
    days = (today - then).days
    return float(days) if 0 <= days <= 3650 else None


def _start_of(value: str) -> dt.date | None:
    if week := _WEEK.match(value):
        weekday = 6 if week.group(3) else 1  # a weekend starts on its Saturday
        return dt.date.fromisocalendar(int(week.group(1)), int(week.group(2)), weekday)
    if month := _MONTH.match(value):
        return dt.date(int(month.group(1)), int(month.group(2)), 1)
    if year := _YEAR.match(value):
        return dt.date(int(year.group(1)), 1, 1)
    return dt.date.fromisoformat(value) if len(value) == 10 else None


# Quantities the dialogue can hear: caffeine from the caffeine slot, durations from the duration slots or raw words.
_HEARD_QUANTITIES = frozenset({"caffeine_mg", "workout_minutes", "twitch_days", "cramp_minutes"})


def hearable_findings(kb: KnowledgeBase) -> frozenset[str]:
    """Every finding some answer can set: a question's, a heard symptom's (the lexicon's words for it, or a
    symptom said of a muscle), a slot's, a caffeine source's, a workout's, a quantity's derivation, and the
    habitual pattern the history gives. A red flag whose signs are not all here can never fire."""
    symptom_ids = {
        value.id for entry in kb.lexicon.values() if entry.slot == "symptom" for value in entry.values
    }
    found: set[str] = {question.finding for question in kb.questions.values()}
    found.update(f for symptom in symptom_ids for f in kb.symptoms.get(symptom, ()))
    found.update(f for rule in kb.located_symptoms if rule.symptom in symptom_ids for f in rule.sets)
    found.update(f for mapping in _FLAGS.values() for values in mapping.values() for f in values)
    found.update(f for _, sets in kb.caffeine_sets.values() for f in sets)
    found.update(f for workout in kb.workouts.values() for f in (workout.implies or {}))
    found.update(d.finding for d in kb.derivations if d.quantity in _HEARD_QUANTITIES)
    found.add("habitual")  # from the history store: the Nth episode in the window (dialogue.flow)
    return frozenset(found)
