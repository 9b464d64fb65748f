"""`validate_project`: a consistent project has no problems; each kind of disagreement is named in a sentence."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from skill.handlers.intents import CUSTOM_INTENTS, HANDLED_INTENTS, SLOT_TYPES
from skill.knowledge import load_knowledge_base, read_knowledge_files
from skill.knowledge.loader import DATA_DIR
from skill.local.validate import validate_project

__all__: list[str] = []

KB = load_knowledge_base()
SHIPPED_MODEL = Path(__file__).resolve().parents[2] / "interaction_models" / "en-US.json"

Model = dict[str, Any]


def _values(ids: list[str]) -> list[dict[str, Any]]:
    return [{"id": value_id, "name": {"value": value_id.replace("_", " ")}} for value_id in ids]


def small_model() -> Model:
    """The smallest model that agrees with the handlers and the shipped knowledge base."""
    custom_samples = {
        "ReportTwitchIntent": [
            "my {muscle} is twitching after my {workout}",
            "i had {caffeine} and feel {symptom} and {symptom_two}",
            "it was {condition} and i drank {hydration} and {fuel} with {warmup} and {amount} {reply}",
        ],
        "AnswerIntent": ["it was about an hour"],
        "YesWithDetailsIntent": ["yes {words}"],
        "NoWithDetailsIntent": ["no but {words}"],
        "DenyIntent": ["no {words}"],
        "DontKnowIntent": ["i'm not sure"],
        "WhyVerdictIntent": ["why do you think so"],
        "WhyQuestionIntent": ["why are you asking"],
        "MoreAdviceIntent": ["what else can i do"],
        "SeeDoctorIntent": ["should i see a doctor"],
        "ForgetHistoryIntent": ["forget my history"],
        "LastTimeIntent": ["what happened last time"],
        "GoBackIntent": ["go back"],
    }
    intents: list[dict[str, Any]] = [
        {"name": name, "samples": custom_samples[name]} for name in sorted(CUSTOM_INTENTS)
    ]
    intents[[i["name"] for i in intents].index("ReportTwitchIntent")]["slots"] = [
        {"name": name, "type": slot_type} for name, slot_type in sorted(SLOT_TYPES.items())
    ]
    for intent in intents:
        if intent["name"] in ("YesWithDetailsIntent", "NoWithDetailsIntent", "DenyIntent"):
            intent["slots"] = [{"name": "words", "type": "AMAZON.SearchQuery"}]
    intents.extend({"name": name, "samples": []} for name in sorted(HANDLED_INTENTS - CUSTOM_INTENTS))
    kb_types = {
        "MuscleType": sorted(KB.muscles),
        "WorkoutType": sorted(KB.workouts),
        "CaffeineType": sorted(KB.caffeine_mg),
        "SymptomType": sorted(KB.symptoms),
    }
    other_types = {
        "ConditionType": ["hot", "cool"],
        "HydrationType": ["little", "plenty"],
        "FuelType": ["fasted", "ate"],
        "WarmupType": ["skipped", "did"],
        "AmountType": ["some", "lots"],
        "ReplyType": ["yes", "no"],
    }
    types = [{"name": name, "values": _values(ids)} for name, ids in {**kb_types, **other_types}.items()]
    return {
        "interactionModel": {
            "languageModel": {"invocationName": "muscle coach", "intents": intents, "types": types}
        }
    }


def write(tmp_path: Path, model: Model) -> Path:
    path = tmp_path / "en-US.json"
    path.write_text(json.dumps(model, indent=2), encoding="utf-8")
    return path


def language_model(model: Model) -> dict[str, Any]:
    result: dict[str, Any] = model["interactionModel"]["languageModel"]
    return result


def intent(model: Model, name: str) -> dict[str, Any]:
    return next(i for i in language_model(model)["intents"] if i["name"] == name)


def slot_type(model: Model, name: str) -> dict[str, Any]:
    return next(t for t in language_model(model)["types"] if t["name"] == name)


def test_the_small_model_and_the_shipped_knowledge_base_agree(tmp_path: Path) -> None:
    assert validate_project(write(tmp_path, small_model())) == []


def test_the_shipped_interaction_model_agrees_with_the_handlers_and_knowledge() -> None:
    if not SHIPPED_MODEL.is_file():
        pytest.skip("interaction_models/en-US.json is not written yet")
    assert validate_project(SHIPPED_MODEL) == []


def _rename_invocation(model: Model) -> None:
    language_model(model)["invocationName"] = "muscle trainer"


def _add_unhandled_intent(model: Model) -> None:
    language_model(model)["intents"].append({"name": "PlayMusicIntent", "samples": ["play some music"]})


def _drop_handled_intent(model: Model) -> None:
    language_model(model)["intents"].remove(intent(model, "LastTimeIntent"))


def _add_value(type_name: str, value_id: str) -> Callable[[Model], None]:
    def edit(model: Model) -> None:
        slot_type(model, type_name)["values"].extend(_values([value_id]))

    return edit


def _drop_eyelid(model: Model) -> None:
    values = slot_type(model, "MuscleType")["values"]
    values.remove(next(v for v in values if v["id"] == "eyelid"))


def _retype_muscle_slot(model: Model) -> None:
    for slot in intent(model, "ReportTwitchIntent")["slots"]:
        if slot["name"] == "muscle":
            slot["type"] = "WorkoutType"


def _drop_symptom_two(model: Model) -> None:
    report = intent(model, "ReportTwitchIntent")
    report["slots"] = [s for s in report["slots"] if s["name"] != "symptom_two"]
    report["samples"] = [s.replace(" and {symptom_two}", "") for s in report["samples"]]


MISMATCHES = [
    pytest.param(_rename_invocation, ["'muscle trainer', it must be 'muscle coach'"], id="invocation name"),
    pytest.param(
        _add_unhandled_intent, ["intent PlayMusicIntent has no handler"], id="intent without handler"
    ),
    pytest.param(
        _drop_handled_intent, ["LastTimeIntent is handled but missing"], id="handled intent missing"
    ),
    pytest.param(
        _add_value("MuscleType", "toe"), ["MuscleType: id 'toe' is not a knowledge-base muscle"], id="muscle"
    ),
    pytest.param(
        _add_value("WorkoutType", "zumba"),
        ["WorkoutType: id 'zumba' is not a knowledge-base workout"],
        id="workout",
    ),
    pytest.param(
        _add_value("CaffeineType", "mate"), ["CaffeineType: id 'mate' is not a knowledge-base"], id="caffeine"
    ),
    pytest.param(
        _add_value("SymptomType", "itchy"),
        ["SymptomType: id 'itchy' is not a knowledge-base symptom"],
        id="symptom",
    ),
    pytest.param(_drop_eyelid, ["muscle 'eyelid' has no value"], id="knowledge-base muscle cannot be heard"),
    pytest.param(
        _retype_muscle_slot,
        ["slot muscle has type WorkoutType", "slot type MuscleType is not used"],
        id="slot of the wrong type",
    ),
    pytest.param(
        _drop_symptom_two, ["slot symptom_two (SymptomType)"], id="slot the handlers read is missing"
    ),
]


@pytest.mark.parametrize(("edit", "expected"), MISMATCHES)
def test_each_disagreement_is_named(
    tmp_path: Path, edit: Callable[[Model], None], expected: list[str]
) -> None:
    model = copy.deepcopy(small_model())
    edit(model)
    problems = validate_project(write(tmp_path, model))
    assert len(problems) == len(expected), problems
    for fragment in expected:
        assert any(fragment in problem for problem in problems), (fragment, problems)
    assert all(problem.startswith("en-US.json: ") for problem in problems)


def test_a_missing_model_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    problems = validate_project(tmp_path / "en-US.json")
    assert len(problems) == 1
    assert "en-US.json" in problems[0] and "cannot read" in problems[0]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        pytest.param('{"interactionModel": ', "cannot read", id="not JSON"),
        pytest.param("[1, 2]", "not a JSON object", id="not an object"),
        pytest.param(
            '{"interactionModel": {"languageModel": {"invocation": "muscle coach", "intents": []}}}',
            "malformed",
            id="not an ASK model",
        ),
    ],
)
def test_a_model_that_does_not_parse_is_named(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "en-US.json"
    path.write_text(text, encoding="utf-8")
    problems = validate_project(path)
    assert len(problems) == 1
    assert problems[0].startswith("en-US.json: ") and problem in problems[0]


@pytest.fixture
def broken_data_dir(tmp_path: Path) -> Path:
    data_dir = tmp_path / "data"
    shutil.copytree(DATA_DIR, data_dir)
    path = data_dir / "findings.yaml"
    text = path.read_text(encoding="utf-8")
    old = "no_warmup: 0.30, dehydration: 0.80,"
    assert text.count(old) == 1
    path.write_text(text.replace(old, "no_warmup: 0.30, dehydration: 1.80,"), encoding="utf-8")
    return data_dir


def test_a_bad_knowledge_base_is_reported_with_file_entry_and_problem(
    tmp_path: Path, broken_data_dir: Path
) -> None:
    problems = validate_project(write(tmp_path, small_model()), broken_data_dir)
    assert len(problems) == 1
    assert "findings.yaml" in problems[0]
    assert "(id 'hot_conditions')" in problems[0]
    assert "between 0 and 1" in problems[0]


def test_a_bad_knowledge_base_and_a_bad_model_are_both_reported(
    tmp_path: Path, broken_data_dir: Path
) -> None:
    model = small_model()
    _rename_invocation(model)
    problems = validate_project(write(tmp_path, model), broken_data_dir)
    assert len(problems) == 2
    assert "findings.yaml" in problems[0]
    assert "muscle trainer" in problems[1]


def test_a_missing_knowledge_file_is_reported(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(DATA_DIR, data_dir)
    (data_dir / "questions.yaml").unlink()
    problems = validate_project(write(tmp_path, small_model()), data_dir)
    assert len(problems) == 1
    assert "questions.yaml: the file is missing" in problems[0]


def test_a_red_flag_nothing_the_user_says_can_reach_is_named(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    findings = data / "findings.yaml"
    findings.write_text(
        findings.read_text(encoding="utf-8").replace(
            "\n  # Red flags after exercise beyond the article",
            '\n  - {id: green_skin, said_yes: your skin is green, said_no: it is not, source: "a test"}'
            "\n  # Red flags after exercise beyond the article",
        ),
        encoding="utf-8",
    )
    flags = data / "red_flags.yaml"
    flags.write_text(
        flags.read_text(encoding="utf-8").replace(
            "red_flags:\n",
            "red_flags:\n  - {id: green_skin, level: urgent, all_of: [green_skin], say: Call now., source: a test}\n",
        ),
        encoding="utf-8",
    )
    problems = validate_project(SHIPPED_MODEL, data)
    assert problems == [
        "en-US.json: red flag 'green_skin' can never fire: no phrase or question sets green_skin"
    ], problems


def test_every_shipped_red_flag_can_be_reached() -> None:
    assert not [p for p in validate_project(SHIPPED_MODEL) if "can never fire" in p]


def test_phrase_books_that_do_not_check_or_that_no_one_hears_are_named(tmp_path: Path) -> None:
    from skill.local.validate import phrase_problems
    from skill.speech.phrasebook import PHRASES_DIR

    kb = read_knowledge_files()
    phrases = tmp_path / "phrases"
    shutil.copytree(PHRASES_DIR, phrases, ignore=shutil.ignore_patterns("*.pickle"))
    assert phrase_problems(kb, phrases) == []

    (phrases / "en-NZ.yaml").write_text("welcome_back: Kia ora, welcome back.\n")
    assert phrase_problems(kb, phrases) == [
        "en-NZ.yaml: 'en-NZ' is neither a locale in locales.yaml nor the language of one, so no one hears it"
    ]
    (phrases / "en-GB.yaml").write_text("welcome_back: Welcome back, {name}.\n")
    [problem] = phrase_problems(kb, phrases)
    assert "en-GB.yaml: welcome_back: names ['name']" in problem
