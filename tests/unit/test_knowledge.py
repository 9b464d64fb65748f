"""The shipped knowledge base: valid, sourced, true to the article, safe in its wording; bad files are named."""

from __future__ import annotations

import pickle
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from skill.errors import KnowledgeError, MuscleCoachError
from skill.knowledge import (
    CAUSE_IDS,
    CauseId,
    KnowledgeBase,
    compile_knowledge_base,
    load_knowledge_base,
    read_knowledge_files,
)
from skill.knowledge.loader import COMPILED_NAME, DATA_DIR, KNOWLEDGE_FILES
from skill.knowledge.schema import KnowledgeFiles

__all__: list[str] = []

KB = read_knowledge_files()
RAW: dict[str, Any] = {
    name: yaml.safe_load((DATA_DIR / f"{name}.yaml").read_text(encoding="utf-8")) for name in KNOWLEDGE_FILES
}


def texts(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in the knowledge files, with where it lives (`causes.yaml/causes/2/advice/0/text`)."""
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from texts(key, f"{path}/<key>")
            yield from texts(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from texts(value, f"{path}/{index}")


# Everything the skill can say or cite; the lexicon is what people say to it ("gallons of water"), never advice.
ALL_TEXT = [
    (f"{name}.yaml{where}", text)
    for name, raw in RAW.items()
    if name != "lexicon"
    for where, text in texts(raw)
]
# What the skill can say: everything but the citations (an article heading like "You Are Dehydrated" is a title).
SPOKEN = [(where, text) for where, text in ALL_TEXT if not re.search(r"/sources?(/\d+)?$", where)]


def advice(cause: CauseId) -> str:
    return " ".join(a.text for a in KB.causes[cause].advice)


# --- the shipped knowledge base ----------------------------------------------------------------------------


def test_the_shipped_knowledge_base_validates_and_has_the_five_causes() -> None:
    assert isinstance(KB, KnowledgeBase)
    assert tuple(KB.causes) == CAUSE_IDS
    assert sum(c.prior for c in KB.causes.values()) == pytest.approx(1.0)
    assert load_knowledge_base() == KB


def test_every_cause_explains_itself_and_has_advice_with_a_source() -> None:
    for cause in KB.causes.values():
        assert cause.name and cause.what and cause.why, cause.id
        assert cause.advice, f"{cause.id} has no advice"
        assert cause.source.strip()
        for item in cause.advice:
            assert item.text.strip() and item.source.strip(), f"{cause.id}/{item.id}"
    for cause_id in ("dehydration", "low_blood_sugar", "caffeine"):
        assert KB.causes[cause_id].signs, f"the article lists signs of {cause_id}"


def _models(node: Any) -> Iterator[BaseModel]:
    if isinstance(node, BaseModel):
        yield node
        for name in type(node).model_fields:
            yield from _models(getattr(node, name))
    elif isinstance(node, dict):
        for value in node.values():
            yield from _models(value)
    elif isinstance(node, list | tuple):
        for value in node:
            yield from _models(value)


# Vocabulary entries are words the user says (muscle and workout names), not claims that need a citation.
UNSOURCED_VOCABULARY = {"MuscleEntry", "WorkoutEntry", "CaffeineEntry", "LexiconValue"}


def test_every_knowledge_entry_names_its_source() -> None:
    files = KnowledgeFiles.model_validate(RAW)
    checked = 0
    for model in _models(files):
        fields = type(model).model_fields
        if "source" in fields:
            assert str(getattr(model, "source", "")).strip(), (
                f"{type(model).__name__} {model!r} has an empty source"
            )
            checked += 1
        elif "id" in fields:
            assert type(model).__name__ in UNSOURCED_VOCABULARY, f"{model!r} has no source"
    assert files.guidance.limits.sources
    assert checked > 50


def test_the_articles_advice_is_all_there() -> None:
    assert "30 to 60 grams of carbohydrate" in advice("low_blood_sugar")
    assert RAW["guidance"]["limits"]["carbohydrate_before_g"] == [30, 60]
    assert "dynamic stretches" in advice("no_warmup")
    assert "electrolytes" in advice("dehydration")
    assert re.search(r"\b(less|skip any more)\b[^.]*\b(caffeine|coffee|pre-workout)", advice("caffeine"))


def test_twitch_spasm_and_cramp_are_told_apart_with_first_aid_for_a_cramp() -> None:
    assert set(KB.twitch_kinds) == {"twitch", "spasm", "cramp"}
    assert re.search(r"stretch\b.*\bgently|gentl\w* stretch", KB.first_aid["cramp"].text)


@pytest.mark.parametrize(
    ("sign", "level"),
    [
        ("cola_urine", "urgent"),
        ("chest_pain", "urgent"),
        ("fainted", "urgent"),
        ("confused", "urgent"),
        ("long_lasting", "doctor"),
        ("at_rest", "doctor"),
        ("weakness", "doctor"),
        ("shrinking", "doctor"),
        ("trouble_swallowing", "doctor"),
        ("numbness", "doctor"),
        ("spreading", "doctor"),
        ("habitual", "doctor"),
    ],
)
def test_each_red_flag_sign_has_a_rule_at_its_level(sign: str, level: str) -> None:
    assert any(flag.all_of == (sign,) and flag.level == level for flag in KB.red_flags)


# --- safety wording over all knowledge text ----------------------------------------------------------------

LARGE_FLUID_VOLUMES = ["drink plenty", "gallon", "as much as you can", "as much as possible", "lots of water"]
LARGE_FLUID_PATTERN = re.compile(r"\b(litre|liter)s? of\b|\bchug", re.IGNORECASE)
MORE_CAFFEINE = re.compile(
    r"\b(more|extra|another|stronger|double)\s+(caffeine|coffee|espresso|energy drink|pre-?workout|stimulant|scoop)",
    re.IGNORECASE,
)
NEGATION = re.compile(r"\b(skip|avoid|no|not|never|rather than|instead of|less|without)\b|n't", re.IGNORECASE)
CONDITIONS = [
    *(c.name for c in KB.causes.values()),
    "dehydration",
    "rhabdomyolysis",
    "muscle breakdown",
    "heat stroke",
    "motor neurone disease",
    "hyponatremia",
    "a disease",
    "a condition",
    "a disorder",
    "an illness",
]
DIAGNOSIS_CLAIM = re.compile(
    r"\byou(?: have|'ve got| are suffering from)\s+(?:" + "|".join(map(re.escape, CONDITIONS)) + r")\b"
    r"|\byou(?: are|'re) dehydrated\b",
    re.IGNORECASE,
)


def test_the_text_is_collected_from_every_file() -> None:
    files = {where.split("/")[0] for where, _ in ALL_TEXT}
    assert files == {f"{name}.yaml" for name in KNOWLEDGE_FILES if name != "lexicon"}
    assert len(SPOKEN) > 200


def fluid_problems(text: str) -> list[str]:
    lowered = text.lower()
    found = [phrase for phrase in LARGE_FLUID_VOLUMES if phrase in lowered]
    found.extend(m.group(0) for m in LARGE_FLUID_PATTERN.finditer(text))
    return found


def caffeine_problems(text: str) -> list[str]:
    found = [
        m.group(0)
        for m in MORE_CAFFEINE.finditer(text)
        if not NEGATION.search(text[max(0, m.start() - 20) : m.start()])
    ]
    found.extend(
        f"{amount} mg"
        for amount in re.findall(r"(\d+)\s*(?:mg|milligrams)\b", text)
        if int(amount) > KB.caffeine_daily_mg
    )
    return found


def claim_problems(text: str) -> list[str]:
    found = [m.group(0) for m in DIAGNOSIS_CLAIM.finditer(text)]
    if "diagnos" in text.lower():
        found.append("diagnos...")
    return found


def test_no_text_advises_large_volumes_of_fluid() -> None:
    problems = {where: found for where, text in ALL_TEXT if (found := fluid_problems(text))}
    assert not problems


def test_no_text_advises_more_caffeine_or_more_than_the_daily_limit() -> None:
    problems = {where: found for where, text in ALL_TEXT if (found := caffeine_problems(text))}
    assert not problems


def test_no_spoken_text_claims_a_diagnosis() -> None:
    problems = {where: found for where, text in SPOKEN if (found := claim_problems(text))}
    assert not problems


@pytest.mark.parametrize(
    "bad",
    [
        "Drink plenty of water tonight.",
        "Try to drink as much as you can.",
        "Have another coffee before the next set.",
        "Take an extra scoop of pre-workout.",
        "You have dehydration.",
        "You're dehydrated, so rest.",
        "This is a diagnosis of fatigue.",
        "Stay under 600 milligrams a day.",
    ],
)
def test_the_wording_checks_catch_unsafe_sentences(bad: str) -> None:
    assert fluid_problems(bad) or caffeine_problems(bad) or claim_problems(bad)


@pytest.mark.parametrize(
    "fine",
    [
        "Skip any more caffeine today.",
        "Have some water and food rather than another stimulant.",
        "Drink to thirst rather than forcing down large amounts.",
        "Because you said you have cramps as well.",
        "Healthy adults should stay under 400 milligrams a day.",
    ],
)
def test_the_wording_checks_let_safe_sentences_through(fine: str) -> None:
    assert not (fluid_problems(fine) or caffeine_problems(fine) or claim_problems(fine))


def test_the_400_mg_caffeine_limit_is_stated() -> None:
    assert KB.caffeine_daily_mg == 400
    assert "400 milligrams a day" in advice("caffeine")
    assert RAW["guidance"]["limits"]["fluids"]


# --- the compiled form ---------------------------------------------------------------------------------------


def test_compiling_then_loading_gives_the_same_knowledge_base(tmp_path: Path) -> None:
    target = compile_knowledge_base(tmp_path / "compiled")
    assert target.name == COMPILED_NAME
    # The compiled directory holds no YAML: this load can only come from the compiled form.
    assert sorted(p.name for p in target.parent.iterdir()) == [COMPILED_NAME]
    assert load_knowledge_base.__wrapped__(target.parent) == KB


def test_a_corrupt_compiled_file_is_named(tmp_path: Path) -> None:
    (tmp_path / COMPILED_NAME).write_bytes(b"not a pickle")
    with pytest.raises(KnowledgeError, match=COMPILED_NAME):
        load_knowledge_base.__wrapped__(tmp_path)
    (tmp_path / COMPILED_NAME).write_bytes(pickle.dumps({"causes": {}}))
    with pytest.raises(KnowledgeError, match="does not hold a KnowledgeBase"):
        load_knowledge_base.__wrapped__(tmp_path)


# --- broken files: the error names the file, the entry and the problem -----------------------------------


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, copy)
    return copy


def corrupt(data_dir: Path, name: str, old: str, new: str) -> None:
    path = data_dir / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


# Where the caffeine entry starts in causes.yaml (1-based): a fault written into it is reported near there.
CAFFEINE_LINE = (DATA_DIR / "causes.yaml").read_text(encoding="utf-8").splitlines().index(
    "  - id: caffeine"
) + 1

BROKEN = [
    pytest.param(
        ("causes.yaml", "  - id: caffeine\n", "  - id: caffeine\n    name: [unclosed\n"),
        ["causes.yaml", f"line {CAFFEINE_LINE + 1}", "not valid YAML"],
        id="malformed YAML",
    ),
    pytest.param(
        ("causes.yaml", "  - id: caffeine\n", "  - id: caffeine\n    colour: brown\n"),
        ["causes.yaml", "(id 'caffeine').colour", "not permitted"],
        id="unknown field",
    ),
    pytest.param(
        ("findings.yaml", "no_warmup: 0.30, dehydration: 0.80,", "no_warmup: 0.30, dehydration: 1.80,"),
        ["findings.yaml", "(id 'hot_conditions')", "between 0 and 1", "1.8"],
        id="likelihood out of range",
    ),
    pytest.param(
        ("questions.yaml", "    finding: hot_conditions\n", "    finding: hot_weather\n"),
        ["questions.yaml", "question 'heat'", "unknown finding 'hot_weather'"],
        id="question names an unknown finding",
    ),
    pytest.param(
        ("red_flags.yaml", "all_of: [cola_urine]", "all_of: [cola_urine, brown_pee]"),
        ["red_flags.yaml", "red flag 'muscle_breakdown'", "unknown finding 'brown_pee'"],
        id="red flag names an unknown finding",
    ),
    pytest.param(
        ("questions.yaml", "    text: Did you sweat a lot?\n", ""),
        ["questions.yaml", "(id 'sweat').text", "Field required"],
        id="missing wording",
    ),
    pytest.param(
        ("questions.yaml", "  - id: sweat\n", "  - id: heat\n"),
        ["questions.yaml", "question 'heat'", "defined twice"],
        id="duplicate id",
    ),
    pytest.param(
        ("causes.yaml", "    prior: 0.10\n", "    prior: 0.20\n"),
        ["causes.yaml", "priors must sum to 1", "1.1000"],
        id="priors do not sum to one",
    ),
]


@pytest.mark.parametrize(("edit", "names"), BROKEN)
def test_a_broken_file_is_a_knowledge_error_naming_file_entry_and_problem(
    data_dir: Path, edit: tuple[str, str, str], names: list[str]
) -> None:
    corrupt(data_dir, *edit)
    with pytest.raises(KnowledgeError) as caught:
        read_knowledge_files(data_dir)
    for name in names:
        assert name in str(caught.value)


def test_nothing_is_compiled_from_a_broken_knowledge_base(data_dir: Path) -> None:
    corrupt(data_dir, "findings.yaml", "    said_yes: you barely drank\n", "")
    with pytest.raises(
        KnowledgeError, match=r"findings\.yaml: findings\[2\] \(id 'drank_little'\)\.said_yes"
    ):
        compile_knowledge_base(data_dir.parent / "compiled", data_dir)
    assert not (data_dir.parent / "compiled").exists()


def test_a_missing_file_is_named(data_dir: Path) -> None:
    (data_dir / "red_flags.yaml").unlink()
    with pytest.raises(KnowledgeError, match=r"red_flags\.yaml: the file is missing"):
        read_knowledge_files(data_dir)


def test_an_empty_directory_is_a_knowledge_error_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(MuscleCoachError, match=r"causes\.yaml"):
        load_knowledge_base.__wrapped__(tmp_path)
