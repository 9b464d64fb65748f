"""What the skill says about the user's history is true: "deleted" and "I'll remember" only after the store did
it, a failing store is named as one, consent and the stored episode come from the store and the engine rather
than from what the device sends back, and requests without a user id or with an absurd timestamp store nothing
wrong. Through the real handler on the embedded store; asserts what the user hears and what the store keeps."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from skill.app import build_skill
from skill.errors import StoreError
from skill.persistence import NO_HISTORY, Episode, UserHistory

if TYPE_CHECKING:
    from conftest import Conversation, Converse, FakeClock

    from skill.persistence.sqlite import SqliteHistoryStore

__all__: list[str] = []

USER = "amzn1.ask.account.HONEST0HISTORY0USER"
CALVES_AFTER_A_RUN = ("my calves are twitching after my run", "no", "yes")  # a tired-muscles verdict
UNREACHABLE = "can't reach your history right now"

Tamper = Callable[[dict[str, Any]], None]


class FailingStore:
    """The test's embedded store, with the named methods failing as a down backend does."""

    def __init__(self, store: SqliteHistoryStore, *failing: str) -> None:
        self.store = store
        self.failing = set(failing)

    def __getattr__(self, name: str) -> Any:
        if name in self.failing:

            def fail(*args: Any) -> None:
                raise StoreError("the history backend is unreachable")

            return fail
        return getattr(self.store, name)


def talk_to(
    converse: Converse, store: Any, clock: FakeClock, tamper: Tamper | None = None, user: str = USER
) -> Conversation:
    """A conversation with the real skill on `store`; `tamper` changes each request as a device could."""
    conversation = converse(user, skill=build_skill(store, clock=clock))
    if tamper is not None:
        handle = conversation.handle

        def tampered(event: dict[str, Any]) -> dict[str, Any]:
            tamper(event)
            return handle(event)

        conversation.handle = tampered
    return conversation


def consenting_user(converse: Converse) -> None:
    """USER has said yes to being remembered, with one episode kept."""
    converse(USER).talk([*CALVES_AFTER_A_RUN, "yes"])


def test_forget_says_deleted_only_when_the_deletion_succeeded(
    converse: Converse, clock: FakeClock, history_store: SqliteHistoryStore
) -> None:
    consenting_user(converse)
    kept = history_store.load(USER)
    conversation = talk_to(converse, FailingStore(history_store, "delete_user"), clock)

    assert conversation.say("forget my history").is_question
    answer = conversation.say("yes")

    assert UNREACHABLE in answer.speech, answer.speech
    assert "deleted" not in answer.speech.lower() or "couldn't delete" in answer.speech.lower()
    assert "done" not in answer.speech.lower()
    assert answer.problems() == []
    assert history_store.load(USER) == kept


def test_yes_remember_says_so_only_when_the_episode_was_stored(
    converse: Converse, clock: FakeClock, history_store: SqliteHistoryStore
) -> None:
    conversation = talk_to(converse, FailingStore(history_store, "append_episode"), clock)
    conversation.talk(CALVES_AFTER_A_RUN)
    assert "remember this episode" in conversation.verdict.speech.lower()

    answer = conversation.say("yes")

    assert UNREACHABLE in answer.speech and "couldn't save" in answer.speech, answer.speech
    assert "i'll remember" not in answer.speech.lower()
    assert answer.problems() == [] and answer.ends_session
    assert history_store.load(USER).episodes == ()


def test_a_verdict_whose_episode_could_not_be_kept_is_still_spoken_and_says_so(
    converse: Converse, clock: FakeClock, history_store: SqliteHistoryStore
) -> None:
    consenting_user(converse)
    clock.advance(dt.timedelta(days=1))
    conversation = talk_to(converse, FailingStore(history_store, "append_episode"), clock)

    conversation.talk(CALVES_AFTER_A_RUN)

    verdict = conversation.verdict
    assert "tired muscles" in verdict.speech.lower()
    assert "couldn't save this episode" in verdict.speech, verdict.speech
    assert verdict.problems() == [] and verdict.is_question
    assert len(history_store.load(USER).episodes) == 1


class DownStore:
    """A store whose backend is down for every call."""

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any) -> None:
            raise StoreError("the history backend is unreachable")

        return fail


