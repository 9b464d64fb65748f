"""Holds a typed conversation with the skill as an Alexa device would; it must not decide what the skill says."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from typing import Any, Final, TextIO

from skill.local.envelopes import (
    LOCALE,
    SessionState,
    intent_request,
    launch_request,
    session_ended_request,
    session_ends,
)
from skill.local.resolver import FALLBACK_INTENT, Resolution, UtteranceResolver, normalise_utterance

__all__ = ["SKILL_PROBLEM", "run_chat", "speech_text"]

Handle = Callable[[dict[str, Any]], dict[str, Any]]

# What an Echo says when a skill fails or answers with something that is not a response.
SKILL_PROBLEM: Final = "There was a problem with the requested skill's response."
_QUIT: Final = frozenset({"quit", "exit"})
_LAUNCH_VERBS: Final = frozenset({"open", "start", "launch", "begin", "load", "run", "play"})
_ONE_SHOT_VERBS: Final = frozenset({"ask", "tell"})
# Words Alexa drops between the invocation name and the request: "ask muscle coach about my calves".
_CONNECTORS: Final = frozenset({"to", "about", "for", "if", "whether", "that"})
_TAG: Final = re.compile(r"<[^>]*>")


def speech_text(response: Mapping[str, Any]) -> str:
    """The words of a response envelope's outputSpeech, as plain text: SSML tags stripped, entities unescaped."""
    body = response.get("response")
    speech = body.get("outputSpeech") if isinstance(body, Mapping) else None
    if not isinstance(speech, Mapping):
        return ""
    raw = speech.get("ssml") if speech.get("type") == "SSML" else speech.get("text")
    if not isinstance(raw, str):
        return ""
    return " ".join(html.unescape(_TAG.sub(" ", raw)).split())


def _describe(resolution: Resolution) -> str:
    parts = [resolution.intent]
    for name, slot in resolution.slots.items():
        if slot.status == "ER_SUCCESS_MATCH":
            parts.append(f'{name}="{slot.value}" -> {slot.resolved_id}')
        elif slot.status == "ER_SUCCESS_NO_MATCH":
            parts.append(f'{name}="{slot.value}" (no match)')
        else:
            parts.append(f"{name}={slot.value}")
    return "[" + " ".join(parts) + "]"


class _Chat:
    """One conversation: the open session, if any, and where to write."""

    def __init__(
        self,
        handle: Handle,
        resolver: UtteranceResolver,
        user_id: str,
        out: TextIO,
        verbose: bool,
        locale: str = LOCALE,
    ):
        self.handle = handle
        self.resolver = resolver
        self.out = out
        self.verbose = verbose
        self.session = SessionState(user_id=user_id, locale=locale)
        self.open = False
        self.failed = False
        self.invocation = tuple(resolver.model.invocation_name.split())

    def say(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def send(self, envelope: dict[str, Any]) -> Mapping[str, Any] | None:
        """The skill's response envelope, or None (said aloud) when the skill failed or answered nonsense."""
        try:
            response = self.handle(envelope)
        except Exception as exc:  # a device outlives a failing skill, and says so
            self.failed = True
            self.say(f"Alexa: {SKILL_PROBLEM}")
            self.say(f"(the skill raised {type(exc).__name__}: {exc})")
            return None
        if not isinstance(response, Mapping) or not isinstance(response.get("response"), Mapping):
            self.failed = True
            self.say(f"Alexa: {SKILL_PROBLEM}")
            self.say("(the skill's answer has no response object)")
            if envelope["request"]["type"] != "SessionEndedRequest":
                error = {"type": "INVALID_RESPONSE", "message": "The response has no response object."}
                self.handle_quietly(session_ended_request(self.session, "ERROR", error))
            return None
        return response

    def handle_quietly(self, envelope: dict[str, Any]) -> None:
        try:
            self.handle(envelope)
        except Exception as exc:  # nothing more to tell the user; the session is over either way
            self.failed = True
            self.say(f"(the skill raised {type(exc).__name__}: {exc})")

    def turn(self, envelope: dict[str, Any]) -> None:
        response = self.send(envelope)
        if response is None:
            self.session = self.session.restarted()
            self.open = False
            self.say("(session ended)")
            return
        text = speech_text(response)
        if text:
            self.say(f"Alexa: {text}")
        if session_ends(response):
            self.session = self.session.restarted()
            self.open = False
            self.say("(session ended)")
        else:
            self.session = self.session.after(response)
            self.open = True

    def end_quietly(self) -> None:
        """Close the open session, if any, as Alexa does when the user walks away: a SessionEndedRequest."""
        if self.open:
            self.handle_quietly(session_ended_request(self.session, "USER_INITIATED"))
        self.session = self.session.restarted()
        self.open = False

    def resolve(self, words: tuple[str, ...]) -> Resolution:
        resolution = self.resolver.resolve(" ".join(words))
        if resolution.intent == FALLBACK_INTENT and len(words) > 1 and words[0] in _CONNECTORS:
            shorter = self.resolver.resolve(" ".join(words[1:]))
            if shorter.intent != FALLBACK_INTENT:
                return shorter
        return resolution

    def hear(self, line: str) -> None:
        words = tuple(normalise_utterance(line).split())
        size = len(self.invocation)
        named = len(words) > size and words[1 : size + 1] == self.invocation
        if words == self.invocation or (named and words[0] in _LAUNCH_VERBS and len(words) == size + 1):
            self.start_new_session()
            self.launch()
            return
        if named and words[0] in _ONE_SHOT_VERBS:
            self.start_new_session()
            request = words[size + 1 :]
            if request:
                self.intent(self.resolve(request))
            else:
                self.launch()
            return
        self.intent(self.resolve(words))

    def start_new_session(self) -> None:
        if self.open:
            self.end_quietly()

    def launch(self) -> None:
        if self.verbose:
            self.say("[LaunchRequest]")
        self.turn(launch_request(self.session))

    def intent(self, resolution: Resolution) -> None:
        if self.verbose:
            self.say(_describe(resolution))
        self.turn(intent_request(self.session, resolution, self.resolver.model))


def run_chat(
    handle: Handle,
    *,
    resolver: UtteranceResolver,
    user_id: str,
    input_stream: TextIO,
    output_stream: TextIO,
    interactive: bool,
    show_intents: bool = False,
    locale: str = LOCALE,
) -> int:
    """Talk to the skill line by line until quit, exit or end of input; 0 when the skill answered every turn.

    "open muscle coach" launches; "ask muscle coach ..." asks in a new session; any other line goes to the open
    session, or opens one as a one-shot request. Each answer is printed as `Alexa: ...`, and `(session ended)`
    marks where Alexa would stop listening.
    """
    chat = _Chat(handle, resolver, user_id, output_stream, show_intents, locale)
    while True:
        if interactive:
            output_stream.write("You: ")
            output_stream.flush()
        line = input_stream.readline()
        if not line:
            if interactive:
                output_stream.write("\n")
            break
        if not line.strip():
            continue
        if normalise_utterance(line) in _QUIT:
            break
        chat.hear(line)
    chat.end_quietly()
    return 1 if chat.failed else 0
