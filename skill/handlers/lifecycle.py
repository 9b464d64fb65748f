"""Requests outside the conversation: session ended, skill disabled, request types this skill does not use,
and the one catch-all exception handler."""

from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import Response

from skill.handlers.envelope import request_locale
from skill.handlers.history import HistoryKeeper
from skill.knowledge import KnowledgeBase
from skill.speech import Fault, render_fault, to_ssml

__all__ = [
    "CatchAllExceptionHandler",
    "SessionEndedHandler",
    "SkillDisabledHandler",
    "UnsupportedRequestHandler",
]

log = logging.getLogger(__name__)

SKILL_DISABLED = "AlexaSkillEvent.SkillDisabled"


class SessionEndedHandler(AbstractRequestHandler):
    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("SessionEndedRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        error = getattr(request, "error", None)
        if error is not None:
            log.warning(
                "session ended with an error: %s %s",
                getattr(error, "object_type", None),
                getattr(error, "message", None),
            )
        return handler_input.response_builder.response


class SkillDisabledHandler(AbstractRequestHandler):
    """The user disabled the skill: delete everything remembered about them."""

    def __init__(self, history: HistoryKeeper) -> None:
        self.history = history

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type(SKILL_DISABLED)(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        body = getattr(request, "body", None)
        user_id = getattr(body, "user_id", None) or _context_user(handler_input)
        if user_id and not self.history.forget(user_id):
            log.error("could not delete the history of a user who disabled the skill")
        return handler_input.response_builder.response


def _say_fault(kb: KnowledgeBase, handler_input: HandlerInput, fault: Fault) -> Response:
    spoken = render_fault(kb, fault, request_locale(handler_input))
    builder = handler_input.response_builder.speak(to_ssml(spoken.speech))
    return builder.ask(to_ssml(spoken.reprompt or spoken.speech)).response


class UnsupportedRequestHandler(AbstractRequestHandler):
    """Any other request type still gets a valid, kind response."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        log.info("request type %s is not used by this skill", getattr(request, "object_type", None))
        if handler_input.request_envelope.session is None:
            return handler_input.response_builder.response
        return _say_fault(self.kb, handler_input, "unsupported")


class CatchAllExceptionHandler(AbstractExceptionHandler):
    """One place for every unexpected error: a kind sentence to the user, the detail to the logs."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        log.error("unhandled error in a turn", exc_info=exception)
        if is_request_type("SessionEndedRequest")(handler_input):
            return handler_input.response_builder.response  # Alexa allows no speech after the session ended
        return _say_fault(self.kb, handler_input, "failed")


def _context_user(handler_input: HandlerInput) -> str | None:
    system = getattr(handler_input.request_envelope.context, "system", None)
    user = getattr(system, "user", None)
    return getattr(user, "user_id", None)
