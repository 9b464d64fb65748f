"""`render` is a mapping from an outcome to words: each decision the outcome carries is spoken as decided, in order,
and nothing it did not decide is added."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from skill.dialogue import outcomes as o
from skill.engine import AdvicePlan, Assessment, Facts, RankedCause
from skill.engine.advice import HeldBack
from skill.knowledge import CAUSE_IDS, load_knowledge_base
from skill.knowledge.localize import localized
from skill.speech import disclaimer, render
from skill.speech.phrasebook import phrasebook

__all__: list[str] = []

KB = load_knowledge_base()


def said(text: str) -> str:
    """Knowledge-base text as an en-US user hears it: its terms filled ({emergency_number} is 911)."""
    return phrasebook(KB, "en-US").fill(text)


FLAGS = {flag.id: flag for flag in KB.red_flags}
FATIGUE = KB.causes["fatigue"]
RANKED = (RankedCause("fatigue", 0.7), *(RankedCause(c, 0.075) for c in CAUSE_IDS if c != "fatigue"))
REST, REFUEL, STRETCH = (next(a for a in FATIGUE.advice if a.id == i) for i in ("rest", "refuel", "stretch"))


def verdict(triage: str = "self_care", **changes: object) -> o.Verdict:
    flags = changes.pop("flags", ())
    assessment = Assessment(triage, () if triage == "urgent" else RANKED, (), tuple(flags))  # type: ignore[arg-type]
    base = o.Verdict(assessment, Facts(), False, "more", flags=tuple(flags))  # type: ignore[arg-type]
    return base._replace(**changes)


Case = tuple[o.Outcome, Callable[[str], bool]]

CASES: dict[str, Case] = {
    "urgent: the red flag's action is the first thing said, and nothing else but the disclaimer": (
        verdict("urgent", flags=(FLAGS["chest_tightness"],), disclaimer=True),
        lambda s: (
            s.startswith(said(FLAGS["chest_tightness"].say))
            and "likely cause" not in s
            and disclaimer(KB) in s
        ),
    ),
    "self-care: the advice chosen is said, the advice held back is not": (
        verdict(plan=AdvicePlan((REST,), (REFUEL,), (HeldBack("stretch", "calf_swelling"),), (), None)),
        lambda s: REST.text in s and STRETCH.text not in s and REFUEL.text not in s,
    ),
    "self-care: the cause's safety net closes the advice, before the offer of more": (
        verdict(plan=AdvicePlan((REST,), (), (), (), FATIGUE.safety_net)),
        lambda s: s.index(REST.text) < s.index(said(FATIGUE.safety_net.text)) < s.index("more tips"),
    ),
    "self-care: first aid, what to do now, comes before the likely cause and its advice": (
        verdict(plan=AdvicePlan((REST,), (), (), (KB.first_aid["hypo_protocol"],), None)),
        lambda s: (
            s.index(said(KB.first_aid["hypo_protocol"].text)) < s.index("likely cause") < s.index(REST.text)
        ),
    ),
    "not sure at the emergency check: the emergency signs are said before the likely cause": (
        verdict(unsure=frozenset({"urgent"})),
        lambda s: s.index(said(KB.urgent_safety_net.text)) < s.index("likely cause"),
    ),
    "a runner-up close enough is named, one that is not is not": (
        verdict(runner_up="dehydration"),
        lambda s: "could also be dehydration" in s,
    ),
    "doctor: the sign is said, and no benign cause beside weakness or wasting": (
        verdict("doctor", flags=(FLAGS["weakness"],), name_cause=False),
        lambda s: said(FLAGS["weakness"].say) in s and "likely cause" not in s,
    ),
    "doctor: the likely cause is named when a sign allows it": (
        verdict("doctor", flags=(FLAGS["long_lasting"],)),
        lambda s: said(FLAGS["long_lasting"].say) in s and "likely cause is tired muscles" in s,
    ),
    "a reason the skill worked out is said in the person's terms, not as 'you said'": (
        verdict(
            facts=Facts.build(KB, {"muscles": ("calf",), "workout": "run"}),
            reasons=(o.SaidReason("worked_only", True, derived=True),),
        ),
        lambda s: "which your run worked" in s and "you said the twitching" not in s,
    ),
    "pain on its own is redirected kindly, with the signs to act on": (
        o.Redirect("pain_only"),
        lambda s: "twitches, spasms and cramps" in s and "urine turns dark brown" in s and "likely" not in s,
    ),
    "more tips speak exactly the tips decided": (
        o.Farewell("more_given", Assessment("self_care", RANKED, (), ()), (REFUEL,)),
        lambda s: REFUEL.text in s and REST.text not in s,
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_render_says_what_the_outcome_decided(name: str) -> None:
    outcome, holds = CASES[name]
    spoken = render(KB, outcome)
    assert holds(spoken.speech.replace("\t", " ")), spoken.speech


def test_a_question_keeps_the_session_open_with_a_reprompt_that_adds_guidance() -> None:
    question = KB.questions["heart_check"]
    spoken = render(KB, o.Ask(question, None, False))
    assert spoken.speech == question.text and spoken.reprompt == question.reprompt != question.text


NUMBERS = {"en-US": "911", "en-CA": "911", "en-GB": "999", "en-AU": "triple zero", "en-IN": "112"}


@pytest.mark.parametrize("locale", sorted(NUMBERS))
def test_every_urgent_verdict_names_the_locales_emergency_number_and_no_other(locale: str) -> None:
    """medical-facts, Emergency numbers by English locale."""
    others = {number for place, number in NUMBERS.items() if number != NUMBERS[locale]}
    for flag in (f for f in KB.red_flags if f.level == "urgent"):
        spoken = render(localized(KB, locale), verdict("urgent", flags=(flag,)), locale)
        text = f"{spoken.speech} {spoken.card_text}"
        assert "{" not in text, flag.id
        assert not any(number in text for number in others), (flag.id, text)
        assert NUMBERS[locale] in spoken.speech, (flag.id, spoken.speech)


def test_a_locale_the_skill_does_not_know_hears_the_us_words() -> None:
    flag = FLAGS["chest_pain"]
    assert render(KB, verdict("urgent", flags=(flag,)), "fr-FR").speech.startswith("Call 911 now.")
    assert render(KB, verdict("urgent", flags=(flag,)), None).speech.startswith("Call 911 now.")
