"""Every real-shaped request in events/, and the bad input Alexa or a broken caller can send, through the real
`lambda_handler`; it checks what Alexa and the user get back and must not reach into the skill's internals."""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from conftest import Invoke

__all__: list[str] = []

LoadEvent = Callable[[str], dict[str, Any]]

EVENTS_USER = "amzn1.ask.account.LOCAL0TEST0USER0MUSCLE0COACH"
EVENTS_SKILL = "amzn1.ask.skill.00000000-0000-4000-8000-000000000000"
SPOKEN_REQUESTS = {"LaunchRequest", "IntentRequest"}
PHASES = {"start", "interview", "verdict", "consent", "confirm_forget", "done"}


def with_attributes(event: dict[str, Any], attributes: dict[str, Any]) -> dict[str, Any]:
    """The same request, sent in an ongoing session that carries these session attributes."""
    changed = copy.deepcopy(event)
    changed["session"]["new"] = False
    changed["session"]["attributes"] = copy.deepcopy(attributes)
    return changed


def test_every_event_gets_a_valid_response(every_event: str, load_event: LoadEvent, invoke: Invoke) -> None:
    event = load_event(every_event)

    reply = invoke(event)

    assert reply.problems() == [], every_event
    if event["request"]["type"] in SPOKEN_REQUESTS:
        assert reply.speech, f"{every_event} got no speech"
        assert reply.ends_session or reply.reprompt, f"{every_event} keeps listening without a reprompt"


def test_launch_invites_a_new_user_to_describe_the_twitch_after_the_disclaimer(
    load_event: LoadEvent, invoke: Invoke
) -> None:
    reply = invoke(load_event("launch.json"))

    speech = reply.speech.lower()
    assert "welcome to muscle coach" in speech
    assert "not medical advice" in speech
    assert "which muscles are twitching" in speech
    assert speech.index("not medical advice") < speech.index("which muscles are twitching")
    assert reply.is_question
    assert reply.assessment is None


def test_the_one_shot_report_asks_a_question_or_gives_a_verdict(
    load_event: LoadEvent, invoke: Invoke
) -> None:
    reply = invoke(load_event("report_oneshot.json"))

    assert reply.is_question or reply.assessment is not None, reply.speech
    assert "calves" in reply.speech
    if reply.is_question:
        assert reply.speech.rstrip().endswith("?"), reply.speech


def test_the_urgent_report_is_answered_first_with_urgent_advice(
    load_event: LoadEvent, invoke: Invoke
) -> None:
    reply = invoke(load_event("report_urgent.json"))

    speech = reply.speech.lower()
    first_sentence = speech.split(". ")[0]
    assert "medical care" in first_sentence or "emergency" in first_sentence, reply.speech
    assert reply.assessment is not None
    assert reply.assessment["triage"] == "urgent"
    assert reply.card is not None
    assert reply.card["title"]
    assert "get medical care right away" in reply.card["content"].lower()
    assert "safety check" not in speech
    assert reply.ends_session


@pytest.mark.parametrize("event_name", ["stop.json", "cancel.json", "navigate_home.json"])
def test_stop_and_cancel_say_goodbye_and_end(event_name: str, load_event: LoadEvent, invoke: Invoke) -> None:
    reply = invoke(load_event(event_name))

    assert "take care" in reply.speech.lower()
    assert reply.ends_session
    assert reply.reprompt is None


@pytest.mark.parametrize("event_name", ["session_ended.json", "session_ended_error.json"])
def test_session_ended_gets_an_empty_valid_response(
    event_name: str, load_event: LoadEvent, invoke: Invoke
) -> None:
    reply = invoke(load_event(event_name))

    assert reply.problems() == []
    assert "outputSpeech" not in reply.response
    assert "reprompt" not in reply.response
    assert "card" not in reply.response


