"""Builds request envelopes shaped exactly as Alexa sends them, as plain dicts; it must not decide anything."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Final, Literal

from skill.local.resolver import InteractionModel, InteractionModelError, Resolution, SlotValue

__all__ = [
    "API_ENDPOINT",
    "LOCALE",
    "LOCAL_DEVICE_ID",
    "LOCAL_SKILL_ID",
    "DialogState",
    "SessionEndedReason",
    "SessionState",
    "intent_request",
    "launch_request",
    "new_request_id",
    "new_session_id",
    "other_request",
    "session_ended_request",
    "session_ends",
    "skill_disabled_event",
]

LOCAL_SKILL_ID: Final = "amzn1.ask.skill.00000000-0000-4000-8000-000000000000"
LOCAL_DEVICE_ID: Final = "amzn1.ask.device.LOCAL0MUSCLE0COACH0DEVICE"
API_ENDPOINT: Final = "https://api.amazonalexa.com"
LOCALE: Final = "en-US"
_API_ACCESS_TOKEN: Final = "local.api.access.token"
_AUTHORITY_PREFIX: Final = "amzn1.er-authority.echo-sdk."

SessionEndedReason = Literal["USER_INITIATED", "ERROR", "EXCEEDED_MAX_REPROMPTS"]
DialogState = Literal["STARTED", "IN_PROGRESS", "COMPLETED"]


def new_session_id() -> str:
    return f"amzn1.echo-api.session.{uuid.uuid4()}"


def new_request_id() -> str:
    return f"amzn1.echo-api.request.{uuid.uuid4()}"


def _timestamp(at: datetime | None) -> str:
    moment = datetime.now(UTC) if at is None else at.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def session_ends(response: Mapping[str, Any]) -> bool:
    """Whether Alexa closes the session after this response envelope.

    A voice-only device keeps the session open only when the skill says `shouldEndSession: false`; true, null or
    absent all end it.
    """
    body = response.get("response")
    return not (isinstance(body, Mapping) and body.get("shouldEndSession") is False)


@dataclass(frozen=True, slots=True)
class SessionState:
    """One Alexa session as a device holds it: who, which skill, the session id and its attributes."""

    user_id: str
    skill_id: str = LOCAL_SKILL_ID
    session_id: str = field(default_factory=new_session_id)
    attributes: Mapping[str, Any] = field(default_factory=dict)
    new: bool = True
    device_id: str = LOCAL_DEVICE_ID
    locale: str = LOCALE  # the device's language, sent with every request of the session

    def after(self, response: Mapping[str, Any]) -> SessionState:
        """The session the next request belongs to: this one with the response's `sessionAttributes` carried over
        (`new` false), or a fresh one when the response ended the session."""
        if session_ends(response):
            return self.restarted()
        attributes = response.get("sessionAttributes")
        carried = copy.deepcopy(dict(attributes)) if isinstance(attributes, Mapping) else {}
        return replace(self, attributes=carried, new=False)

    def restarted(self) -> SessionState:
        """A new session for the same user, device and skill."""
        return replace(self, session_id=new_session_id(), attributes={}, new=True)

    def session(self) -> dict[str, Any]:
        """The envelope's `session` object."""
        return {
            "new": self.new,
            "sessionId": self.session_id,
            "application": {"applicationId": self.skill_id},
            "attributes": copy.deepcopy(dict(self.attributes)),
            "user": {"userId": self.user_id},
        }

    def context(self) -> dict[str, Any]:
        """The envelope's `context` object, as an Echo without a screen sends it."""
        return {
            "System": {
                "application": {"applicationId": self.skill_id},
                "user": {"userId": self.user_id},
                "device": {"deviceId": self.device_id, "supportedInterfaces": {}},
                "apiEndpoint": API_ENDPOINT,
                "apiAccessToken": _API_ACCESS_TOKEN,
            }
        }


def _envelope(session: SessionState, request: dict[str, Any]) -> dict[str, Any]:
    return {"version": "1.0", "session": session.session(), "context": session.context(), "request": request}


def _request(
    request_type: str, request_id: str | None, timestamp: datetime | None, locale: str = LOCALE
) -> dict[str, Any]:
    return {
        "type": request_type,
        "requestId": request_id or new_request_id(),
        "timestamp": _timestamp(timestamp),
        "locale": locale,
    }


def launch_request(
    session: SessionState, *, request_id: str | None = None, timestamp: datetime | None = None
) -> dict[str, Any]:
    """A LaunchRequest: "Alexa, open muscle coach"."""
    request = _request("LaunchRequest", request_id, timestamp, session.locale)
    request["shouldLinkResultBeReturned"] = False
    return _envelope(session, request)


