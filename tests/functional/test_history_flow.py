"""One user over several sessions and days, through the real handler on the embedded store: consent, the
habitual pattern, "last time", the returning greeting, forgetting, and a store that is down; asserts only what
the user hears and what the store keeps."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

import pytest

from skill.app import build_skill
from skill.errors import StoreError
from skill.persistence import NO_HISTORY, Episode, UnreachableHistoryStore, UserHistory

if TYPE_CHECKING:
    from conftest import Conversation, Converse, FakeClock

    from skill.persistence.sqlite import SqliteHistoryStore

__all__: list[str] = []

USER = "amzn1.ask.account.HISTORY0TEST0USER"
# Reaches a verdict (tired muscles, self-care) after the safety check and the warm-up question.
CALVES_AFTER_A_RUN = ("my calves are twitching after my run", "no", "yes")
REMEMBER = "remember this episode"
DISCLAIMER_WORDS = "not medical advice"


class Days:
    """Moves the shared clock to a given day after the first visit."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.start = clock.now

    def on(self, day: int) -> dt.date:
        self.clock.now = self.start + dt.timedelta(days=day)
        return self.clock.today()


@pytest.fixture
def days(clock: FakeClock) -> Days:
    return Days(clock)


def report(
    converse: Converse, *after_verdict: str, lines: tuple[str, ...] = CALVES_AFTER_A_RUN
) -> Conversation:
    """A new session: the usual report, then what the user says after the verdict."""
    conversation = converse(USER)
    conversation.talk([*lines, *after_verdict])
    return conversation


def test_consent_is_asked_once_after_the_first_verdict_and_no_keeps_nothing(
    converse: Converse, days: Days, history_store: SqliteHistoryStore
) -> None:
    days.on(0)
    first = report(converse)
    assert REMEMBER in first.verdict.speech.lower()
    assert first.verdict.is_question
    declined = first.say("no")
    assert "won't remember" in declined.speech.lower()
    assert declined.ends_session
    assert history_store.load(USER) == UserHistory(consent=False, disclaimer_heard=True, episodes=())

    days.on(1)
    second = report(converse, "no")

    assert REMEMBER not in second.verdict.speech.lower(), second.transcript()
    assert "more tips" in second.verdict.speech.lower()
    assert history_store.load(USER).episodes == ()


def test_not_sure_about_more_tips_gets_the_choices_and_a_yes_still_gives_them(
    converse: Converse, days: Days
) -> None:
    days.on(0)
    report(converse, "yes")
    days.on(1)
    second = report(converse)
    assert "more tips" in second.verdict.speech.lower()

    unsure = second.say("i don't know")

    assert unsure.is_question and "more tips" in unsure.speech.lower()
    assert "likely cause is" not in unsure.speech.lower()
    tips = second.say("yes")
    assert tips.ends_session and "see a doctor" in tips.speech.lower()


def test_yes_keeps_the_episode_and_later_reports_without_asking_again(
    converse: Converse, days: Days, history_store: SqliteHistoryStore
) -> None:
    first_day = days.on(0)
    first = report(converse, "yes")
    assert "i'll remember it" in first.replies[-1].speech.lower()
    assert first.replies[-1].ends_session
    assert history_store.load(USER).episodes == (Episode(first_day, ("calf",), "fatigue", "self_care"),)

    later_day = days.on(3)
    second = report(
        converse, "no", lines=("i had three cups of coffee and now my calves are twitching", "no", "yes")
    )

    assert REMEMBER not in second.verdict.speech.lower()
    stored = history_store.load(USER)
    assert stored.consent is True
    assert stored.episodes == (
        Episode(first_day, ("calf",), "fatigue", "self_care"),
        Episode(later_day, ("calf",), "caffeine", "self_care"),
    )


def test_the_third_report_within_two_weeks_recommends_a_doctor_and_names_the_pattern(
    converse: Converse, days: Days, history_store: SqliteHistoryStore
) -> None:
    days.on(0)
    report(converse, "yes")
    days.on(6)
    second = report(converse, "no")
    assert second.verdict.assessment is not None
    assert second.verdict.assessment["triage"] == "self_care"
    assert "time in two weeks" not in second.verdict.speech

    days.on(12)
    third = report(converse, "no")

    verdict = third.verdict
    assert verdict.assessment is not None
    assert verdict.assessment["triage"] == "doctor", third.transcript()
    speech = verdict.speech.lower()
    assert "third time in two weeks" in speech, verdict.speech
    assert "calves" in speech
    assert "doctor" in speech
    assert verdict.card is not None and "doctor" in verdict.card["title"].lower()
    assert [e.triage for e in history_store.load(USER).episodes] == ["self_care", "self_care", "doctor"]


def test_reports_further_apart_than_two_weeks_are_not_a_pattern(
    converse: Converse, days: Days, history_store: SqliteHistoryStore
) -> None:
    days.on(0)
    report(converse, "yes")
    days.on(10)
    report(converse, "no")
    days.on(24)

    third = report(converse, "no")

    assert third.verdict.assessment is not None
    assert third.verdict.assessment["triage"] == "self_care", third.transcript()
    assert "time in two weeks" not in third.verdict.speech
    assert len(history_store.load(USER).episodes) == 3