def test_a_session_that_ended_with_an_error_is_logged(
    load_event: LoadEvent, invoke: Invoke, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        invoke(load_event("session_ended_error.json"))

    assert any("INVALID_RESPONSE" in record.getMessage() for record in caplog.records)


def test_disabling_the_skill_deletes_the_users_history(
    load_event: LoadEvent, invoke: Invoke, isolated_home: Path
) -> None:
    from skill.persistence import NO_HISTORY, Episode
    from skill.persistence.sqlite import SqliteHistoryStore

    first = invoke(load_event("launch.json"))
    assert "not medical advice" in first.speech
    stores = sorted(isolated_home.rglob("*.sqlite3"))
    assert len(stores) == 1, stores
    store = SqliteHistoryStore(stores[0])
    store.set_consent(EVENTS_USER, True)
    store.append_episode(
        EVENTS_USER, Episode(dt.datetime.now(dt.UTC).date(), ("calf",), "fatigue", "self_care")
    )
    remembered = invoke(load_event("last_time.json"))
    assert "tired muscles" in remembered.speech, remembered.speech
    assert "welcome back" in invoke(load_event("launch.json")).speech.lower()

    disabled = invoke(load_event("skill_disabled.json"))

    assert disabled.problems() == []
    assert "outputSpeech" not in disabled.response
    assert store.load(EVENTS_USER) == NO_HISTORY
    store.close()
    after = invoke(load_event("launch.json"))
    assert "welcome to muscle coach" in after.speech.lower()
    assert "not medical advice" in after.speech
    forgotten = invoke(load_event("last_time.json"))
    assert "tired muscles" not in forgotten.speech


def test_an_unknown_intent_is_treated_as_not_understood(load_event: LoadEvent, invoke: Invoke) -> None:
    reply = invoke(load_event("unknown_intent.json"))

    assert reply.problems() == []
    assert "didn't catch that" in reply.speech
    assert reply.is_question


def test_a_slot_alexa_could_not_match_re_asks_the_pending_question(
    load_event: LoadEvent, invoke: Invoke
) -> None:
    question = invoke(load_event("report_oneshot.json"))
    assert question.is_question, question.speech
    pending_question = question.speech.split(". ")[-1]

    reply = invoke(with_attributes(load_event("answer_no_match.json"), question.attributes))

    assert reply.problems() == []
    assert "didn't catch that" in reply.speech
    assert pending_question in reply.speech, (pending_question, reply.speech)
    assert reply.is_question
    assert "elbow" not in reply.speech.lower()


@pytest.mark.parametrize("event_name", ["answer_no_match.json", "answer_empty_slot.json"])
def test_an_answer_with_nothing_usable_outside_an_interview_invites_a_report(
    event_name: str, load_event: LoadEvent, invoke: Invoke
) -> None:
    reply = invoke(load_event(event_name))

    assert reply.problems() == []
    assert reply.is_question
    assert "which muscles are twitching" in reply.speech


def test_an_empty_slot_mid_interview_re_asks_without_counting_as_an_answer(
    load_event: LoadEvent, invoke: Invoke
) -> None:
    question = invoke(load_event("report_oneshot.json"))

    reply = invoke(with_attributes(load_event("answer_empty_slot.json"), question.attributes))

    assert reply.problems() == []
    assert reply.is_question
    assert reply.assessment is None
    assert question.speech.split(". ")[-1] in reply.speech


CORRUPTED_ATTRIBUTES: dict[str, dict[str, Any]] = {
    "state is not JSON": {"coach": "garbage"},
    "state is JSON but not an object": {"coach": "[1, 2]"},
    "state is JSON nested beyond reason": {"coach": "[" * 100_000 + "]" * 100_000},
    "state JSON with an unknown phase": {"coach": '{"phase": "flying"}'},
    "state is a number": {"coach": 42},
    "unknown phase": {"coach": {"phase": "flying"}},
    "unknown fact": {"coach": {"phase": "interview", "facts": {"made_up": True}}},
    "fact of the wrong type": {"coach": {"phase": "interview", "facts": {"fasted": "very"}}},
    "unknown pending question": {"coach": {"phase": "interview", "pending": "no_such_question"}},
    "negative misses": {"coach": {"phase": "interview", "misses": -3}},
    "unknown field": {"coach": {"phase": "interview", "admin": True}},
    "user is a list": {"coach": {"phase": "interview", "user": []}},
    "assessment of the wrong shape": {"coach": {"phase": "verdict"}, "assessment": {"triage": "maybe"}},
}


@pytest.mark.parametrize("attributes", CORRUPTED_ATTRIBUTES.values(), ids=CORRUPTED_ATTRIBUTES.keys())
def test_corrupted_session_attributes_restart_the_interview_kindly(
    attributes: dict[str, Any], load_event: LoadEvent, invoke: Invoke
) -> None:
    reply = invoke(with_attributes(load_event("answer_yes.json"), attributes))

    assert reply.problems() == []
    assert "let's start again" in reply.speech.lower(), reply.speech
    assert reply.is_question
    state = json.loads(reply.attributes["coach"])
    assert state["phase"] in PHASES
    assert "admin" not in state
    assert reply.assessment is None


def test_the_state_travels_as_one_compact_string_and_is_read_back_as_an_object_too(
    load_event: LoadEvent, invoke: Invoke
) -> None:
    question = invoke(load_event("report_oneshot.json"))
    carried = question.attributes["coach"]
    assert isinstance(carried, str) and " " not in carried.split('"last_speech"')[0]

    as_sent = invoke(with_attributes(load_event("answer_no.json"), question.attributes))
    as_object = invoke(
        with_attributes(load_event("answer_no.json"), {**question.attributes, "coach": json.loads(carried)})
    )

    assert as_sent.problems() == [] and as_object.problems() == []
    assert "start again" not in as_sent.speech.lower()
    assert as_object.speech == as_sent.speech
    assert as_object.attributes == as_sent.attributes


def _event_with_a_set(load: LoadEvent) -> dict[str, Any]:
    event = load("launch.json")
    event["session"]["attributes"] = {"odd": {1, 2}}
    return event


MALFORMED: dict[str, Callable[[LoadEvent], Any]] = {
    "missing request": lambda load: {k: v for k, v in load("launch.json").items() if k != "request"},
    "empty object": lambda load: {},
    "request is a number": lambda load: {**load("launch.json"), "request": 42},
    "request without a type": lambda load: {**load("launch.json"), "request": {"requestId": "x"}},
    "intent request without an intent": lambda load: {
        **load("help.json"),
        "request": {k: v for k, v in load("help.json")["request"].items() if k != "intent"},
    },
    "a string": lambda load: "open muscle coach",
    "a list": lambda load: [load("launch.json")],
    "nothing": lambda load: None,
    "not JSON at all": _event_with_a_set,
}


@pytest.mark.parametrize("make", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_event_gets_a_clear_valid_response(
    make: Callable[[LoadEvent], Any], load_event: LoadEvent, invoke: Invoke
) -> None:
    reply = invoke(make(load_event))

    assert reply.problems() == []
    assert "sorry" in reply.speech.lower()


def test_an_unsupported_request_type_gets_a_valid_kind_response(
    load_event: LoadEvent, invoke: Invoke
) -> None:
    reply = invoke(load_event("unsupported_request.json"))

    assert reply.problems() == []
    assert reply.speech.lower().startswith("sorry")
    assert reply.is_question


def test_an_unsupported_request_outside_a_session_gets_an_empty_valid_response(
    load_event: LoadEvent, invoke: Invoke
) -> None:
    event = load_event("skill_disabled.json")
    event["request"] = {
        "type": "AlexaSkillEvent.ProactiveSubscriptionChanged",
        "requestId": "amzn1.echo-api.request.00000000-0000-4000-8000-000000000099",
        "timestamp": "2025-06-14T18:30:29Z",
        "body": {"subscriptions": []},
    }

    reply = invoke(event)

    assert reply.problems() == []
    assert "outputSpeech" not in reply.response


def test_with_a_skill_id_set_a_request_for_another_skill_is_refused(
    load_event: LoadEvent, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SKILL_ID", "amzn1.ask.skill.11111111-1111-4111-8111-111111111111")

    reply = invoke(load_event("launch.json"))

    assert reply.problems() == []
    assert "outputSpeech" not in reply.response
    assert reply.ends_session
    assert reply.attributes == {}


def test_with_a_skill_id_set_requests_for_this_skill_are_served(
    load_event: LoadEvent, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SKILL_ID", EVENTS_SKILL)

    reply = invoke(load_event("launch.json"))

    assert "which muscles are twitching" in reply.speech
    assert reply.is_question


def test_with_a_skill_id_set_a_request_naming_no_skill_is_refused(
    load_event: LoadEvent, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SKILL_ID", EVENTS_SKILL)
    event = load_event("launch.json")
    del event["context"]["System"]["application"]
    del event["session"]["application"]

    reply = invoke(event)

    assert "outputSpeech" not in reply.response
    assert reply.ends_session


@pytest.mark.parametrize("skill_id", [None, EVENTS_SKILL], ids=["no skill id set", "skill id set"])
def test_a_request_whose_session_and_context_name_different_skills_is_refused(
    skill_id: str | None, load_event: LoadEvent, invoke: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    if skill_id:
        monkeypatch.setenv("SKILL_ID", skill_id)
    event = load_event("launch.json")
    event["session"]["application"]["applicationId"] = "amzn1.ask.skill.11111111-1111-4111-8111-111111111111"

    reply = invoke(event)

    assert "outputSpeech" not in reply.response
    assert reply.ends_session
    assert reply.attributes == {}


def test_an_unknown_log_level_falls_back_to_info_with_a_warning(
    load_event: LoadEvent, tmp_path: Path
) -> None:
    script = "import json, sys; from skill.app import lambda_handler; print(json.dumps(lambda_handler(json.load(sys.stdin), None)))"
    env = {**os.environ, "LOG_LEVEL": "verbose", "MUSCLE_COACH_HOME": str(tmp_path)}
    completed = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(load_event("launch.json")),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    assert "LOG_LEVEL='verbose' is not a logging level" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert json.loads(completed.stdout)["response"]["shouldEndSession"] is False


@pytest.mark.parametrize(("locale", "number", "not_said"), [("en-GB", "999", "911"), ("en-US", "911", "999")])
def test_an_urgent_verdict_names_the_users_own_emergency_number(
    load_event: Callable[[str], dict[str, Any]], locale: str, number: str, not_said: str
) -> None:
    from skill.app import lambda_handler

    event = load_event("report_urgent.json")
    event["request"]["locale"] = locale
    speech = lambda_handler(event, None)["response"]["outputSpeech"]["ssml"]
    assert number in speech and not_said not in speech


def test_a_report_outside_a_session_still_gets_its_urgent_answer_and_no_error(
    load_event: LoadEvent, invoke: Invoke, caplog: pytest.LogCaptureFixture
) -> None:
    """A request without a `session` object has no session attributes to read or write; the answer is the same."""
    event = load_event("report_urgent.json")
    del event["session"]
    with caplog.at_level(logging.ERROR):
        reply = invoke(event)
    assert reply.problems() == []
    assert reply.speech.startswith("Stop exercising, sip some water, and get medical care right away."), (
        reply.speech
    )
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