@pytest.mark.parametrize("opening", ["forget my history", "delete my data"])
def test_forget_with_the_store_down_says_it_cannot_reach_the_history_never_that_there_is_nothing(
    converse: Converse, clock: FakeClock, opening: str
) -> None:
    answer = talk_to(converse, DownStore(), clock).say(opening)

    assert UNREACHABLE in answer.speech, answer.speech
    assert "nothing to forget" not in answer.speech
    assert answer.problems() == []


def test_last_time_with_the_store_down_says_it_cannot_reach_the_history(
    converse: Converse, clock: FakeClock
) -> None:
    answer = talk_to(converse, DownStore(), clock).say("what did you tell me last time")

    assert UNREACHABLE in answer.speech, answer.speech
    assert "don't keep a history" not in answer.speech
    assert answer.problems() == [] and answer.is_question


def _coach_state(event: dict[str, Any]) -> dict[str, Any] | None:
    attributes = (event.get("session") or {}).get("attributes") or {}
    raw = attributes.get("coach")
    return json.loads(raw) if isinstance(raw, str) else None


def claim_consent(event: dict[str, Any]) -> None:
    """The device sends back a session that says the user agreed to be remembered."""
    state = _coach_state(event)
    if state is not None:
        state["user"]["consent"] = True
        event["session"]["attributes"]["coach"] = json.dumps(state)


def test_consent_is_the_stored_profiles_not_the_sessions(
    converse: Converse, clock: FakeClock, history_store: SqliteHistoryStore
) -> None:
    converse(USER).talk([*CALVES_AFTER_A_RUN, "no"])  # declined: kept as consent False
    clock.advance(dt.timedelta(days=1))

    talk_to(converse, history_store, clock, tamper=claim_consent).talk(CALVES_AFTER_A_RUN)

    assert history_store.load(USER) == UserHistory(consent=False, disclaimer_heard=True, episodes=())


def claim_a_caffeine_doctor_verdict(event: dict[str, Any]) -> None:
    """The device sends back another assessment than the one the skill gave."""
    attributes = (event.get("session") or {}).get("attributes") or {}
    if "assessment" in attributes:
        attributes["assessment"] = {"triage": "doctor", "causes": [{"id": "caffeine", "score": 0.9}]}


def test_the_stored_episode_is_the_engines_assessment_not_the_one_the_device_sends_back(
    converse: Converse, clock: FakeClock, history_store: SqliteHistoryStore
) -> None:
    conversation = talk_to(converse, history_store, clock, tamper=claim_a_caffeine_doctor_verdict)
    conversation.talk([*CALVES_AFTER_A_RUN, "yes"])

    assert history_store.load(USER).episodes == (Episode(clock.today(), ("calf",), "fatigue", "self_care"),)


def without_a_user(event: dict[str, Any]) -> None:
    """A request that names no user (a skill event or a tool that leaves it out)."""
    event["context"]["System"].pop("user", None)
    event.get("session", {}).pop("user", None)


def test_requests_without_a_user_id_share_no_history(
    converse: Converse, clock: FakeClock, history_store: SqliteHistoryStore
) -> None:
    first = talk_to(converse, history_store, clock, tamper=without_a_user)
    first.talk([*CALVES_AFTER_A_RUN, "yes"])  # "yes" to whatever follows the verdict
    assert "remember this episode" not in first.verdict.speech.lower()
    second = talk_to(converse, history_store, clock, tamper=without_a_user)

    answer = second.say("what did you tell me last time")

    assert "tired muscles" not in answer.speech.lower(), answer.speech
    assert all(reply.problems() == [] for reply in [*first.replies, answer])
    assert history_store.load("anonymous") == NO_HISTORY


def from_year_9999(event: dict[str, Any]) -> None:
    event["request"]["timestamp"] = "9999-12-31T23:59:59Z"


def test_an_absurd_request_timestamp_is_not_the_episodes_day(
    converse: Converse, clock: FakeClock, history_store: SqliteHistoryStore
) -> None:
    talk_to(converse, history_store, clock, tamper=from_year_9999).talk([*CALVES_AFTER_A_RUN, "yes"])

    assert [episode.day for episode in history_store.load(USER).episodes] == [clock.today()]
