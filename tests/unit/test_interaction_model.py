"""The en-US interaction model: sound as ASK requires, and exactly the contract the handlers are written against."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from skill.local.resolver import (
    BUILT_IN_PHRASES,
    InteractionModel,
    InteractionModelError,
    UtteranceResolver,
    load_interaction_model,
    model_problems,
)

MODEL_PATH = Path(__file__).resolve().parents[2] / "interaction_models" / "en-US.json"

SHARED_SLOTS = {
    "muscle": "MuscleType",
    "workout": "WorkoutType",
    "duration": "AMAZON.DURATION",
    "condition": "ConditionType",
    "hydration": "HydrationType",
    "fuel": "FuelType",
    "caffeine": "CaffeineType",
    "count": "AMAZON.NUMBER",
    "warmup": "WarmupType",
    "symptom": "SymptomType",
    "symptom_two": "SymptomType",
    "since": "AMAZON.DURATION",
    "since_date": "AMAZON.DATE",
    "words": "AMAZON.SearchQuery",
}

INTENT_SLOTS: dict[str, dict[str, str]] = {
    "ReportTwitchIntent": SHARED_SLOTS,
    "AnswerIntent": {
        **SHARED_SLOTS,
        "amount": "AmountType",
        "reply": "ReplyType",
        "milligrams": "AMAZON.NUMBER",
    },
    "YesWithDetailsIntent": {"words": "AMAZON.SearchQuery"},
    "NoWithDetailsIntent": {"words": "AMAZON.SearchQuery"},
    "DenyIntent": {"words": "AMAZON.SearchQuery"},
    "GoBackIntent": {},
    "DontKnowIntent": {},
    "WhyVerdictIntent": {},
    "WhyQuestionIntent": {},
    "MoreAdviceIntent": {},
    "SeeDoctorIntent": {},
    "ForgetHistoryIntent": {},
    "LastTimeIntent": {},
    "AMAZON.HelpIntent": {},
    "AMAZON.StopIntent": {},
    "AMAZON.CancelIntent": {},
    "AMAZON.FallbackIntent": {},
    "AMAZON.RepeatIntent": {},
    "AMAZON.StartOverIntent": {},
    "AMAZON.YesIntent": {},
    "AMAZON.NoIntent": {},
    "AMAZON.NavigateHomeIntent": {},
}

# The contract: each id and the synonyms the handlers rely on (the model may add more).
TYPE_CONTRACT: dict[str, dict[str, tuple[str, ...]]] = {
    "MuscleType": {
        "calf": ("calves", "charley horse", "lower leg"),
        "thigh": ("quads", "quad", "quadriceps", "thighs"),
        "hamstring": ("hamstrings", "back of my leg"),
        "glute": ("glutes", "butt", "buttocks"),
        "foot": ("feet", "toes", "arch"),
        "hand": ("hands", "fingers", "thumb"),
        "forearm": ("forearms",),
        "arm": ("arms", "biceps", "bicep", "triceps", "upper arm"),
        "shoulder": ("shoulders", "delts"),
        "chest": ("pecs", "chest muscles"),
        "back": ("lower back", "upper back", "lats"),
        "abs": ("stomach", "core", "belly"),
        "neck": ("traps",),
        "face": ("cheek", "lip", "jaw"),
        "eyelid": ("eye", "eyelids", "eye lid", "under my eye"),
        "legs": ("leg", "legs"),
        "everywhere": ("all over", "whole body", "all my muscles"),
    },
    "WorkoutType": {
        "run": ("running", "jog", "jogging", "sprints"),
        "endurance": ("marathon", "half marathon", "ultra", "triathlon", "long run"),
        "cycle": ("cycling", "bike ride", "spin class", "spinning"),
        "swim": ("swimming",),
        "leg_day": ("leg day", "squats", "leg workout", "lower body"),
        "upper_body": ("upper body", "arm day", "chest day", "bench press", "push ups", "pull ups"),
        "weights": ("gym", "the gym", "lifting", "weights", "workout", "weight training"),
        "hiit": ("hiit", "crossfit", "bootcamp", "circuit training"),
        "racket": ("tennis", "squash", "badminton", "padel", "pickleball"),
        "team_sport": ("football", "soccer", "basketball", "rugby", "hockey"),
        "hike": ("hike", "hiking", "trek"),
        "walk": ("walk", "walking", "long walk"),
        "yoga": ("yoga", "pilates"),
        "rowing": ("row", "rowing", "erg"),
        "climbing": ("climbing", "bouldering"),
    },
    "ConditionType": {
        "hot": ("heat", "the heat", "hot", "sun", "sunshine", "humid", "humidity", "muggy", "sweltering", "warm"),
        "cool": ("cold", "cool", "air conditioned", "chilly"),
    },
    "HydrationType": {
        "little": (
            "barely drank", "hardly drank", "didn't drink", "nothing to drink", "a few sips", "not much water",
            "no water",
        ),
        "plenty": ("drank plenty", "drank a lot", "stayed hydrated", "a whole bottle"),
        "lots": ("lots of water", "drank loads", "drank a lot of water", "drank way too much water"),
    },
    "FuelType": {
        "fasted": (
            "fasted", "empty stomach", "didn't eat", "nothing to eat", "skipped breakfast", "no food", "no carbs",
        ),
        "ate": ("ate", "had breakfast", "had a snack", "had a meal", "had lunch", "had carbs", "a banana"),
    },
    "CaffeineType": {
        "coffee": ("cup of coffee", "cups of coffee", "latte", "americano", "cappuccino"),
        "espresso": ("shot of espresso", "espresso shots"),
        "energy_drink": ("energy drink", "energy drinks", "red bull", "monster"),
        "pre_workout": ("pre workout", "preworkout", "scoop of pre workout", "scoops of pre workout"),
        "tea": ("green tea", "black tea", "cup of tea"),
        "caffeine_pill": ("caffeine pill", "caffeine pills", "caffeine tablets"),
        "caffeine_powder": ("caffeine powder", "pure caffeine"),
        "cola": ("coke", "cola", "soda"),
        "none": ("no caffeine", "decaf", "nothing"),
    },
    "WarmupType": {
        "skipped": (
            "skipped my warm up", "didn't warm up", "no warm up", "went straight in", "skipped the warm up",
        ),
        "did": ("warmed up", "did a warm up", "stretched first", "dynamic stretches", "did my warm up"),
    },
    "AmountType": {
        "none": ("nothing", "none", "not at all", "zero"),
        "little": ("barely anything", "hardly any", "not much", "a little", "a bit"),
        "some": ("some", "a normal amount", "a fair bit"),
        "lots": ("lots", "a lot", "loads", "tons", "plenty"),
    },
    "SymptomType": {
        "jittery": ("jitters", "wired", "buzzing", "on edge"),
        "racing_heart": ("heart racing", "racing heart", "pounding heart", "palpitations"),
        "thirsty": ("parched", "dry mouth", "really thirsty"),
        "dark_yellow_urine": ("dark yellow urine", "dark yellow pee", "dark pee"),
        "hungry": ("starving", "famished"),
        "shaky": ("shaking", "trembling", "the shakes"),
        "dizzy": ("lightheaded", "light headed", "dizziness"),
        "headache": ("head hurts", "headaches"),
        "nausea": ("nauseous", "queasy", "feel sick"),
        "vomiting": ("vomiting", "throwing up", "threw up", "been sick"),
        "cola_urine": (
            "cola coloured urine", "cola colored urine", "brown urine", "dark brown urine", "tea coloured urine",
            "brown pee",
        ),
        "swelling": ("swollen", "swelling", "puffy", "swollen arms", "swollen legs"),
        "chest_pain": ("chest pain", "pain in my chest", "my chest hurts"),
        "chest_tightness": ("tight chest", "chest tightness", "chest feels heavy", "pressure in my chest"),
        "breathless": ("short of breath", "can't breathe", "can't catch my breath", "struggling to breathe"),
        "racing_heart_persisting": ("heart won't slow down", "heart still racing"),
        "face_droop": ("face drooping", "face is drooping", "one side of my face is drooping"),
        "one_sided_weakness": ("weak on one side", "numb on one side", "one arm is weak"),
        "vision_loss": ("lost my vision", "blurred vision", "double vision", "blind in one eye"),
        "stopped_sweating": ("stopped sweating", "hot dry skin"),
        "seizure": ("seizure", "a fit", "had a fit"),
        "not_improving": ("getting worse", "not getting better", "not improving"),
        "swollen_hands": ("swollen hands", "swollen fingers", "my rings are tight"),
        "severe_pain": ("agony", "excruciating", "killing me", "can't move my arm"),
        "calf_swelling": ("swollen calf", "calf is swollen", "swollen leg"),
        "fever": ("fever", "a temperature", "high temperature", "chills"),
        "long_cramp": ("cramp that won't go away", "cramp won't go away", "won't let go"),
        "recurring_cramps": ("cramps keep coming back", "keep getting cramps", "cramps every night"),
        "recurring": ("keeps happening", "all the time", "keeps coming back", "happens a lot"),
        "new_workout": ("first class", "first time", "first spin class", "new workout"),
        "named_emergency": ("heart attack", "having a stroke", "call an ambulance", "heat stroke"),
        "caffeine_pills_overdose": ("a handful of caffeine pills", "a whole packet of caffeine tablets"),
        "hypo": ("hypo", "i'm having a hypo"),
        "diabetes": ("diabetic", "diabetes", "on insulin", "insulin"),
        "pregnant": ("pregnant", "expecting"),
        "statin": ("statins", "statin", "atorvastatin", "cholesterol tablets"),
        "diuretic": ("water tablets", "water pills", "diuretics"),
        "inhaler": ("inhaler", "asthma inhaler", "salbutamol", "albuterol"),
        "stimulant_medicine": ("adhd medicine", "adderall", "ritalin"),
        "fainted": ("fainted", "passed out", "blacked out"),
        "confused": ("confused", "confusion", "disoriented"),
        "weakness": ("weak", "weakness", "can't lift", "losing strength"),
        "numbness": ("numb", "numbness", "tingling", "pins and needles"),
        "trouble_swallowing": ("trouble swallowing", "hard to swallow"),
        "slurred_speech": ("slurred speech", "slurring", "trouble speaking"),
        "shrinking": ("muscle shrinking", "getting smaller", "wasting"),
        "spreading": ("spreading", "moving around", "spreading to other muscles"),
        "at_rest": ("at rest", "when resting", "every day"),
        "pain": ("pain", "sore", "hurts", "aching"),
        "cramp": ("cramp", "cramping", "spasm", "spasms", "knot"),
    },
}  # fmt: skip

REQUIRED_SAMPLES: dict[str, tuple[str, ...]] = {
    "ReportTwitchIntent": (
        "my muscles are twitching",
        "my {muscle} is twitching",
        "my {muscle} are twitching after {workout}",
        "my {muscle} are twitching after a {duration} {workout} in the {condition}",
        "why is my {muscle} twitching after the {workout}",
        "i got a {muscle} playing {workout}",
        "my {muscle} keeps twitching and i {hydration}",
        "i had {count} {caffeine} and now my {muscle} are twitching",
        "i have {symptom} and {symptom_two}",
        "my {muscle} are twitching and {symptom}",
        "my pee is {symptom} and my {muscle} are {symptom_two}",
    ),
    "AnswerIntent": (
        "about {duration}", "{duration}", "for {duration}", "it was {condition}", "{count} {caffeine}",
        "a {caffeine}", "{amount}", "{hydration}", "i {fuel}", "{fuel}", "{warmup}", "i {warmup}", "my {muscle}",
        "just my {muscle}", "since {since_date}", "it's been {since}", "{symptom}", "i feel {symptom}",
    ),
    "DontKnowIntent": (
        "i don't know", "not sure", "no idea", "i can't remember", "dunno", "maybe", "i'm not sure",
    ),
    "WhyVerdictIntent": ("why do you think that", "why", "how do you know", "what makes you say that", "why is that"),
    "WhyQuestionIntent": ("why are you asking", "why do you want to know", "why does that matter", "why do you ask"),
    "MoreAdviceIntent": ("tell me more", "what else", "what should i do", "more advice", "what can i do about it"),
    "SeeDoctorIntent": ("should i see a doctor", "is this serious", "should i go to the emergency room"),
    "ForgetHistoryIntent": (
        "forget my history", "stop remembering", "delete my data", "forget me", "erase my history",
    ),
    "LastTimeIntent": ("what did you tell me last time", "what happened last time", "what's my history", "last time"),
    "AMAZON.YesIntent": ("yeah i did", "i did", "sure did", "yep i did", "i think so"),
    "AMAZON.NoIntent": ("nope", "no i didn't", "i skipped it", "not really", "i didn't", "no i did not"),
}  # fmt: skip

# One spoken example per slot, used to turn every sample into something a person could say.
EXAMPLES = {
    "muscle": ("calves", "calf"),
    "workout": ("run", "run"),
    "duration": ("two hours", "PT2H"),
    "condition": ("hot", "hot"),
    "hydration": ("barely drank", "little"),
    "fuel": ("skipped breakfast", "fasted"),
    "caffeine": ("cups of coffee", "coffee"),
    "count": ("three", "3"),
    "warmup": ("warmed up", "did"),
    "symptom": ("dizzy", "dizzy"),
    "symptom_two": ("headache", "headache"),
    "since": ("six weeks", "P6W"),
    "since_date": ("yesterday", None),
    "amount": ("barely anything", "little"),
    "reply": ("yeah", "yes"),
    "milligrams": ("four hundred", "400"),
    "words": ("odd things happen", "odd things happen"),
}


@pytest.fixture(scope="module")
def raw_model() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def model() -> InteractionModel:
    return load_interaction_model(MODEL_PATH)


@pytest.fixture(scope="module")
def resolver(model: InteractionModel) -> UtteranceResolver:
    return UtteranceResolver(model)


def test_the_model_is_sound_as_ask_requires(model: InteractionModel) -> None:
    assert model.invocation_name == "muscle coach"
    assert model_problems(model) == []


def test_the_model_has_no_dialog_delegation_or_prompts(raw_model: dict[str, Any]) -> None:
    assert set(raw_model) == {"interactionModel"}
    assert set(raw_model["interactionModel"]) == {"languageModel"}


def test_intents_and_their_slots_are_exactly_the_contract(model: InteractionModel) -> None:
    declared = {intent.name: {slot.name: slot.type for slot in intent.slots} for intent in model.intents}
    assert declared == INTENT_SLOTS


@pytest.mark.parametrize("type_name", sorted(TYPE_CONTRACT))
def test_each_slot_type_has_the_contracted_ids_and_synonyms(model: InteractionModel, type_name: str) -> None:
    slot_type = model.slot_type(type_name)
    assert slot_type is not None
    phrases = {value.id: {value.name.value, *value.name.synonyms} for value in slot_type.values}
    assert set(phrases) == set(TYPE_CONTRACT[type_name])
    for value_id, synonyms in TYPE_CONTRACT[type_name].items():
        missing = set(synonyms) - phrases[value_id]
        assert not missing, f"{type_name}.{value_id} lacks {sorted(missing)}"


def test_people_have_many_ways_to_say_each_value(model: InteractionModel) -> None:
    for slot_type in model.types:
        phrases = sum(1 + len(value.name.synonyms) for value in slot_type.values)
        assert phrases >= 3 * len(slot_type.values), slot_type.name


@pytest.mark.parametrize("intent_name", sorted(REQUIRED_SAMPLES))
def test_the_contracted_phrasings_are_samples(model: InteractionModel, intent_name: str) -> None:
    intent = model.intent(intent_name)
    assert intent is not None
    missing = set(REQUIRED_SAMPLES[intent_name]) - set(intent.samples)
    assert not missing


def test_reports_come_in_many_phrasings(model: InteractionModel) -> None:
    report = model.intent("ReportTwitchIntent")
    assert report is not None
    assert len(report.samples) >= 40
    with_muscle_and_workout = [s for s in report.samples if "{muscle}" in s and "{workout}" in s]
    assert len(with_muscle_and_workout) >= 10


def _spoken(sample: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda ref: EXAMPLES[ref.group(1)][0], sample)


def test_every_sample_said_aloud_resolves_to_its_own_intent_and_slots(
    model: InteractionModel, resolver: UtteranceResolver
) -> None:
    wrong = []
    for intent in model.intents:
        for sample in intent.samples:
            resolution = resolver.resolve(_spoken(sample))
            expected = {name: EXAMPLES[name][1] for name in re.findall(r"\{(\w+)\}", sample)}
            # a date depends on the day the test runs; only that it was understood is checked
            got: dict[str, str | None] = {
                name: None if name == "since_date" else slot.resolved_id or slot.value
                for name, slot in resolution.slots.items()
            }
            if resolution.intent != intent.name or got != expected:
                wrong.append(f"{sample!r} -> {resolution.intent} {got}")
    assert wrong == []


def test_alexas_own_phrases_for_built_ins_reach_those_intents(
    model: InteractionModel, resolver: UtteranceResolver
) -> None:
    for intent in model.intents:
        for phrase in BUILT_IN_PHRASES.get(intent.name, ()):
            assert resolver.resolve(phrase).intent == intent.name, phrase


def _broken(raw_model: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(raw_model)
    language = data["interactionModel"]["languageModel"]
    intents = {intent["name"]: intent for intent in language["intents"]}
    intents["DontKnowIntent"]["samples"].append("why")  # also a WhyVerdictIntent sample
    intents["WhyQuestionIntent"]["samples"].append("what about my {elbow}")  # undeclared slot
    intents["MoreAdviceIntent"]["samples"].append("What Else?")  # capitals and punctuation
    intents["LastTimeIntent"]["slots"] = [{"name": "when", "type": "WhenType"}]  # no such type
    language["types"][0]["values"][1]["id"] = language["types"][0]["values"][0]["id"]  # id reused
    language["intents"] = [i for i in language["intents"] if i["name"] != "AMAZON.StopIntent"]
    return data


def test_problems_are_named_when_the_model_breaks_the_rules(raw_model: dict[str, Any]) -> None:
    problems = "\n".join(model_problems(InteractionModel.from_dict(_broken(raw_model))))
    assert "sample 'why' is in both" in problems
    assert "undeclared slot {elbow}" in problems
    assert "'What Else?' must be lower-case" in problems
    assert "unknown type WhenType" in problems
    assert "id calf is used twice" in problems
    assert "lacks the built-in intent AMAZON.StopIntent" in problems


def test_a_synonym_under_two_ids_is_a_problem(raw_model: dict[str, Any]) -> None:
    data = copy.deepcopy(raw_model)
    muscle = data["interactionModel"]["languageModel"]["types"][0]
    muscle["values"][1]["name"]["synonyms"].append("calves")
    problems = model_problems(InteractionModel.from_dict(data))
    assert any("'calves' belongs to both calf and" in problem for problem in problems)


def test_a_malformed_model_is_refused_with_a_clear_error(tmp_path: Path, raw_model: dict[str, Any]) -> None:
    data = copy.deepcopy(raw_model)
    data["interactionModel"]["dialog"] = {"intents": []}
    with pytest.raises(InteractionModelError, match="malformed"):
        InteractionModel.from_dict(data)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(InteractionModelError, match="cannot read"):
        load_interaction_model(broken)
    with pytest.raises(InteractionModelError, match="cannot read"):
        load_interaction_model(tmp_path / "missing.json")


def test_the_model_is_generated_from_its_grammar_and_the_lexicon() -> None:
    """interaction_models/en-US.json is the grammar (source/en-US.yaml) and the lexicon expanded: run `make model`."""
    from skill.knowledge import read_knowledge_files
    from skill.local.generate import generated_model, load_grammar, model_json

    source = MODEL_PATH.parent / "source" / "en-US.yaml"
    expected = model_json(generated_model(load_grammar(source), read_knowledge_files()))
    assert MODEL_PATH.read_text(encoding="utf-8") == expected, (
        "interaction_models/en-US.json is stale or was edited by hand: run `make model`"
    )
