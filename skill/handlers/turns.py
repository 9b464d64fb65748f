"""ask-sdk request handlers: read state, run the turn, render speech, write state. The only Alexa glue."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.utils import is_request_type
from ask_sdk_model import IntentRequest, Response
from ask_sdk_model.ui import SimpleCard

from skill.dialogue import DialogueState, SessionStateError, SlotValue, UserTurn, settle, step
from skill.dialogue.flow import TurnKind
from skill.dialogue.understand import WORDS
from skill.handlers import intents as i
from skill.handlers.envelope import request_locale
from skill.handlers.history import HistoryKeeper
from skill.handlers.local_time import TimeZones, local_day
from skill.knowledge import KnowledgeBase
from skill.knowledge.localize import localized
from skill.persistence import Clock, utc_now
from skill.speech import render, to_ssml

__all__ = [
    "INTENT_TURNS",
    "IntentTurnHandler",
    "LaunchHandler",
    "TurnRunner",
    "UnknownIntentHandler",
    "read_intent",
]

log = logging.getLogger(__name__)


INTENT_TURNS: dict[str, TurnKind] = {
    i.REPORT: "report",
    i.ANSWER: "answer",
    i.YES_WITH_DETAILS: "answer",
    i.NO_WITH_DETAILS: "answer",
    i.DENY: "answer",
    i.DONT_KNOW: "dont_know",
    i.WHY_VERDICT: "why_verdict",
    i.WHY_QUESTION: "why_question",
    i.MORE_ADVICE: "more",
    i.SEE_DOCTOR: "see_doctor",
    i.FORGET_HISTORY: "forget",
    i.LAST_TIME: "last_time",
    i.HELP: "help",
    i.STOP: "stop",
    i.CANCEL: "stop",
    i.NAVIGATE_HOME: "stop",
    i.FALLBACK: "fallback",
    i.REPEAT: "repeat",
    i.GO_BACK: "go_back",
    i.START_OVER: "start_over",
    i.YES: "yes",
    i.NO: "no",
}


class TurnRunner:
    """Runs one turn for any handler: the shared read-state / step / render / write-state sequence."""

    def __init__(
        self, kb: KnowledgeBase, history: HistoryKeeper, time_zones: TimeZones, clock: Clock = utc_now
    ) -> None:
        self.kb = kb
        self.history = history
        self.time_zones = time_zones
        self.clock = clock

    def run(
        self, handler_input: HandlerInput, kind: TurnKind, slots: Mapping[str, SlotValue] | None = None
    ) -> Response:
        envelope = handler_input.request_envelope
        locale = request_locale(handler_input)
        kb = localized(self.kb, locale)  # the knowledge base in the locale's words; its rules are the same
        budget = self.history.budget()
        local = self.time_zones.zone_of(handler_input)
        today = local_day(envelope.request, local.zone, self.clock())
        user_id = _user_id(handler_input)
        session = envelope.session
        try:
            # a request outside a session (no `session` object) has no attributes to read, and none to write
            attributes = handler_input.attributes_manager.session_attributes if session is not None else {}
            state = DialogueState.from_session(kb, attributes)
            restarted = False
        except SessionStateError as exc:
            log.warning("restarting the interview: %s", exc)
            state, restarted = DialogueState(), True
        if session is None or session.new or restarted:
            state = state.evolve(user=self.history.context(user_id, today, budget))
        recall = self.history.recall(user_id, budget) if kind == "last_time" else None
        turn = step(kb, state, UserTurn(kind, slots or {}, recall), today, restarted)
        # The store's work is done before the words are chosen, so they never claim what it did not do.
        turn = settle(turn, self.history.apply(user_id, turn.effects, today, budget))
        spoken = render(kb, turn.outcome, locale)
        new_state = turn.state.evolve(last_speech=spoken.speech, last_reprompt=spoken.reprompt)
        if session is not None:
            handler_input.attributes_manager.session_attributes = {**new_state.to_session(), **local.carried}
        builder = handler_input.response_builder.speak(to_ssml(spoken.speech))
        if spoken.reprompt and not turn.end_session:
            builder.ask(to_ssml(spoken.reprompt))
        if spoken.card_title and spoken.card_text:
            builder.set_card(SimpleCard(title=spoken.card_title, content=spoken.card_text))
        builder.set_should_end_session(turn.end_session or not spoken.reprompt)
        return builder.response


class LaunchHandler(AbstractRequestHandler):
    def __init__(self, runner: TurnRunner) -> None:
        self.runner = runner

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("LaunchRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        return self.runner.run(handler_input, "launch")


class IntentTurnHandler(AbstractRequestHandler):
    """Every intent of the model: the intent name picks the kind of turn (INTENT_TURNS); slots become facts.

    One handler looking the name up, rather than one per intent, so dispatch costs one check, not seventeen.
    """

    def __init__(self, runner: TurnRunner, turns: Mapping[str, TurnKind] = INTENT_TURNS) -> None:
        self.runner = runner
        self.turns = turns

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return _intent_name(handler_input.request_envelope.request) in self.turns

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        name = _intent_name(request) or ""
        kind, slots = read_intent(name, slot_values(request), self.turns)
        return self.runner.run(handler_input, kind, slots)


class UnknownIntentHandler(AbstractRequestHandler):
    """An intent this skill does not know is treated like something it did not understand."""

    def __init__(self, runner: TurnRunner) -> None:
        self.runner = runner

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("IntentRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        log.info(
            "unknown intent %s treated as not understood",
            getattr(getattr(request, "intent", None), "name", None),
        )
        return self.runner.run(handler_input, "fallback")


def read_intent(
    name: str, slots: dict[str, SlotValue], turns: Mapping[str, TurnKind] = INTENT_TURNS
) -> tuple[TurnKind, dict[str, SlotValue]]:
    """The kind of turn and the slots an intent gives: a yes or no intent with nothing after it is a plain yes
    or no; with words after it, those words carry the reply, and a denial's words are read with its "no" put
    back, so "no chest pain" is chest pain denied while "no, but my chest hurts" is the sign."""
    reply = i.INTENT_REPLIES.get(name)
    if reply is None:
        return turns[name], slots
    words = slots.get(WORDS)
    if words is None or not words.value:  # a plain yes or no, whatever sample caught it
        return ("yes" if reply == "yes" else "no"), {}
    negator = i.INTENT_NEGATES.get(name)
    if negator is not None:
        said = f"{negator} {words.value}"
        slots = {**slots, WORDS: SlotValue(said, said)}
    return turns[name], {**slots, "reply": SlotValue(id=reply, value=reply)}


def slot_values(request: Any) -> dict[str, SlotValue]:
    """Filled slots with their entity-resolution id (None when Alexa matched nothing)."""
    if not isinstance(request, IntentRequest) or request.intent is None or not request.intent.slots:
        return {}
    values: dict[str, SlotValue] = {}
    for name, slot in request.intent.slots.items():
        if slot is None or not slot.value:
            continue
        resolved: str | None = slot.value
        resolutions = getattr(slot, "resolutions", None)
        authorities = getattr(resolutions, "resolutions_per_authority", None) or []
        if authorities:
            resolved = None
            for authority in authorities:
                code = getattr(getattr(authority.status, "code", None), "value", None)
                if code == "ER_SUCCESS_MATCH" and authority.values:
                    resolved = authority.values[0].value.id
                    break
        values[name] = SlotValue(id=resolved, value=slot.value)
    return values


def _intent_name(request: Any) -> str | None:
    if not isinstance(request, IntentRequest) or request.intent is None:
        return None
    name = request.intent.name
    return name if isinstance(name, str) else None


def _user_id(handler_input: HandlerInput) -> str | None:
    """The Alexa user id; None when the request carries none (such a request has no history)."""
    envelope = handler_input.request_envelope
    system = getattr(envelope.context, "system", None)
    user = getattr(system, "user", None) or getattr(envelope.session, "user", None)
    user_id = getattr(user, "user_id", None)
    return user_id if isinstance(user_id, str) and user_id else None
