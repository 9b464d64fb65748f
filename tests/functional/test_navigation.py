"""Talking about the conversation itself: "what?", "what are you asking", "go back"; through the real handler."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Converse

__all__: list[str] = []


@pytest.mark.parametrize("what", ["what?", "huh", "sorry what", "can you repeat the question"])
def test_what_repeats_the_question_without_the_apology(converse: Converse, what: str) -> None:
    conversation = converse()
    conversation.talk(["my calves are twitching after my run", "no"])
    question = conversation.say("purple elephants")
    assert question.speech.startswith("Sorry, I didn't catch that.")
    again = conversation.say(what)
    assert "Sorry" not in again.speech and again.is_question
    assert again.speech in question.speech, "the same question, on its own"


def test_what_are_you_asking_explains_the_question_pending(converse: Converse) -> None:
    conversation = converse()
    first = conversation.say("my calves are twitching after my run")
    reply = conversation.say("what are you asking")
    assert reply.speech.startswith("I'm asking:") and "chest pain" in reply.speech and reply.is_question
    assert reply.speech != first.speech


def test_go_back_undoes_the_last_answer_and_asks_it_again(converse: Converse) -> None:
    conversation = converse()
    conversation.talk(["my calves are twitching after my run", "no"])
    warm_up = conversation.say("yes")  # the warm-up question's answer is the one to take back
    assert warm_up.assessment is not None or warm_up.is_question
    back = conversation.say("wait go back")
    assert back.speech.startswith("Okay, going back.") and back.is_question
    changed = conversation.talk(["no", "no", "no", "no", "no"])
    verdict = next(reply for reply in changed if "likely cause" in reply.speech)
    assert verdict.assessment is not None and verdict.assessment["causes"][0]["id"] == "no_warmup"
    assert "skipped the warm-up" in verdict.speech


def test_go_back_before_any_answer_says_so_kindly(converse: Converse) -> None:
    conversation = converse()
    first = conversation.say("my calves are twitching after my run")
    reply = conversation.say("go back")
    assert reply.speech.startswith("That's the first question I asked.") and reply.is_question
    assert "safety check" in first.speech


def test_the_same_sentence_is_never_said_three_times_in_a_row(converse: Converse) -> None:
    conversation = converse()
    conversation.launch()
    replies = conversation.talk(["hmm", "hmm", "hmm", "hmm"])
    speeches = [reply.speech for reply in replies]
    assert all(a != b for a, b in itertools.pairwise(speeches)), speeches
    assert all(reply.is_question for reply in replies)


def test_a_single_sign_missed_once_keeps_the_one_at_a_time_check_going(converse: Converse) -> None:
    conversation = converse()
    conversation.say("my calves are twitching after my run")
    conversation.talk(["blah", "blah"])  # the safety check, missed twice: its signs one at a time
    conversation.say("blah")  # the first single sign, missed once
    replies = conversation.talk(["no"] * 8)
    asked = [reply.speech for reply in replies if reply.assessment is None]
    assert not any("Just to be safe, is there any chest pain" in speech for speech in asked), asked


def test_a_no_said_with_a_correction_after_the_verdict_is_not_taken_as_no_to_remembering(
    converse: Converse,
) -> None:
    """ "Sorry, I meant no, I didn't warm up" corrects an answer; it does not decline, or end, anything."""
    conversation = converse()
    conversation.say("my calves are twitching after my run")
    conversation.say("no")
    verdict = conversation.say("yes")  # warmed up
    assert "remember this episode" in verdict.speech, conversation.transcript()

    corrected = conversation.say("sorry, i meant no, i didn't warm up")
    assert not corrected.ends_session, conversation.transcript()
    assert "won't remember" not in corrected.speech
    assert corrected.speech.endswith("Should I remember this episode? Say yes or no.") or (
        "remember this episode" in corrected.speech
    ), corrected.speech


def test_an_answer_heard_but_not_to_the_question_is_not_called_unheard(converse: Converse) -> None:
    """Drinks told at the safety check are kept and thanked for; the check is asked again, never 'didn't catch'."""
    conversation = converse()
    screen = conversation.say("my calves are twitching after my run")
    assert "safety check" in screen.speech
    again = conversation.say("i had two coffees and barely any water")
    assert again.speech.startswith("Got it, thanks."), again.speech
    assert "didn't catch" not in again.speech and "safety check" in again.speech


def test_a_correction_after_the_verdict_that_changes_the_cause_reopens_it(converse: Converse) -> None:
    """'I did warm up actually' after 'because you skipped the warm-up' is heard (not as warm weather), and the
    verdict is worked out again rather than called unchanged."""
    conversation = converse()
    conversation.say("my calves are twitching after my run")
    while "remember this episode" not in conversation.replies[-1].speech:
        conversation.say("no")
        assert conversation.replies[-1].is_question, conversation.transcript()
    assert "skipping the warm-up" in conversation.replies[-1].speech, conversation.transcript()
    corrected = conversation.say("i did warm up actually")
    assert "doesn't change my answer" not in corrected.speech, corrected.speech
    assert corrected.speech.startswith("Got it, thanks."), corrected.speech
    assert "hot or humid" not in " ".join(r.speech for r in conversation.replies[-1:])


def test_being_pregnant_said_after_the_verdict_changes_what_is_said(converse: Converse) -> None:
    """Same cause, but pregnancy changes what is safe to advise: the verdict is given again with it."""
    conversation = converse()
    conversation.say("my calves are twitching after my run")
    while "remember this episode" not in conversation.replies[-1].speech:
        conversation.say("no")
        assert conversation.replies[-1].is_question, conversation.transcript()
    again = conversation.say("i'm pregnant")
    assert "doesn't change my answer" not in again.speech, again.speech
    assert "pregnant" in again.speech, again.speech


def test_a_duration_said_as_denied_is_not_taken_as_how_long_it_lasted(converse: Converse) -> None:
    """'It hasn't been going on for weeks, just today' must not raise 'more than two weeks'."""
    conversation = converse()
    conversation.say("my calves are twitching after my run")
    reply = conversation.say("no, it hasn't been going on for weeks, just today")
    assert "more than two weeks" not in reply.speech, conversation.transcript()
    assert not (reply.assessment and reply.assessment["triage"] == "doctor"), conversation.transcript()
