"""Advice held back by rule: every forbidden pair in the knowledge base, and advice that must fit the person."""

from __future__ import annotations

import pytest

from skill.engine import Assessment, Facts, FactValue, RankedCause, plan_advice
from skill.engine.advice import HeldBack
from skill.knowledge import CAUSE_IDS, CauseId, load_knowledge_base
from skill.knowledge.model import Advice, FirstAid

__all__: list[str] = []

KB = load_knowledge_base()


def led_by(cause: CauseId) -> Assessment:
    """A self-care verdict that `cause` clearly leads."""
    others = [c for c in CAUSE_IDS if c != cause]
    ranked = (RankedCause(cause, 0.8), *(RankedCause(c, 0.05) for c in others))
    return Assessment("self_care", ranked, (), ())


def facts(values: dict[str, FactValue]) -> Facts:
    return Facts.build(KB, values)


def given(plan_cause: CauseId, values: dict[str, FactValue]) -> list[Advice]:
    plan = plan_advice(KB, facts(values), led_by(plan_cause))
    return [*plan.advice, *plan.more]


FORBIDDEN = [
    (cause.id, item, finding)
    for cause in KB.causes.values()
    for item in cause.advice
    for finding in item.not_when
]


def test_the_knowledge_base_holds_back_what_the_fact_sheet_says_must_be_held_back() -> None:
    pairs = {(item.id, finding) for _, item, finding in FORBIDDEN}
    for stretch in ("stretch", "stretch_now"):
        assert {(stretch, "calf_swelling"), (stretch, "chest_tightness"), (stretch, "cola_urine")} <= pairs
    assert {("sip_electrolytes", "drank_lots"), ("sip_electrolytes", "confused")} <= pairs
    assert {("no_more_caffeine", "stimulant_pills"), ("no_more_caffeine", "caffeine_overdose")} <= pairs


@pytest.mark.parametrize(
    ("cause", "item", "finding"), FORBIDDEN, ids=[f"{i.id}-{f}" for _, i, f in FORBIDDEN]
)
def test_an_advice_item_is_held_back_when_its_forbidding_finding_is_present(
    cause: CauseId, item: Advice, finding: str
) -> None:
    needed = dict.fromkeys(item.when, True)
    assert item in given(cause, needed), "without the finding the advice is given"
    plan = plan_advice(KB, facts({**needed, finding: True}), led_by(cause))
    assert item not in (*plan.advice, *plan.more)
    assert HeldBack(item.id, finding) in plan.held_back


FIRST_AID_FORBIDDEN = [(aid, finding) for aid in KB.first_aid.values() for finding in aid.unless_any]


def _situation(aid: FirstAid) -> dict[str, FactValue]:
    return {**dict.fromkeys(aid.if_all, True), **dict.fromkeys(aid.if_any[:1], True)}


@pytest.mark.parametrize(
    ("aid", "finding"), FIRST_AID_FORBIDDEN, ids=[f"{a.id}-{f}" for a, f in FIRST_AID_FORBIDDEN]
)
def test_first_aid_is_held_back_when_its_forbidding_finding_is_present(aid: FirstAid, finding: str) -> None:
    cause: CauseId = aid.leader[0] if aid.leader else "fatigue"  # type: ignore[assignment]
    assert aid in plan_advice(KB, facts(_situation(aid)), led_by(cause)).first_aid
    held = plan_advice(KB, facts({**_situation(aid), finding: True}), led_by(cause)).first_aid
    assert aid not in held


def test_a_warm_up_of_leg_swings_and_lunges_is_not_advised_for_an_eyelid() -> None:
    texts = " ".join(a.text for a in given("no_warmup", {"muscles": ("eyelid",)}))
    assert "leg swings" not in texts and "stretch the twitching muscles" not in texts.lower()
    assert "warm up for five to ten minutes" in texts
    assert "leg swings" in " ".join(a.text for a in given("no_warmup", {"muscles": ("calf",)}))


def test_caffeine_pills_never_hear_that_it_will_wear_off() -> None:
    pills = " ".join(a.text for a in given("caffeine", {"stimulant_pills": True}))
    assert "wears off" not in pills and "no more caffeine today, pills or drinks" in pills.lower()
    assert "wears off" in " ".join(a.text for a in given("caffeine", {}))


def test_insulin_or_tablets_get_the_hypo_protocol_instead_of_a_banana() -> None:
    plan = plan_advice(KB, facts({"diabetes_meds": True, "hunger_shaky": True}), led_by("low_blood_sugar"))
    assert [aid.id for aid in plan.first_aid][:1] == ["hypo_protocol"]
    assert "15 to 20" in plan.first_aid[0].text and "drive" in plan.first_aid[0].text
    assert all("banana" not in a.text for a in (*plan.advice, *plan.more))
    unknown = plan_advice(KB, facts({"hunger_shaky": True}), led_by("low_blood_sugar"))
    assert [aid.id for aid in unknown.first_aid] == ["hypo_if_diabetic"], "said conditionally when unknown"


def test_every_self_care_plan_ends_with_its_causes_safety_net() -> None:
    for cause in CAUSE_IDS:
        plan = plan_advice(KB, facts({}), led_by(cause))
        assert plan.safety_net == KB.causes[cause].safety_net and plan.safety_net.text
        assert len(plan.safety_net.text.split()) <= 30, "one breath"


def test_an_urgent_verdict_carries_no_advice_at_all() -> None:
    flag = next(f for f in KB.red_flags if f.id == "chest_pain")
    plan = plan_advice(KB, facts({"chest_pain": True}), Assessment("urgent", (), (), (flag,)))
    assert plan.advice == plan.more == plan.first_aid == () and plan.safety_net is None
