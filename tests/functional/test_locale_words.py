"""Each English locale hears the skill in its own terms, through `lambda_handler` with its own interaction model:
its doctor words ("see your GP", A&E in the UK), its emergency number, and a remembered day in its own order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from ask_sdk_core.skill import CustomSkill

from tests.conftest import MODEL_PATH, Conversation, FakeClock, Invoke

ConverseInLocale = Callable[[str], Conversation]

LOCALES = ("en-US", "en-CA", "en-GB", "en-AU", "en-IN")
NUMBERS = {"en-US": "911", "en-CA": "911", "en-GB": "999", "en-AU": "triple zero", "en-IN": "112"}
GP_LOCALES = {"en-GB", "en-AU"}  # medical-facts: en-GB "your GP", "A&E"; en-AU "your GP"

# Twitching for a month with numbness: a see-a-doctor verdict, in each locale's words.
SEE_A_DOCTOR = ["my calves have been twitching for a month after my runs and there is numbness", "no"]
# One swollen painful calf: a possible clot, care today.
CLOT = ["my calf is swollen and painful after my run"]


def _play(conversation: Conversation, lines: list[str]) -> None:
    conversation.launch()
    for line in lines:
        conversation.say(line)


@pytest.mark.parametrize("locale", LOCALES)
def test_a_see_a_doctor_verdict_names_the_locales_doctor(
    converse_in_locale: ConverseInLocale, locale: str
) -> None:
    conversation = converse_in_locale(locale)
    _play(conversation, SEE_A_DOCTOR)

    last = conversation.replies[-1]
    transcript = conversation.transcript()
    assert last.assessment is not None and last.assessment["triage"] == "doctor", transcript
    card = last.response["card"]
    spoken = " ".join(reply.speech for reply in conversation.replies)
    if locale in GP_LOCALES:
        assert "worth checking with a GP" in last.speech, transcript
        assert card["title"] == "See your GP"
        assert "doctor" not in spoken and "doctor" not in card["content"], transcript
    else:
        assert "worth checking with a doctor" in last.speech, transcript
        assert card["title"] == "See a doctor"
        assert "GP" not in spoken and "GP" not in card["content"], transcript


@pytest.mark.parametrize(
    ("locale", "where"),
    [
        ("en-US", "at urgent care or an emergency room"),
        ("en-CA", "at urgent care or an emergency room"),
        ("en-GB", "from your GP or at A&E"),
        ("en-AU", "from your GP or at a hospital emergency department"),
        ("en-IN", "from your doctor or at a hospital"),
    ],
)
def test_a_possible_clot_sends_the_user_where_their_locale_goes_today(
    converse_in_locale: ConverseInLocale, locale: str, where: str
) -> None:
    conversation = converse_in_locale(locale)
    _play(conversation, CLOT)

    last = conversation.replies[-1]
    assert last.assessment is not None and last.assessment["triage"] == "urgent", conversation.transcript()
    assert last.speech.startswith(f"Get medical care today, {where}."), last.speech
    assert "A&amp;E" in last.ssml if locale == "en-GB" else "A&" not in last.ssml  # escaped, never raw SSML


@pytest.mark.parametrize(
    ("locale", "said"),
    [
        ("en-US", "On March 2nd, I said the likely cause was"),
        ("en-CA", "On March 2nd, I said the likely cause was"),
        ("en-GB", "On the 2nd of March, I said the likely cause was"),
        ("en-AU", "On the 2nd of March, I said the likely cause was"),
        ("en-IN", "On 2nd March, I said the likely cause was"),
    ],
)
def test_a_remembered_day_is_said_in_the_locales_order(
    coach_skill: CustomSkill, clock: FakeClock, locale: str, said: str
) -> None:
    """On the skill built on the test's clock and store, so the day kept is the test's own."""
    from skill.app import handle_event
    from skill.local.resolver import UtteranceResolver

    resolver = UtteranceResolver.from_model_file(MODEL_PATH.with_name(f"{locale}.json"), today=clock.today)

    def converse_in_locale(locale: str) -> Conversation:
        return Conversation(
            lambda event: handle_event(event, coach_skill), resolver, clock, "amzn1.ask.account.day", locale
        )

    first = converse_in_locale(locale)
    _play(first, ["my calves are twitching after my run"])
    while first.replies[-1].is_question and "remember this episode" not in first.replies[-1].speech:
        first.say("no")  # no warning signs, no warm-up, not thirsty, not a long session
    assert "remember this episode" in first.replies[-1].speech, first.transcript()
    first.say("yes")
    assert clock.today().isoformat() == "2026-03-02"

    later = converse_in_locale(locale)
    later.launch()
    answer = later.say("what did you tell me last time")
    assert answer.speech.startswith(said), later.transcript()


@pytest.mark.parametrize(("locale", "number"), [("en-gb", "999"), ("EN-AU", "triple zero"), ("en_IN", "112")])
def test_a_locale_written_in_another_case_still_hears_its_own_number(
    load_event: Callable[[str], dict[str, Any]], invoke: Invoke, locale: str, number: str
) -> None:
    event = load_event("report_urgent.json")
    event["request"]["locale"] = locale
    reply = invoke(event)
    assert f"{number} " in reply.speech or reply.speech.endswith(f"{number}."), reply.speech
    assert "911" not in reply.speech


@pytest.mark.parametrize("locale", ["en-GB", "en-AU", "en-IN"])
def test_caffeine_pills_outside_north_america_name_the_emergency_number_not_poison_control(
    converse_in_locale: ConverseInLocale, locale: str
) -> None:
    conversation = converse_in_locale(locale)
    _play(conversation, ["my arms are twitching after the gym and i took six caffeine pills"])
    last = conversation.replies[-1]
    assert last.assessment is not None and last.assessment["triage"] == "urgent", conversation.transcript()
    assert last.speech.startswith("Call ") and "caffeine" in last.speech, last.speech
    assert "poison control" not in last.speech, last.speech


@pytest.mark.parametrize(("locale", "doctor"), [("en-US", "a doctor"), ("en-GB", "a GP"), ("en-AU", "a GP")])
def test_should_i_see_a_doctor_is_answered_from_the_verdict_in_the_locales_words(
    converse_in_locale: ConverseInLocale, locale: str, doctor: str
) -> None:
    conversation = converse_in_locale(locale)
    conversation.launch()
    early = conversation.say("should i see a doctor")
    assert early.speech.startswith(
        f"Tell me what's happening first, and I'll tell you whether you should see {doctor}."
    )
    assert NUMBERS[locale] in early.speech and not early.ends_session

    question = conversation.say("my calves are twitching after my run")
    asked = conversation.say("is this serious")
    assert asked.speech.startswith(f"I'll tell you whether to see {doctor} once I've asked"), asked.speech
    assert asked.reprompt == question.reprompt  # the pending question is asked again, not lost

    while "remember this episode" not in conversation.replies[-1].speech:
        conversation.say("no")
        assert conversation.replies[-1].is_question, conversation.transcript()
    assert conversation.replies[-1].assessment["triage"] == "self_care"
    after = conversation.say("do i need to see a doctor")
    assert after.speech.startswith(
        f"From what you've told me, this is something you can look after yourself, and nothing you've said needs {doctor} urgently."
    )
    assert f"see {doctor}." in after.speech  # and the signs that would change that
    assert after.speech.endswith("So, would you like me to remember this episode?") and not after.ends_session


@pytest.mark.parametrize(("locale", "doctor"), [("en-IN", "a doctor"), ("en-GB", "a GP")])
def test_should_i_see_a_doctor_after_a_see_a_doctor_verdict_is_yes(
    converse_in_locale: ConverseInLocale, locale: str, doctor: str
) -> None:
    conversation = converse_in_locale(locale)
    _play(conversation, SEE_A_DOCTOR)
    assert conversation.replies[-1].assessment["triage"] == "doctor", conversation.transcript()
    answer = conversation.say("should i see a doctor")
    assert answer.speech.startswith(f"Yes, I'd see {doctor} about this."), answer.speech


def test_indian_english_is_there_since_is_a_duration_not_a_yes_to_the_safety_check(
    converse_in_locale: ConverseInLocale,
) -> None:
    """'Twitching is there since 3 days' says how long; it is no yes to the warning signs."""
    conversation = converse_in_locale("en-IN")
    _play(conversation, ["my calves are twitching after cricket", "twitching is there since 3 days"])
    reply = conversation.replies[-1]
    assert "safety check" in reply.speech and "Just to be safe" not in reply.speech, conversation.transcript()


@pytest.mark.parametrize(
    ("locale", "answer", "urgent"),
    [
        ("en-AU", "yeah nah, it's settled", False),
        ("en-US", "yes it has settled", False),
        ("en-CA", "yeah it's calmed down now", False),
        ("en-CA", "no, it's still going", True),
        ("en-US", "yes", True),
        ("en-US", "no", False),
    ],
)
def test_is_your_heart_still_racing_is_answered_by_what_people_feel_not_by_their_yes_or_no(
    converse_in_locale: ConverseInLocale, locale: str, answer: str, urgent: bool
) -> None:
    conversation = converse_in_locale(locale)
    _play(conversation, ["my calves are twitching after my run and my heart is racing", "no"])
    assert "still racing now" in conversation.replies[-1].speech, conversation.transcript()
    reply = conversation.say(answer)
    said_urgent = reply.assessment is not None and reply.assessment["triage"] == "urgent"
    assert said_urgent is urgent, conversation.transcript()


@pytest.mark.parametrize(
    ("said", "vomited"),
    [("i was sick after the match", True), ("i've been sick twice", True), ("i feel sick", False)],
)
def test_british_been_sick_is_vomiting_and_feel_sick_is_not(
    converse_in_locale: ConverseInLocale, said: str, vomited: bool
) -> None:
    """In the heat, vomiting needs help now (medical-facts: heat illness); feeling sick alone does not."""
    conversation = converse_in_locale("en-GB")
    _play(conversation, ["my calves are twitching after five a side in the heat", said])
    reply = conversation.replies[-1]
    urgent = reply.assessment is not None and reply.assessment["triage"] == "urgent"
    assert urgent is vomited, conversation.transcript()
    assert ("Vomiting" in reply.speech) is vomited
