"""What the skill is for, and warning signs wherever they are said: whole conversations through the real handler."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Converse

__all__: list[str] = []


@pytest.mark.parametrize(
    "pain", ["my knee is sore", "my calves are really achy after my run", "my back hurts"]
)
def test_pain_on_its_own_gets_a_kind_redirect_with_the_signs_to_act_on(converse: Converse, pain: str) -> None:
    conversation = converse()
    conversation.launch()
    reply = conversation.say(pain)
    assert "twitches, spasms and cramps" in reply.speech
    assert "urine turns dark brown" in reply.speech, "the person is unwell: the signs that need care today"
    assert reply.is_question and reply.assessment is None
    then = conversation.say("yeah my calf keeps twitching too")
    assert "safety check" in then.speech, "a twitch after the redirect starts the interview"


@pytest.mark.parametrize("first", ["no", "yes", "not sure"])
def test_a_yes_or_no_before_anything_was_asked_asks_for_the_twitch(converse: Converse, first: str) -> None:
    conversation = converse()
    conversation.launch()
    reply = conversation.say(first)
    assert "which ones and what you did" in reply.speech
    assert reply.is_question and reply.assessment is None


def test_a_sign_said_as_the_answer_to_an_ordinary_question_acts_at_once(converse: Converse) -> None:
    conversation = converse()
    conversation.talk(["my calves are twitching after my run", "no", "no"])
    reply = conversation.say("i can't catch my breath")
    assert reply.assessment is not None and reply.assessment["triage"] == "urgent"
    assert reply.speech.lower().startswith("call 911 now")


@pytest.mark.parametrize(
    ("answers", "triage"),
    [(["yes it won't slow down"], "urgent"), (["no", "yes"], "urgent"), (["no", "no"], "self_care")],
)
def test_a_racing_heart_said_at_the_screen_gets_the_emergency_check_and_whether_it_settles(
    converse: Converse, answers: list[str], triage: str
) -> None:
    conversation = converse()
    screen = conversation.say("i had two big coffees and my calves are twitching after my run")
    assert "safety check" in screen.speech
    asked = conversation.say("my heart is racing")
    assert "racing heart that won't settle" in asked.speech and asked.speech != screen.speech
    replies = conversation.talk(answers)
    if len(answers) > 1:
        assert "still racing" in replies[0].speech, "then whether it settles with rest"
    conversation.talk(["no"] * 6)
    assessment = conversation.verdict.assessment
    assert assessment is not None and assessment["triage"] == triage


def test_a_sign_after_the_verdict_reassesses_at_once(converse: Converse) -> None:
    conversation = converse()
    conversation.talk(["my calves are twitching after my run", "no", "no", "yes", "no"])
    assert conversation.verdict.assessment is not None
    late = conversation.say("wait, actually my chest feels really tight")
    assert late.assessment is not None and late.assessment["triage"] == "urgent"
    assert "call 911" in late.speech.split(".")[0].lower()


def test_a_safety_question_that_is_not_understood_twice_is_asked_one_sign_at_a_time(
    converse: Converse,
) -> None:
    conversation = converse()
    conversation.say("my calves are twitching after my run")
    first_miss = conversation.say("purple elephants")
    second_miss = conversation.say("purple elephants")
    assert "one at a time" in second_miss.speech and "chest pain" in second_miss.speech
    assert first_miss.speech != second_miss.speech
    answers = [conversation.say("no") for _ in range(8)]
    verdict = next(reply for reply in answers if reply.assessment is not None)
    assert verdict.assessment["triage"] != "urgent"
    asked = [reply.speech for reply in answers[: answers.index(verdict)]]
    assert len(asked) >= 4, "each urgent sign on its own"
    assert len(set(asked)) == len(asked), "no question twice"


@pytest.mark.parametrize("first", ["help", "yes", "what is this", "why"])
def test_a_new_user_hears_the_disclaimer_before_the_first_verdict_whatever_they_say_first(
    converse: Converse, first: str
) -> None:
    conversation = converse()
    opening = conversation.say(first)  # a one-shot request: no launch, so no welcome either
    replies = [opening, *conversation.talk(["i had six caffeine pills and now my arms are twitching"])]
    verdict = next(reply for reply in replies if reply.assessment is not None)
    heard = replies[: replies.index(verdict) + 1]
    assert any("not medical advice" in reply.speech for reply in heard), [r.speech for r in heard]
    assert sum("not medical advice" in reply.speech for reply in heard) == 1, "said once"


@pytest.mark.parametrize(
    ("lines", "first_words"),
    [
        (["my legs twitch after running", "I cant feel my left arm"], "call 911 now"),
        (["my legs twitch after running", "no chest pain, just a pressure"], "call 911 now"),
        (
            ["my calf twitches after a run, just the left one, it is a bit tender and warm"],
            "get medical care today",
        ),
        (["my legs twitch after running", "not cola coloured, more like tea"], "stop exercising"),
        (["my legs twitch after a run", "my body is jerking all over and i bit my tongue"], "call 911 now"),
    ],
)
def test_signs_said_in_plain_words_act_at_once(
    converse: Converse, lines: list[str], first_words: str
) -> None:
    replies = converse().talk(lines)
    assert replies[-1].speech.lower().startswith(first_words), replies[-1].speech
    assert "stretch the" not in replies[-1].speech.lower()


def test_drinking_a_lot_said_after_the_verdict_gets_the_low_salt_check(converse: Converse) -> None:
    replies = converse().talk(
        [
            "my calves are twitching after a marathon",
            "no",
            "I drank loads, I kept drinking water at every station",
        ]
    )
    assert "since you drank a lot" in replies[-1].speech.lower(), replies[-1].speech


def test_a_baby_three_weeks_ago_is_not_three_weeks_of_twitching(converse: Converse) -> None:
    replies = converse().talk(["my calves twitch after a walk, I had a baby three weeks ago", "no"])
    assert "two weeks" not in replies[-1].speech.split("If ")[0]
    assert replies[-1].assessment is not None and replies[-1].assessment["triage"] == "self_care"


def test_an_older_walker_describing_the_twitch_is_not_turned_away(converse: Converse) -> None:
    reply = converse().say("my legs are twitching after my walk, I'm 80 and I walked 2 miles")
    assert "safety check" in reply.speech and "built for" not in reply.speech


@pytest.mark.parametrize(
    "answer",
    [
        "only a couple of coffees, but the left side of my face has gone numb",
        "yes, loads, I have had about six litres and now my hands are puffy and I feel sick",
    ],
)
def test_a_sign_in_the_middle_of_an_answer_acts_at_once(converse: Converse, answer: str) -> None:
    replies = converse().talk(["my calves are twitching after my run", "no", answer])
    assert replies[-1].assessment is not None and replies[-1].assessment["triage"] == "urgent", replies[
        -1
    ].speech
    assert "911" in replies[-1].speech
