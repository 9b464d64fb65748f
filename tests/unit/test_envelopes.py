"""Request envelopes: shaped exactly as Alexa sends them, sessions carried as a device carries them."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import IntentRequest, LaunchRequest, RequestEnvelope, SessionEndedRequest
from ask_sdk_model.events.skillevents import SkillDisabledRequest
from ask_sdk_model.interfaces.connections import ConnectionsResponse

from skill.local.envelopes import (
    LOCAL_SKILL_ID,
    SessionState,
    intent_request,
    launch_request,
    other_request,
    session_ended_request,
    session_ends,
    skill_disabled_event,
)
from skill.local.resolver import (
    InteractionModel,
    InteractionModelError,
    Resolution,
    SlotValue,
    UtteranceResolver,
    load_interaction_model,
)

ROOT = Path(__file__).resolve().parents[2]
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
USER = "amzn1.ask.account.TESTUSER"


@pytest.fixture(scope="module")
def model() -> InteractionModel:
    return load_interaction_model(ROOT / "interaction_models" / "en-US.json")


@pytest.fixture(scope="module")
def resolver(model: InteractionModel) -> UtteranceResolver:
    return UtteranceResolver(model)


def as_sdk(envelope: dict[str, Any]) -> RequestEnvelope:
    """What ask-sdk-core makes of the envelope: the proof that it has the real shape."""
    parsed: RequestEnvelope = DefaultSerializer().deserialize(json.dumps(envelope), RequestEnvelope)
    return parsed


def response(should_end: bool | None, attributes: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"outputSpeech": {"type": "SSML", "ssml": "<speak>Hi</speak>"}}
    if should_end is not None:
        body["shouldEndSession"] = should_end
    envelope: dict[str, Any] = {"version": "1.0", "response": body}
    if attributes is not None:
        envelope["sessionAttributes"] = attributes
    return envelope


def test_a_launch_request_has_everything_alexa_sends() -> None:
    session = SessionState(user_id=USER)
    envelope = launch_request(session)
    assert envelope["version"] == "1.0"
    assert envelope["session"] == {
        "new": True,
        "sessionId": session.session_id,
        "application": {"applicationId": LOCAL_SKILL_ID},
        "attributes": {},
        "user": {"userId": USER},
    }
    system = envelope["context"]["System"]
    assert system["application"] == {"applicationId": LOCAL_SKILL_ID}
    assert system["user"] == {"userId": USER}
    assert set(system["device"]) == {"deviceId", "supportedInterfaces"}
    assert system["apiEndpoint"].startswith("https://")
    assert system["apiAccessToken"]
    request = envelope["request"]
    assert request["type"] == "LaunchRequest"
    assert request["requestId"].startswith("amzn1.echo-api.request.")
    assert TIMESTAMP.fullmatch(request["timestamp"])
    assert request["locale"] == "en-US"
    assert isinstance(as_sdk(envelope).request, LaunchRequest)


def test_session_and_request_ids_are_fresh_each_time() -> None:
    first, second = SessionState(user_id=USER), SessionState(user_id=USER)
    assert first.session_id != second.session_id
    assert launch_request(first)["request"]["requestId"] != launch_request(first)["request"]["requestId"]


def test_the_timestamp_is_utc_with_a_z() -> None:
    at = datetime(2025, 6, 14, 20, 30, 5, tzinfo=UTC)
    envelope = launch_request(SessionState(user_id=USER), request_id="r1", timestamp=at)
    assert envelope["request"]["timestamp"] == "2025-06-14T20:30:05Z"
    assert envelope["request"]["requestId"] == "r1"


def test_an_intent_request_carries_every_declared_slot(
    model: InteractionModel, resolver: UtteranceResolver
) -> None:
    resolution = resolver.resolve("my calves are twitching after a two hour run in the heat")
    envelope = intent_request(SessionState(user_id=USER), resolution, model)
    intent = envelope["request"]["intent"]
    declared = model.intent("ReportTwitchIntent")
    assert declared is not None
    assert envelope["request"]["dialogState"] == "STARTED"
    assert intent["name"] == "ReportTwitchIntent"
    assert intent["confirmationStatus"] == "NONE"
    assert set(intent["slots"]) == {slot.name for slot in declared.slots}
    assert intent["slots"]["fuel"] == {"name": "fuel", "confirmationStatus": "NONE"}
    muscle = intent["slots"]["muscle"]
    assert muscle["value"] == "calves"
    authority = muscle["resolutions"]["resolutionsPerAuthority"][0]
    assert authority == {
        "authority": f"amzn1.er-authority.echo-sdk.{LOCAL_SKILL_ID}.MuscleType",
        "status": {"code": "ER_SUCCESS_MATCH"},
        "values": [{"value": {"name": "calf", "id": "calf"}}],
    }
    duration = intent["slots"]["duration"]
    assert duration["value"] == "PT2H"
    assert "resolutions" not in duration
    assert isinstance(as_sdk(envelope).request, IntentRequest)
    sdk_request: Any = as_sdk(envelope).request
    sdk_muscle = sdk_request.intent.slots["muscle"]
    assert sdk_muscle.resolutions.resolutions_per_authority[0].values[0].value.id == "calf"


def test_a_no_match_slot_has_a_status_and_no_values(model: InteractionModel) -> None:
    resolution = Resolution("AnswerIntent", {"muscle": SlotValue("elbow", status="ER_SUCCESS_NO_MATCH")})
    envelope = intent_request(SessionState(user_id=USER, new=False), resolution, model)
    muscle = envelope["request"]["intent"]["slots"]["muscle"]
    assert muscle["value"] == "elbow"
    assert muscle["resolutions"]["resolutionsPerAuthority"] == [
        {
            "authority": f"amzn1.er-authority.echo-sdk.{LOCAL_SKILL_ID}.MuscleType",
            "status": {"code": "ER_SUCCESS_NO_MATCH"},
        }
    ]
    assert envelope["request"]["dialogState"] == "IN_PROGRESS"


def test_the_authority_names_the_skill_the_session_belongs_to(model: InteractionModel) -> None:
    resolution = Resolution(
        "AnswerIntent", {"amount": SlotValue("a lot", "lots", "lots", "ER_SUCCESS_MATCH")}
    )
    session = SessionState(user_id=USER, skill_id="amzn1.ask.skill.other")
    slot = intent_request(session, resolution, model)["request"]["intent"]["slots"]["amount"]
    authority = slot["resolutions"]["resolutionsPerAuthority"][0]["authority"]
    assert authority == "amzn1.er-authority.echo-sdk.amzn1.ask.skill.other.AmountType"


def test_intents_without_slots_and_intents_outside_the_model_carry_no_slots(model: InteractionModel) -> None:
    for name in ("AMAZON.YesIntent", "DontKnowIntent", "ScheduleReminderIntent"):
        envelope = intent_request(SessionState(user_id=USER), Resolution(name), model)
        assert envelope["request"]["intent"] == {"name": name, "confirmationStatus": "NONE"}
        assert isinstance(as_sdk(envelope).request, IntentRequest)


def test_a_slot_the_intent_does_not_declare_is_refused(model: InteractionModel) -> None:
    resolution = Resolution("AMAZON.YesIntent", {"muscle": SlotValue("calves")})
    with pytest.raises(InteractionModelError, match="declares no slot muscle"):
        intent_request(SessionState(user_id=USER), resolution, model)


def test_the_model_may_be_given_as_the_raw_document(model: InteractionModel) -> None:
    raw = json.loads((ROOT / "interaction_models" / "en-US.json").read_text(encoding="utf-8"))
    session = SessionState(user_id=USER, session_id="s1")
    resolution = Resolution("AnswerIntent", {"count": SlotValue("2")})
    from_raw = intent_request(
        session, resolution, raw, request_id="r", timestamp=datetime(2025, 1, 1, tzinfo=UTC)
    )
    from_model = intent_request(
        session, resolution, model, request_id="r", timestamp=datetime(2025, 1, 1, tzinfo=UTC)
    )
    assert from_raw == from_model


def test_a_session_carries_attributes_into_the_next_request() -> None:
    session = SessionState(user_id=USER)
    attributes: dict[str, Any] = {"pending": "heat", "facts": {"workout": "run"}}
    following = session.after(response(False, attributes))
    assert following.session_id == session.session_id
    assert following.new is False
    envelope = launch_request(following)
    assert envelope["session"]["new"] is False
    assert envelope["session"]["attributes"] == attributes
    attributes["facts"]["workout"] = "swim"  # the skill's later changes never leak into a sent request
    assert envelope["session"]["attributes"]["facts"] == {"workout": "run"}
    assert following.attributes["facts"] == {"workout": "run"}


@pytest.mark.parametrize("should_end", [True, None])
def test_a_response_that_ends_the_session_starts_a_new_one(should_end: bool | None) -> None:
    session = SessionState(user_id=USER, new=False, attributes={"pending": "heat"})
    following = session.after(response(should_end, {"pending": "heat"}))
    assert session_ends(response(should_end))
    assert following.session_id != session.session_id
    assert following.new is True
    assert following.attributes == {}
    assert following.user_id == USER


def test_a_response_without_attributes_leaves_the_session_without_them() -> None:
    following = SessionState(user_id=USER, attributes={"old": 1}).after(response(False))
    assert following.attributes == {}
    assert not session_ends(response(False))


def test_a_session_ended_request_reports_the_reason_and_any_error() -> None:
    session = SessionState(user_id=USER, attributes={"pending": "heat"})
    plain = session_ended_request(session)
    assert plain["request"]["reason"] == "USER_INITIATED"
    assert "error" not in plain["request"]
    assert plain["session"]["new"] is False
    assert plain["session"]["attributes"] == {"pending": "heat"}
    failed = session_ended_request(session, "ERROR", {"type": "INVALID_RESPONSE", "message": "bad"})
    assert failed["request"]["error"] == {"type": "INVALID_RESPONSE", "message": "bad"}
    assert isinstance(as_sdk(failed).request, SessionEndedRequest)
    sdk_request: Any = as_sdk(failed).request
    assert sdk_request.error.message == "bad"
    with pytest.raises(ValueError, match="only with reason ERROR"):
        session_ended_request(session, "USER_INITIATED", {"type": "INVALID_RESPONSE", "message": "bad"})


def test_the_skill_disabled_event_comes_out_of_session() -> None:
    event = skill_disabled_event(USER)
    assert "session" not in event
    assert event["context"]["System"]["user"] == {"userId": USER}
    assert event["context"]["System"]["application"] == {"applicationId": LOCAL_SKILL_ID}
    request = event["request"]
    assert request["type"] == "AlexaSkillEvent.SkillDisabled"
    assert request["body"] == {"userInformationPersistenceStatus": "NOT_PERSISTED"}
    assert TIMESTAMP.fullmatch(request["eventCreationTime"])
    assert isinstance(as_sdk(event).request, SkillDisabledRequest)
    kept = skill_disabled_event(USER, persisted=True)["request"]["body"]
    assert kept == {"userInformationPersistenceStatus": "PERSISTED"}


def test_other_request_types_keep_their_own_fields() -> None:
    envelope = other_request(
        SessionState(user_id=USER, new=False),
        "Connections.Response",
        {"status": {"code": "200", "message": "OK"}, "name": "AskFor", "payload": {}, "token": ""},
    )
    assert envelope["request"]["name"] == "AskFor"
    assert isinstance(as_sdk(envelope).request, ConnectionsResponse)


# --- the committed events ------------------------------------------------------------------------------------------

EXPECTED_EVENTS = {
    "launch": ("LaunchRequest", None, True),
    "report_bare": ("IntentRequest", "ReportTwitchIntent", True),
    "report_oneshot": ("IntentRequest", "ReportTwitchIntent", True),
    "report_urgent": ("IntentRequest", "ReportTwitchIntent", True),
    "answer_yes": ("IntentRequest", "AMAZON.YesIntent", False),
    "answer_no": ("IntentRequest", "AMAZON.NoIntent", False),
    "answer_dont_know": ("IntentRequest", "DontKnowIntent", False),
    "answer_duration": ("IntentRequest", "AnswerIntent", False),
    "answer_amount": ("IntentRequest", "AnswerIntent", False),
    "answer_no_match": ("IntentRequest", "AnswerIntent", False),
    "answer_empty_slot": ("IntentRequest", "AnswerIntent", False),
    "why_verdict": ("IntentRequest", "WhyVerdictIntent", False),
    "why_question": ("IntentRequest", "WhyQuestionIntent", False),
    "more_advice": ("IntentRequest", "MoreAdviceIntent", False),
    "help": ("IntentRequest", "AMAZON.HelpIntent", False),
    "repeat": ("IntentRequest", "AMAZON.RepeatIntent", False),
    "stop": ("IntentRequest", "AMAZON.StopIntent", False),
    "cancel": ("IntentRequest", "AMAZON.CancelIntent", False),
    "fallback": ("IntentRequest", "AMAZON.FallbackIntent", False),
    "start_over": ("IntentRequest", "AMAZON.StartOverIntent", False),
    "navigate_home": ("IntentRequest", "AMAZON.NavigateHomeIntent", False),
    "forget_history": ("IntentRequest", "ForgetHistoryIntent", True),
    "last_time": ("IntentRequest", "LastTimeIntent", True),
    "session_ended": ("SessionEndedRequest", None, False),
    "session_ended_error": ("SessionEndedRequest", None, False),
    "skill_disabled": ("AlexaSkillEvent.SkillDisabled", None, None),
    "unknown_intent": ("IntentRequest", "ScheduleReminderIntent", False),
    "unsupported_request": ("Connections.Response", None, False),
}


def load_event(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "events" / f"{name}.json").read_text(encoding="utf-8"))
    return data


def filled(event: dict[str, Any]) -> dict[str, tuple[str, str | None]]:
    """Filled slots as (value, resolved id or resolution status)."""
    out: dict[str, tuple[str, str | None]] = {}
    for name, slot in event["request"]["intent"].get("slots", {}).items():
        if "value" not in slot:
            continue
        authorities = slot.get("resolutions", {}).get("resolutionsPerAuthority", [])
        if not authorities:
            out[name] = (slot["value"], None)
        elif authorities[0]["status"]["code"] == "ER_SUCCESS_MATCH":
            out[name] = (slot["value"], authorities[0]["values"][0]["value"]["id"])
        else:
            out[name] = (slot["value"], authorities[0]["status"]["code"])
    return out


def test_every_promised_event_is_committed() -> None:
    committed = {path.stem for path in (ROOT / "events").glob("*.json")}
    assert set(EXPECTED_EVENTS) <= committed


@pytest.mark.parametrize("name", sorted(EXPECTED_EVENTS))
def test_each_event_has_the_real_shape(model: InteractionModel, name: str) -> None:
    request_type, intent_name, new = EXPECTED_EVENTS[name]
    event = load_event(name)
    assert event["version"] == "1.0"
    assert event["request"]["type"] == request_type
    assert TIMESTAMP.fullmatch(event["request"]["timestamp"])
    assert event["context"]["System"]["application"]["applicationId"] == LOCAL_SKILL_ID
    sdk = as_sdk(event)
    assert sdk.request is not None
    if new is not None:
        assert event["session"]["new"] is new
        assert isinstance(event["session"]["attributes"], dict)
        assert event["session"]["user"] == event["context"]["System"]["user"]
    if intent_name is not None:
        assert event["request"]["intent"]["name"] == intent_name
        declared = model.intent(intent_name)
        expected_slots = {slot.name for slot in declared.slots} if declared else set()
        assert set(event["request"]["intent"].get("slots", {})) == expected_slots


@pytest.mark.parametrize(
    ("name", "slots"),
    [
        (
            "report_oneshot",
            {
                "muscle": ("calves", "calf"),
                "duration": ("PT2H", None),
                "workout": ("run", "run"),
                "condition": ("heat", "hot"),
            },
        ),
        (
            "report_urgent",
            {
                "muscle": ("arms", "arm"),
                "symptom": ("swollen", "swelling"),
                "symptom_two": ("cola coloured", "cola_urine"),
            },
        ),
        ("report_bare", {}),
        ("answer_duration", {"duration": ("PT1H", None)}),
        ("answer_amount", {"count": ("2", None), "caffeine": ("cups of coffee", "coffee")}),
        ("answer_no_match", {"muscle": ("elbow", "ER_SUCCESS_NO_MATCH")}),
        ("answer_empty_slot", {}),
    ],
)
def test_the_events_carry_what_the_user_said(name: str, slots: dict[str, tuple[str, str | None]]) -> None:
    assert filled(load_event(name)) == slots


def test_the_events_for_bad_input_are_what_they_claim(model: InteractionModel) -> None:
    assert load_event("session_ended")["request"]["reason"] == "USER_INITIATED"
    failed = load_event("session_ended_error")["request"]
    assert failed["reason"] == "ERROR"
    assert failed["error"]["type"] == "INVALID_RESPONSE"
    assert model.intent(load_event("unknown_intent")["request"]["intent"]["name"]) is None
