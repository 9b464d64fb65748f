"""Values Alexa may send before the SDK knows them (new enum values, new request types) never end an interview,
and a SessionEndedRequest never gets speech; through the real skill, mid-conversation."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Converse, Invoke

__all__: list[str] = []

LoadEvent = Callable[[str], dict[str, Any]]
FIRST_REPORT = "my calves are twitching after my run"
WARM_UP_QUESTION = "did you warm up before the hard part?"


def _set_dialog_state(envelope: dict[str, Any]) -> None:
    envelope["request"]["dialogState"] = "SOMETHING_NEW"


def _set_intent_confirmation(envelope: dict[str, Any]) -> None:
    envelope["request"]["intent"]["confirmationStatus"] = "PARTLY_CONFIRMED"


def _set_slot_details(envelope: dict[str, Any]) -> None:
    envelope["request"]["intent"]["slots"] = {
        "muscle": {
            "name": "muscle",
            "confirmationStatus": "SOMETHING_NEW",
            "source": "A_NEW_SOURCE",
            "slotValue": {"type": "Composite", "value": "legs"},
        }
    }


UNKNOWN_VALUES = {
    "dialogState": _set_dialog_state,
    "intent confirmationStatus": _set_intent_confirmation,
    "slot confirmationStatus, source and slotValue type": _set_slot_details,
}


@pytest.mark.parametrize("change", UNKNOWN_VALUES.values(), ids=UNKNOWN_VALUES.keys())
def test_an_unknown_enum_value_mid_interview_is_an_ordinary_answer(
    change: Callable[[dict[str, Any]], None], converse: Converse
) -> None:
    conversation = converse()
    conversation.say(FIRST_REPORT)

    reply = conversation.say("no", change=change)

    assert reply.problems() == []
    assert WARM_UP_QUESTION in reply.speech.lower(), conversation.transcript()
    assert reply.is_question


def test_an_unknown_request_type_mid_interview_keeps_the_session_and_the_interview(
    converse: Converse,
) -> None:
    from skill.local.envelopes import other_request

    conversation = converse()
    question = conversation.say(FIRST_REPORT)

    reply = conversation.send(
        other_request(conversation.session, "Alexa.Something.New", {"payload": {"x": 1}}), "<something new>"
    )

    assert reply.problems() == []
    assert reply.is_question, reply.speech
    assert reply.attributes == question.attributes
    answer = conversation.say("no")
    assert WARM_UP_QUESTION in answer.speech.lower(), conversation.transcript()


def _unknown_reason(event: dict[str, Any]) -> None:
    event["request"]["reason"] = "SOMETHING_NEW"


def _unknown_error_type(event: dict[str, Any]) -> None:
    event["request"]["error"]["type"] = "SOMETHING_NEW"


def _unreadable_timestamp(event: dict[str, Any]) -> None:
    event["request"]["timestamp"] = "not a time"


ENDINGS = {
    "unknown reason": _unknown_reason,
    "unknown error type": _unknown_error_type,
    "unreadable timestamp": _unreadable_timestamp,
}


@pytest.mark.parametrize("change", ENDINGS.values(), ids=ENDINGS.keys())
def test_a_session_ended_request_never_gets_speech(
    change: Callable[[dict[str, Any]], None], load_event: LoadEvent, invoke: Invoke
) -> None:
    event = copy.deepcopy(load_event("session_ended_error.json"))
    change(event)

    reply = invoke(event)

    assert reply.problems() == []
    assert "outputSpeech" not in reply.response
    assert "reprompt" not in reply.response