def test_what_did_you_tell_me_last_time_answers_from_history(converse: Converse, days: Days) -> None:
    days.on(0)
    report(converse, "yes")
    days.on(3)

    answer = converse(USER).say("what did you tell me last time")

    speech = answer.speech.lower()
    assert "on march 2" in speech, answer.speech
    assert "tired muscles" in speech
    assert answer.is_question


def test_last_time_without_consent_says_nothing_is_kept(converse: Converse, days: Days) -> None:
    days.on(0)
    report(converse, "no")
    days.on(1)

    answer = converse(USER).say("what did you tell me last time")

    assert "don't keep a history" in answer.speech.lower(), answer.speech
    assert "tired muscles" not in answer.speech.lower()


def test_a_returning_user_is_welcomed_back_without_the_disclaimer(converse: Converse, days: Days) -> None:
    days.on(0)
    first = converse(USER)
    greeting = first.launch()
    assert "welcome to muscle coach" in greeting.speech.lower()
    assert DISCLAIMER_WORDS in greeting.speech
    first.talk([*CALVES_AFTER_A_RUN, "yes"])
    days.on(2)

    again = converse(USER)
    welcome = again.launch()
    again.talk([*CALVES_AFTER_A_RUN, "no"])

    assert "welcome back" in welcome.speech.lower()
    assert not any(DISCLAIMER_WORDS in reply.speech for reply in again.replies), again.transcript()


@pytest.mark.parametrize("opening", ["forget my history", "stop remembering", "delete my data"])
def test_forget_my_history_asks_to_confirm_then_deletes_everything(
    opening: str, converse: Converse, days: Days, history_store: SqliteHistoryStore
) -> None:
    days.on(0)
    report(converse, "yes")
    days.on(1)
    report(converse, "no")
    assert len(history_store.load(USER).episodes) == 2
    days.on(2)
    conversation = converse(USER)

    confirm = conversation.say(opening)
    assert confirm.is_question
    assert "yes" in confirm.speech.lower() and "forget" in confirm.speech.lower()
    assert len(history_store.load(USER).episodes) == 2, "nothing is deleted before the user confirms"
    done = conversation.say("yes")

    assert "deleted everything" in done.speech.lower()
    assert done.ends_session
    assert history_store.load(USER) == NO_HISTORY
    days.on(3)
    newcomer = converse(USER).launch()
    assert DISCLAIMER_WORDS in newcomer.speech
    last_time = converse(USER).say("what did you tell me last time")
    assert "tired muscles" not in last_time.speech.lower()


def test_no_to_forgetting_keeps_the_history(
    converse: Converse, days: Days, history_store: SqliteHistoryStore
) -> None:
    days.on(0)
    report(converse, "yes")
    kept = history_store.load(USER)
    conversation = converse(USER)
    conversation.say("forget my history")

    answer = conversation.say("no")

    assert "keep your history" in answer.speech.lower()
    assert history_store.load(USER) == kept


def test_follow_ups_after_a_verdict_record_the_episode_only_once(
    converse: Converse, days: Days, history_store: SqliteHistoryStore
) -> None:
    """Whatever the user says after the verdict, one report is one episode, or the pattern comes too soon."""
    days.on(0)
    report(converse, "yes")
    days.on(1)

    after = report(converse, "why do you think that", "i don't know", "i'm not sure", "no")

    assert all(reply.problems() == [] for reply in after.replies)
    assert len(history_store.load(USER).episodes) == 2, after.transcript()


class BrokenStore(UnreachableHistoryStore):
    """A history store whose backend is down: every call fails the way a real store reports it, and is counted."""

    def __init__(self) -> None:
        super().__init__("the history backend is unreachable")
        self.calls = 0

    def _fail(self) -> StoreError:
        self.calls += 1
        return super()._fail()


def test_a_failing_store_still_gives_the_user_their_verdict_and_logs_the_failure(
    converse: Converse, caplog: pytest.LogCaptureFixture
) -> None:
    store = BrokenStore()
    conversation = converse(USER, skill=build_skill(store))

    with caplog.at_level(logging.WARNING):
        conversation.talk(CALVES_AFTER_A_RUN)
        later = converse(USER, skill=build_skill(store))
        forget = later.say("forget my history")
        last_time = converse(USER, skill=build_skill(store)).say("what did you tell me last time")

    verdict = conversation.verdict
    assert verdict.assessment is not None
    assert verdict.assessment["causes"][0]["id"] == "fatigue"
    assert "tired muscles" in verdict.speech.lower()
    assert DISCLAIMER_WORDS in conversation.replies[0].speech
    for reply in [*conversation.replies, forget, last_time]:
        assert reply.problems() == []
        assert "went wrong" not in reply.speech.lower(), reply.speech
    assert store.calls > 0
    failures = [r for r in caplog.records if r.levelno >= logging.WARNING and "store" in r.getMessage()]
    assert failures, "the store failure was not logged"
    assert all("unreachable" not in reply.speech for reply in conversation.replies)