def _slot(name: str, slot_type: str, filled: SlotValue | None, skill_id: str) -> dict[str, Any]:
    if filled is None:
        return {"name": name, "confirmationStatus": "NONE"}
    slot: dict[str, Any] = {
        "name": name,
        "value": filled.value,
        "confirmationStatus": "NONE",
        "source": "USER",
    }
    slot_value: dict[str, Any] = {"type": "Simple", "value": filled.value}
    if filled.status is not None:
        authority: dict[str, Any] = {
            "authority": f"{_AUTHORITY_PREFIX}{skill_id}.{slot_type}",
            "status": {"code": filled.status},
        }
        if filled.status == "ER_SUCCESS_MATCH":
            authority["values"] = [{"value": {"name": filled.resolved_name, "id": filled.resolved_id}}]
        resolutions = {"resolutionsPerAuthority": [authority]}
        slot["resolutions"] = resolutions
        slot_value["resolutions"] = copy.deepcopy(resolutions)
    slot["slotValue"] = slot_value
    return slot


def intent_request(
    session: SessionState,
    resolution: Resolution,
    model: InteractionModel | Mapping[str, Any],
    *,
    dialog_state: DialogState | None = None,
    request_id: str | None = None,
    timestamp: datetime | None = None,
) -> dict[str, Any]:
    """An IntentRequest for what the resolver understood, with every slot the model declares for the intent.

    Filled custom slots carry entity resolution; unfilled ones only their name and confirmation status. An intent
    the model does not declare (a request from a newer model, say) is sent with no slots.
    """
    parsed = model if isinstance(model, InteractionModel) else InteractionModel.from_dict(model)
    declared = parsed.intent(resolution.intent)
    slot_types = {slot.name: slot.type for slot in declared.slots} if declared is not None else {}
    undeclared = sorted(set(resolution.slots) - set(slot_types))
    if undeclared:
        raise InteractionModelError(f"{resolution.intent} declares no slot {', '.join(undeclared)}")
    intent: dict[str, Any] = {"name": resolution.intent, "confirmationStatus": "NONE"}
    if slot_types:
        intent["slots"] = {
            name: _slot(name, slot_type, resolution.slots.get(name), session.skill_id)
            for name, slot_type in slot_types.items()
        }
    request = _request("IntentRequest", request_id, timestamp, session.locale)
    request["dialogState"] = dialog_state or ("STARTED" if session.new else "IN_PROGRESS")
    request["intent"] = intent
    return _envelope(session, request)


def session_ended_request(
    session: SessionState,
    reason: SessionEndedReason = "USER_INITIATED",
    error: Mapping[str, str] | None = None,
    *,
    request_id: str | None = None,
    timestamp: datetime | None = None,
) -> dict[str, Any]:
    """A SessionEndedRequest: the user left, did not answer, or the skill's last response was invalid.

    `error` is Alexa's `{"type": ..., "message": ...}` (types such as INVALID_RESPONSE or INTERNAL_SERVICE_ERROR)
    and comes with reason ERROR.
    """
    if error is not None and reason != "ERROR":
        raise ValueError("a SessionEndedRequest carries an error only with reason ERROR")
    request = _request("SessionEndedRequest", request_id, timestamp, session.locale)
    request["reason"] = reason
    if error is not None:
        request["error"] = {"type": error["type"], "message": error.get("message", "")}
    return _envelope(replace(session, new=False), request)


def skill_disabled_event(
    user_id: str,
    *,
    skill_id: str = LOCAL_SKILL_ID,
    persisted: bool = False,
    request_id: str | None = None,
    timestamp: datetime | None = None,
) -> dict[str, Any]:
    """The `AlexaSkillEvent.SkillDisabled` event, sent out of session when the user disables the skill.

    `persisted` says whether Alexa keeps the user id should they enable the skill again
    (`userInformationPersistenceStatus` PERSISTED or NOT_PERSISTED).
    """
    when = _timestamp(timestamp)
    return {
        "version": "1.0",
        "context": {
            "System": {
                "application": {"applicationId": skill_id},
                "user": {"userId": user_id},
                "apiEndpoint": API_ENDPOINT,
                "apiAccessToken": _API_ACCESS_TOKEN,
            }
        },
        "request": {
            "type": "AlexaSkillEvent.SkillDisabled",
            "requestId": request_id or new_request_id(),
            "timestamp": when,
            "eventCreationTime": when,
            "eventPublishingTime": when,
            "body": {"userInformationPersistenceStatus": "PERSISTED" if persisted else "NOT_PERSISTED"},
        },
    }


def other_request(
    session: SessionState,
    request_type: str,
    fields: Mapping[str, Any] | None = None,
    *,
    request_id: str | None = None,
    timestamp: datetime | None = None,
) -> dict[str, Any]:
    """Any other in-session request type (e.g. `Connections.Response`), with its own fields added to `request`."""
    request = _request(request_type, request_id, timestamp, session.locale)
    request.update(copy.deepcopy(dict(fields or {})))
    return _envelope(session, request)
