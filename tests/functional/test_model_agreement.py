"""The interaction model, the handlers and the knowledge base agree: every intent Alexa can send is handled,
every handled intent is in the model, and every slot value id the model resolves means something to the skill."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from skill.dialogue.understand import SlotValue, understand_slots
from skill.engine import Facts
from skill.handlers import intents
from skill.handlers.turns import INTENT_TURNS
from skill.knowledge import KnowledgeBase, load_knowledge_base
from skill.local.envelopes import intent_request
from skill.local.resolver import (
    IntentSlot,
    InteractionModel,
    Resolution,
    SlotType,
    UtteranceResolver,
    load_interaction_model,
)

if TYPE_CHECKING:
    from conftest import Converse

__all__: list[str] = []

MODEL_PATH = Path(__file__).resolve().parents[2] / "interaction_models" / "en-US.json"
TODAY = dt.date(2026, 3, 2)


@pytest.fixture(scope="module")
def model() -> InteractionModel:
    return load_interaction_model(MODEL_PATH)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


def custom_type(model: InteractionModel, name: str) -> SlotType:
    slot_type = model.slot_type(name)
    assert slot_type is not None, f"the model has no slot type {name}"
    return slot_type


def value_ids(model: InteractionModel, name: str) -> set[str]:
    return {value.id or value.name.value for value in custom_type(model, name).values}


def test_every_intent_in_the_model_has_a_handler(model: InteractionModel) -> None:
    in_model = {intent.name for intent in model.intents}

    assert in_model - set(INTENT_TURNS) == set()


def test_every_handled_intent_is_in_the_model(model: InteractionModel) -> None:
    in_model = {intent.name for intent in model.intents}

    assert set(INTENT_TURNS) - in_model == set()
    assert intents.HANDLED_INTENTS - in_model == set()


def test_every_intent_in_the_model_reaches_its_own_turn_not_the_fallback(
    model: InteractionModel, converse: Converse
) -> None:
    """An intent that only matched the catch-all handler would answer "sorry, I didn't catch that"."""
    fallback_speech = converse().say("purple monkey dishwasher").speech
    assert "didn't catch that" in fallback_speech
    for intent in model.intents:
        if intent.name in (intents.FALLBACK, intents.ANSWER, intents.REPORT):
            # the fallback is the catch-all itself; an answer or a report that says nothing, while a question is
            # pending, is one too
            continue
        conversation = converse()
        conversation.say("my calves are twitching after my run")
        request = intent_request(conversation.session, Resolution(intent.name), model)

        reply = conversation.send(request, f"<{intent.name}>")

        assert reply.problems() == [], intent.name
        assert "didn't catch that" not in reply.speech, intent.name


def test_the_handlers_slot_types_are_the_models(model: InteractionModel) -> None:
    for intent_name in (intents.REPORT, intents.ANSWER):
        intent = model.intent(intent_name)
        assert intent is not None
        for slot in intent.slots:
            if slot.type.startswith("AMAZON."):
                continue
            assert intents.SLOT_TYPES.get(slot.name) == slot.type, f"{intent_name}.{slot.name}"
    declared = {slot.name for name in (intents.REPORT, intents.ANSWER) for slot in _slots(model, name)}
    assert set(intents.SLOT_TYPES) <= declared


def _slots(model: InteractionModel, intent_name: str) -> tuple[IntentSlot, ...]:
    intent = model.intent(intent_name)
    assert intent is not None
    return intent.slots


def test_every_muscle_id_is_a_knowledge_base_muscle(model: InteractionModel, kb: KnowledgeBase) -> None:
    assert value_ids(model, "MuscleType") == set(kb.muscles)


def test_every_workout_id_is_a_knowledge_base_workout(model: InteractionModel, kb: KnowledgeBase) -> None:
    assert value_ids(model, "WorkoutType") == set(kb.workouts)


def test_every_caffeine_id_has_a_caffeine_amount(model: InteractionModel, kb: KnowledgeBase) -> None:
    assert value_ids(model, "CaffeineType") == set(kb.caffeine_mg)


def test_every_symptom_id_names_knowledge_base_findings(model: InteractionModel, kb: KnowledgeBase) -> None:
    assert value_ids(model, "SymptomType") == set(kb.symptoms)
    for symptom, findings in kb.symptoms.items():
        assert set(findings) <= set(kb.findings), symptom


# Slots whose values mean the same whatever question is pending.
CONTEXT_FREE_SLOTS = ("muscle", "workout", "condition", "hydration", "fuel", "caffeine", "warmup", "symptom")


@pytest.mark.parametrize("slot_name", CONTEXT_FREE_SLOTS)
def test_every_value_of_a_slot_becomes_a_fact(
    slot_name: str, model: InteractionModel, kb: KnowledgeBase
) -> None:
    """Each id the model can resolve, sent in its slot, gives the engine a valid fact: none is silently dropped."""
    type_name = intents.SLOT_TYPES[slot_name]
    for value in custom_type(model, type_name).values:
        slot = SlotValue(id=value.id, value=value.name.value)

        understood = understand_slots(kb, {slot_name: slot}, Facts(), None, TODAY)

        assert understood.unresolved == (), f"{type_name} id {value.id!r} means nothing to the dialogue"
        assert understood.updates, f"{type_name} id {value.id!r} gives no fact"
        Facts().with_values(kb, understood.updates)  # raises FactError for an unknown finding or a bad value


def test_every_amount_answers_a_cause_question(model: InteractionModel, kb: KnowledgeBase) -> None:
    question = kb.questions["drink"]
    said: dict[str | None, object] = {}
    for value in custom_type(model, "AmountType").values:
        understood = understand_slots(
            kb, {"amount": SlotValue(id=value.id, value=value.name.value)}, Facts(), question, TODAY
        )

        assert understood.updates, f"AmountType id {value.id!r} gives no answer"
        said[value.id] = understood.updates[question.finding]
    assert said["none"] is True and said["little"] is True, "barely anything to drink means you drank little"
    assert said["lots"] is False


@pytest.mark.parametrize(
    ("slot_name", "value", "fact"),
    [
        ("duration", "PT1H30M", "workout_minutes"),
        ("since", "P3W", "twitch_days"),
        ("since_date", "2026-02-01", "twitch_days"),
    ],
)
def test_the_built_in_slots_become_quantities(
    slot_name: str, value: str, fact: str, model: InteractionModel, kb: KnowledgeBase
) -> None:
    report = model.intent(intents.REPORT)
    assert report is not None and report.slot(slot_name) is not None

    understood = understand_slots(kb, {slot_name: SlotValue(id=None, value=value)}, Facts(), None, TODAY)

    assert fact in understood.updates
    assert fact in kb.quantities


@pytest.mark.parametrize(
    ("said", "days"),
    [
        ("since yesterday", 1.0),
        ("since last week", None),
        ("since last weekend", None),
        ("since last month", None),
        ("since last year", None),
    ],
)
def test_every_kind_of_date_alexa_sends_counts_the_days_since_it_started(
    said: str, days: float | None, model: InteractionModel, kb: KnowledgeBase
) -> None:
    sent = UtteranceResolver(model, today=lambda: TODAY).resolve(said).slots["since_date"].value

    understood = understand_slots(kb, {"since_date": SlotValue(id=None, value=sent)}, Facts(), None, TODAY)

    assert understood.unresolved == (), f"{said!r} sent {sent!r}, which the dialogue did not understand"
    counted = understood.updates["twitch_days"]
    assert isinstance(counted, float) and 0 < counted <= 800, (sent, counted)
    if days is not None:
        assert counted == days


def test_every_custom_slot_type_is_used_by_a_slot(model: InteractionModel) -> None:
    used = {slot.type for intent in model.intents for slot in intent.slots}

    assert {slot_type.name for slot_type in model.types} <= used
