"""Whole conversations, typed as a user would say them, resolved with the skill's own interaction model and sent
through the real handler with the session carried as Alexa carries it; asserts only what a user would notice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Conversation, Converse, Reply

    from skill.persistence.sqlite import SqliteHistoryStore

__all__: list[str] = []

CAUSE_IDS = {"fatigue", "no_warmup", "dehydration", "low_blood_sugar", "caffeine"}
TRIAGE_LEVELS = {"self_care", "doctor", "urgent"}
# The cause as a user should hear it named.
CAUSE_WORDS = {
    "fatigue": "tired muscles",
    "no_warmup": "skipping the warm-up",
    "dehydration": "dehydration",
    "low_blood_sugar": "low blood sugar",
    "caffeine": "too much caffeine",
}
DISCLAIMER_WORDS = "not medical advice"
SAFETY_CHECK = "quick safety check"


def assert_contract(assessment: Any) -> None:
    """`{"triage": level, "causes": [{"id", "score"}, ... most likely first]}` and nothing else."""
    assert isinstance(assessment, dict) and set(assessment) == {"triage", "causes"}, assessment
    assert assessment["triage"] in TRIAGE_LEVELS
    causes = assessment["causes"]
    assert isinstance(causes, list)
    for cause in causes:
        assert set(cause) == {"id", "score"}, cause
        assert cause["id"] in CAUSE_IDS
        assert isinstance(cause["score"], int | float) and 0.0 <= cause["score"] <= 1.0
    scores = [cause["score"] for cause in causes]
    assert scores == sorted(scores, reverse=True), "causes must come most likely first"
    if assessment["triage"] == "self_care":
        assert {cause["id"] for cause in causes} == CAUSE_IDS


def assert_verdict(
    conversation: Conversation,
    *,
    questions: int,
    triage: str = "self_care",
    cause: str | None = None,
    reason: str | None = None,
) -> Reply:
    """The first verdict: its triage and leading cause, the questions before it, its words, card and contract."""
    story = conversation.transcript()
    for reply in conversation.replies:
        assert reply.problems() == [], f"{reply.problems()}\n{story}"
    verdict = conversation.verdict
    assessment = verdict.assessment
    assert_contract(assessment)
    assert assessment is not None
    assert assessment["triage"] == triage, story
    assert conversation.questions_before_verdict == questions, story
    speech = verdict.speech.lower()
    card = verdict.card
    assert card is not None and card["type"] in ("Standard", "Simple"), verdict.response
    assert card.get("title")
    summary = (card.get("content") or card.get("text") or "").lower()
    if cause is not None:
        assert assessment["causes"][0]["id"] == cause, story
        assert CAUSE_WORDS[cause] in speech, story
        assert CAUSE_WORDS[cause] in summary, summary
    if triage == "doctor":
        assert "doctor" in speech and "doctor" in summary, story
    if triage == "urgent":
        first_sentence = speech.split(". ")[0]
        assert "call 911" in first_sentence or "medical care" in first_sentence, story
        assert verdict.ends_session
    if reason is not None:
        assert f"because you said {reason}" in speech or reason in speech.split("because")[-1], story
    later = conversation.replies[conversation.replies.index(verdict) + 1 :]
    for reply in later:
        if reply.request["session"]["sessionId"] != verdict.request["session"]["sessionId"]:
            break
        assert reply.assessment == assessment, f"the verdict was not kept in {reply.said!r}\n{story}"
    return verdict


@dataclass(frozen=True, slots=True)
class Vignette:
    lines: tuple[str, ...]
    questions: int
    triage: str = "self_care"
    cause: str | None = None
    reason: str | None = None


VIGNETTES = {
    "calves after a run, warmed up": Vignette(
        ("my calves are twitching after my run", "no", "yes", "no"), 2, cause="fatigue"
    ),
    "calves after a run, no to everything, within four questions": Vignette(
        ("my calves are twitching after my run", "no", "no", "no", "no", "no"),
        4,
        cause="no_warmup",
        reason="you skipped the warm-up",
    ),
    "three coffees": Vignette(
        ("i had three cups of coffee and now my calves are twitching", "no", "yes", "no"),
        2,
        cause="caffeine",
        reason="you had a lot of caffeine",
    ),
    "skipped breakfast": Vignette(
        ("i skipped breakfast and my legs are twitching", "no", "yes i do", "no thanks"),
        2,
        cause="low_blood_sugar",
        reason="you feel hungry or shaky",
    ),
    "barely drank": Vignette(
        ("i barely drank and my calves are twitching", "nope", "yes", "no"),
        2,
        cause="dehydration",
        reason="you barely drank",
    ),
    "two hours in the heat": Vignette(
        ("my calves are twitching after a two hour run in the heat", "no", "yes", "no"),
        2,
        cause="dehydration",
        reason="it was hot or humid",
    ),
    "a warning sign on the safety check": Vignette(
        ("my thighs are twitching after my run", "yes", "no", "no"), 2, triage="doctor", cause="fatigue"
    ),
    "an emergency sign on the safety check": Vignette(
        ("my calves are twitching after my run", "yes", "yes"), 2, triage="urgent"
    ),
    "twitching for three weeks: the urgent check only": Vignette(
        ("my calf has been twitching for three weeks", "no"), 1, triage="doctor", cause="fatigue"
    ),
    "twitching for three weeks and an emergency sign": Vignette(
        ("my calf has been twitching for three weeks", "yes"), 1, triage="urgent"
    ),
    "numb calves and not sure about emergency signs": Vignette(
        ("my calves feel numb after my run", "not sure"), 1, triage="doctor", cause="fatigue"
    ),
}


@pytest.mark.parametrize("vignette", VIGNETTES.values(), ids=VIGNETTES.keys())
def test_a_whole_conversation_reaches_the_expected_verdict(vignette: Vignette, converse: Converse) -> None:
    conversation = converse()

    conversation.talk(vignette.lines)

    assert_verdict(
        conversation,
        questions=vignette.questions,
        triage=vignette.triage,
        cause=vignette.cause,
        reason=vignette.reason,
    )


def test_an_opening_with_cola_coloured_urine_and_swollen_arms_gets_urgent_advice_first(
    converse: Converse,
) -> None:
    conversation = converse()

    first = conversation.say("my urine is cola coloured and my arms are swollen")

    assert first is conversation.verdict
    verdict = assert_verdict(conversation, questions=0, triage="urgent")
    speech = first.speech.lower()
    assert speech.startswith("stop exercising") or speech.startswith("call"), first.speech
    assert "medical care right away" in speech
    assert SAFETY_CHECK not in speech
    assert verdict.assessment == {"triage": "urgent", "causes": []}
    assert verdict.card is not None and "medical care" in verdict.card["content"].lower()


def test_not_sure_on_the_safety_check_asks_the_emergency_signs_and_a_second_not_sure_is_warned_first(
    converse: Converse,
) -> None:
    conversation = converse()
    conversation.talk(["my calves are twitching after my run", "i'm not sure"])
    urgent_check = conversation.replies[-1]
    assert urgent_check.is_question
    assert "chest pain" in urgent_check.speech.lower() and "racing heart" in urgent_check.speech.lower()
    assert "gone on for weeks" not in urgent_check.speech.lower(), (
        "the emergency check, not the safety check again"
    )

    conversation.talk(["i don't know", "no", "no", "no", "no"])

    verdict = assert_verdict(conversation, questions=5, cause="no_warmup")
    speech = verdict.speech.lower()
    warning = speech.index("since you weren't sure")
    assert "call" in speech[warning:] and "911" in speech[warning:]
    assert warning < speech.index("the likely cause")
    assert "see a doctor" in speech  # and the doctor-level signs to watch for, at the end
    assert verdict.card is not None and "since you weren't sure" in verdict.card["content"].lower()


def test_a_reason_the_skill_worked_out_is_said_in_the_users_own_terms_not_as_something_they_said(
    converse: Converse,
) -> None:
    conversation = converse()
    conversation.talk(["my calves are twitching after my run", "no", "no", "no", "no"])

    speech = assert_verdict(conversation, questions=4, cause="no_warmup").speech.lower()

    assert "you said you skipped the warm-up" in speech
    assert "the twitching is in your calves, which your run worked" in speech
    assert "you said the twitching is only" not in speech


@pytest.mark.parametrize(
    "name",
    [
        "calves after a run, warmed up",
        "calves after a run, no to everything, within four questions",
        "three coffees",
        "barely drank",
        "twitching for three weeks: the urgent check only",
    ],
)
def test_more_tips_gives_advice_the_verdict_did_not(name: str, converse: Converse) -> None:
    vignette = VIGNETTES[name]
    conversation = converse()
    conversation.talk(
        vignette.lines[: vignette.questions + 1]
    )  # the report and the answers, up to the verdict
    verdict = conversation.verdict.speech

    tips = conversation.say("more tips")

    assert tips.ends_session
    new_words = tips.speech.split(". ")[0]
    assert len(new_words.split()) >= 8, tips.speech
    assert new_words not in verdict, f"{verdict}\n{tips.speech}"
    assert "see a doctor" in tips.speech.lower()


def test_not_sure_whether_to_be_remembered_gets_the_choice_explained_not_the_verdict_again(
    converse: Converse,
) -> None:
    conversation = converse()
    conversation.talk(["my calves are twitching after my run", "no", "yes"])
    verdict = conversation.verdict

    unsure = conversation.say("i'm not sure")

    assert unsure.is_question
    assert "remember this episode" in unsure.speech.lower()
    assert "likely cause is" not in unsure.speech.lower() and len(unsure.speech) < len(verdict.speech) / 2
    assert "i'll remember it" in conversation.say("yes").speech.lower()


def test_help_mid_interview_names_the_current_question(converse: Converse) -> None:
    conversation = converse()
    conversation.talk(["my calves are twitching after my run", "no"])
    question = conversation.replies[-1]
    assert "did you warm up before the hard part?" in question.speech.lower()

    help_reply = conversation.say("help")

    speech = help_reply.speech.lower()
    assert "i'm asking" in speech and "did you warm up before the hard part" in speech, help_reply.speech
    assert "not sure" in speech
    assert help_reply.is_question
    conversation.talk(["yes", "no"])
    assert_verdict(conversation, questions=3, cause="fatigue")  # the safety check, warm-up, and warm-up again


def test_repeat_says_the_last_thing_again(converse: Converse) -> None:
    conversation = converse()
    conversation.talk(["my calves are twitching after my run", "no"])
    question = conversation.replies[-1]

    again = conversation.say("say that again")

    assert again.speech == question.speech
    assert again.reprompt == question.reprompt
    conversation.say("yes")
    verdict = conversation.replies[-1]
    repeated = conversation.say("repeat")
    assert repeated.speech == verdict.speech
    conversation.say("no")
    assert_verdict(conversation, questions=3, cause="fatigue")


def test_why_are_you_asking_explains_and_asks_again(converse: Converse) -> None:
    conversation = converse()
    conversation.talk(["my calves are twitching after my run", "no"])

    why = conversation.say("why are you asking")

    speech = why.speech.lower()
    assert speech.endswith("did you warm up before the hard part?"), why.speech
    assert "cold" in speech.split("so, did you warm up")[0], "the reason comes before the question again"
    assert why.is_question
    conversation.talk(["yes", "no"])
    assert_verdict(conversation, questions=3, cause="fatigue")


def test_why_do_you_think_that_after_the_verdict_gives_the_reasons(converse: Converse) -> None:
    conversation = converse()
    conversation.talk(["i had three cups of coffee and now my calves are twitching", "no", "yes"])
    verdict = conversation.replies[-1]
    assert verdict.assessment is not None

    why = conversation.say("why do you think that")

    speech = why.speech.lower()
    assert "too much caffeine because" in speech, why.speech
    assert "you had a lot of caffeine" in speech and "you feel jittery" in speech
    assert "stimulant" in speech
    assert why.assessment == verdict.assessment
    assert not why.ends_session
    assert_verdict(conversation, questions=2, cause="caffeine")


def test_after_why_the_next_yes_answers_the_question_the_user_just_heard(
    converse: Converse, history_store: SqliteHistoryStore
) -> None:
    """Asked "why?" at the first verdict, the skill ends its explanation with a question; a yes must answer
    that question, not silently agree to have health history kept."""
    conversation = converse()
    conversation.talk(["my calves are twitching after my run", "no", "yes"])
    why = conversation.say("why do you think that")

    after = conversation.say("yes")

    assert "remember this episode" in why.speech.lower(), why.speech
    assert why.speech.rstrip().endswith("?")
    assert "remember" in after.speech.lower()
    assert history_store.load(conversation.user_id).consent is True


def test_a_fallback_re_asks_with_guidance_and_a_second_miss_moves_on(converse: Converse) -> None:
    conversation = converse()
    conversation.talk(["my calves are twitching after my run", "no"])
    question = conversation.replies[-1].speech

    first_miss = conversation.say("purple monkey dishwasher")

    assert first_miss.speech.lower().startswith("sorry, i didn't catch that")
    assert question in first_miss.speech
    assert len(first_miss.speech) > len(question) + len("Sorry, I didn't catch that. "), "guidance added"
    assert first_miss.is_question
    second_miss = conversation.say("banana telephone")
    assert "move on" in second_miss.speech.lower()
    assert question not in second_miss.speech
    assert second_miss.is_question
    conversation.talk(["no", "no"])
    asked = [reply.speech for reply in conversation.replies[3:]]
    assert not any(question in speech for speech in asked), "the skipped question came back"
    assert_verdict(conversation, questions=4, cause="fatigue")  # the re-ask counts: it waited for an answer


def test_i_dont_know_is_accepted_and_never_asked_again(converse: Converse) -> None:
    conversation = converse()
    conversation.talk(["my calves are twitching after my run", "no"])
    question = conversation.replies[-1].speech

    after = conversation.say("i don't know")

    assert after.is_question
    assert question not in after.speech
    assert "didn't catch" not in after.speech.lower()
    conversation.talk(["not sure", "no idea", "dunno", "i'm not sure", "no"])
    later = [reply.speech for reply in conversation.replies[3:]]
    assert not any(question in speech for speech in later)
    assert_verdict(conversation, questions=6, cause="fatigue")


def test_details_volunteered_mid_interview_are_used_and_never_asked(converse: Converse) -> None:
    conversation = converse()
    conversation.talk(["my calves are twitching after my run", "no"])

    next_question = conversation.say("my calves are twitching and i barely drank")
    conversation.say("yes")

    assert next_question.is_question
    assert "didn't catch" not in next_question.speech.lower()
    assert not any("did you drink" in reply.speech.lower() for reply in conversation.replies)
    verdict = assert_verdict(conversation, questions=3, cause="dehydration", reason="you barely drank")
    why = conversation.say("why do you think that")
    assert "you barely drank" in why.speech.lower()
    assert why.assessment == verdict.assessment


def test_a_correction_changes_the_answer_already_given(converse: Converse) -> None:
    lines = ["my legs are twitching after leg day", "no", "no", "no"]
    uncorrected = converse("amzn1.ask.account.UNCORRECTED")
    uncorrected.talk([*lines, "no", "no"])
    assert_verdict(uncorrected, questions=4, cause="no_warmup", reason="you skipped the warm-up")

    corrected = converse()
    corrected.talk(lines)
    corrected.say("actually i did warm up")
    corrected.say("no")

    verdict = assert_verdict(corrected, questions=3 + 1, cause="fatigue")  # corrected while asked the 4th
    assert "skipped the warm-up" not in verdict.speech.lower()
    assert "warm up" not in " ".join(reply.speech.lower() for reply in corrected.replies[2:])


def test_start_over_forgets_the_interview_and_begins_again(converse: Converse) -> None:
    conversation = converse()
    conversation.talk(["i had three cups of coffee and now my calves are twitching", "no"])

    restart = conversation.say("start over")

    assert "starting over" in restart.speech.lower()
    assert "which muscles are twitching" in restart.speech.lower(), "a clean slate asks what is twitching"
    assert restart.is_question
    screen = conversation.say("my legs are twitching after leg day")
    assert SAFETY_CHECK in screen.speech.lower()
    conversation.talk(["no", "no", "no", "no"])
    verdict = assert_verdict(conversation, questions=7, cause="no_warmup")
    assert "caffeine" not in verdict.speech.lower().split("would you like")[0]


def test_stop_mid_interview_says_goodbye_and_forgets_the_interview(converse: Converse) -> None:
    conversation = converse()
    conversation.talk(["i had three cups of coffee and now my calves are twitching", "no"])

    goodbye = conversation.say("stop")

    assert "take care" in goodbye.speech.lower()
    assert goodbye.ends_session
    assert goodbye.assessment is None
    later = converse()
    opening = later.say("my legs are twitching after leg day")
    assert opening.request["session"]["new"] is True
    assert SAFETY_CHECK in opening.speech.lower()
    later.talk(["no", "no", "no", "no", "no"])
    verdict = assert_verdict(later, questions=4, cause="no_warmup")
    assert "caffeine" not in verdict.speech.lower()


def test_the_disclaimer_is_spoken_once_to_a_new_user(converse: Converse) -> None:
    first = converse()
    opening = first.say("my calves are twitching after my run")
    assert DISCLAIMER_WORDS in opening.speech
    first.talk(["no", "yes", "no"])
    assert_verdict(first, questions=2, cause="fatigue")
    assert sum(DISCLAIMER_WORDS in reply.speech for reply in first.replies) == 1

    second = converse()
    welcome = second.launch()
    second.talk(["my calves are twitching after my run", "no", "yes", "no"])

    assert "welcome back" in welcome.speech.lower()
    assert not any(DISCLAIMER_WORDS in reply.speech for reply in second.replies), second.transcript()
    assert_verdict(second, questions=3, cause="fatigue")  # the welcome invites a report, then two questions
    stranger = converse("amzn1.ask.account.SOMEONE0ELSE")
    assert DISCLAIMER_WORDS in stranger.launch().speech


@pytest.mark.parametrize(
    ("opening", "muscle"),
    [
        ("why is my eyelid twitching after the gym", "eyelid"),
        ("my back is twitching after my row", "back"),
        ("my calves are twitching after my run", "calves"),
    ],
)
def test_the_opening_names_the_twitching_muscle_in_plain_english(
    opening: str, muscle: str, converse: Converse
) -> None:
    reply = converse().say(opening)

    speech = reply.speech.lower()
    singular = not muscle.endswith("s")
    said_back = f"your {muscle} {'is' if singular else 'are'} twitching" in speech
    assert said_back or f"sorry to hear about your {muscle}." in speech, reply.speech
    assert f"{muscle} {'are' if singular else 'is'} twitching" not in speech, reply.speech


def test_an_urgent_sign_volunteered_mid_interview_is_answered_at_once(converse: Converse) -> None:
    conversation = converse()
    conversation.talk(["my calves are twitching after my run", "no"])

    reply = conversation.say("i've got chest pain")

    assert "call 911" in reply.speech.lower().split(". ")[0], reply.speech
    assert_verdict(conversation, questions=2, triage="urgent")
