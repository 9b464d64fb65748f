"""Bad facts handed to the engine: each one is a FactError naming the problem, never a bare KeyError."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skill.engine import MUSCLES, WORKOUT, Facts, FactValue
from skill.errors import FactError, MuscleCoachError
from skill.knowledge import load_knowledge_base

__all__: list[str] = []

KB = load_knowledge_base()

BAD_VALUES = [
    pytest.param({"sweaty_shirt": True}, ["unknown fact id", "sweaty_shirt"], id="unknown fact id"),
    pytest.param({"workout_minutes": -5}, ["workout_minutes", "between 0", "-5"], id="negative minutes"),
    pytest.param(
        {"workout_minutes": 2000}, ["workout_minutes", "1440", "2000"], id="more minutes than a day"
    ),
    pytest.param({"caffeine_mg": -1.5}, ["caffeine_mg", "-1.5"], id="negative milligrams"),
    pytest.param({"workout_minutes": math.nan}, ["workout_minutes", "nan"], id="NaN minutes"),
    pytest.param({"twitch_days": math.inf}, ["twitch_days", "inf"], id="infinite days"),
    pytest.param(
        {"workout_minutes": "an hour"}, ["workout_minutes", "number", "an hour"], id="minutes as text"
    ),
    pytest.param({"workout_minutes": True}, ["workout_minutes", "number", "True"], id="minutes as yes"),
    pytest.param(
        {"hot_conditions": "yes"}, ["hot_conditions", "yes, no or unknown", "'yes'"], id="yes as text"
    ),
    pytest.param(
        {"hot_conditions": 1}, ["hot_conditions", "yes, no or unknown", "1"], id="finding as a number"
    ),
    pytest.param({MUSCLES: ["calf"]}, ["muscles", "tuple"], id="muscles as a list"),
    pytest.param({MUSCLES: "calf"}, ["muscles", "tuple", "'calf'"], id="muscles as a string"),
    pytest.param({MUSCLES: ("calf", 3)}, ["muscles", "tuple"], id="a muscle that is not a name"),
    pytest.param({MUSCLES: ("calf", "tail")}, ["unknown muscle", "tail"], id="unknown muscle id"),
    pytest.param({WORKOUT: "zumba_marathon"}, ["unknown workout", "zumba_marathon"], id="unknown workout id"),
    pytest.param({WORKOUT: 7}, ["workout", "7"], id="workout as a number"),
]


@pytest.mark.parametrize(("values", "names"), BAD_VALUES)
def test_bad_facts_raise_a_fact_error_naming_the_problem(values: dict[str, Any], names: list[str]) -> None:
    with pytest.raises(FactError) as caught:
        Facts.build(KB, values)
    for name in names:
        assert name in str(caught.value)


@pytest.mark.parametrize(("values", "names"), BAD_VALUES)
def test_a_bad_correction_raises_the_same_error_and_keeps_the_facts(
    values: dict[str, Any], names: list[str]
) -> None:
    good = Facts.build(KB, {"hot_conditions": True})
    with pytest.raises(FactError) as caught:
        good.with_values(KB, values)
    assert names[0] in str(caught.value)
    assert dict(good.values) == {"hot_conditions": True}


def test_an_unknown_question_id_is_a_fact_error() -> None:
    with pytest.raises(FactError, match="unknown question id 'favourite_colour'"):
        Facts.build(KB, {}, asked=["safety_screen", "favourite_colour"])


def test_fact_errors_belong_to_the_project_error_tree_and_are_not_key_errors() -> None:
    assert issubclass(FactError, MuscleCoachError)
    assert not issubclass(FactError, LookupError)


GOOD_VALUES = [
    pytest.param({"workout_minutes": 90}, {"workout_minutes": 90.0}, id="minutes become a float"),
    pytest.param({"workout_minutes": 0}, {"workout_minutes": 0.0}, id="zero minutes is allowed"),
    pytest.param({"caffeine_mg": None}, {"caffeine_mg": None}, id="unknown amount"),
    pytest.param({"fasted": None}, {"fasted": None}, id="I don't know"),
    pytest.param(
        {MUSCLES: ("calf", "calf", "thigh")}, {MUSCLES: ("calf", "thigh")}, id="repeated muscle once"
    ),
    pytest.param({MUSCLES: ()}, {MUSCLES: ()}, id="no muscles named"),
    pytest.param({WORKOUT: None}, {WORKOUT: None}, id="unknown workout"),
]


@pytest.mark.parametrize(("values", "stored"), GOOD_VALUES)
def test_good_facts_are_kept_in_their_canonical_form(
    values: Mapping[str, FactValue], stored: Mapping[str, FactValue]
) -> None:
    assert dict(Facts.build(KB, values).values) == stored


def test_a_question_asked_twice_is_remembered_once() -> None:
    state = Facts.build(KB, {}, asked=["heat", "heat"]).with_asked("heat").with_asked("drink")
    assert state.asked == ("heat", "drink")


def test_facts_cannot_be_changed_behind_the_engines_back() -> None:
    values = {"hot_conditions": True}
    state = Facts.build(KB, values)
    values["hot_conditions"] = False
    assert state.get("hot_conditions") is True
    with pytest.raises(TypeError):
        state.values["hot_conditions"] = False  # type: ignore[index]


# Anything a confused dialogue layer might hand over: real ids and nonsense, any kind of value.
fact_ids = st.sampled_from([*KB.findings, *KB.quantities, MUSCLES, WORKOUT]) | st.text(max_size=12)
fact_values: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from([*KB.muscles, *KB.workouts]),
    st.lists(st.sampled_from([*KB.muscles, "toe"]), max_size=3).map(tuple),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@settings(max_examples=400, deadline=None)
@given(values=st.dictionaries(fact_ids, fact_values, max_size=4))
def test_any_input_is_either_accepted_or_a_fact_error(values: dict[str, Any]) -> None:
    try:
        Facts.build(KB, values)
    except FactError as exc:
        assert str(exc)
