"""Shared test fixtures: real-shaped events, an isolated home per test, and a Conversation that carries the
session between turns exactly as an Alexa device does; it asserts nothing about the skill itself."""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from xml.etree import ElementTree

import pytest

if TYPE_CHECKING:
    from ask_sdk_core.skill import CustomSkill

    from skill.local.envelopes import SessionState
    from skill.local.resolver import UtteranceResolver
    from skill.persistence.sqlite import SqliteHistoryStore

__all__ = [
    "DEFAULT_USER",
    "EVENTS_DIR",
    "MODEL_PATH",
    "Conversation",
    "Converse",
    "FakeClock",
    "Invoke",
    "OtherProcess",
    "Reply",
    "clock",
    "coach_skill",
    "converse",
    "converse_in_locale",
    "converse_through_lambda",
    "history_store",
    "invoke",
    "isolated_home",
    "load_event",
    "other_process",
    "plain_text",
    "pytest_generate_tests",
]

ROOT = Path(__file__).resolve().parent.parent
EVENTS_DIR = ROOT / "events"
MODEL_PATH = ROOT / "interaction_models" / "en-US.json"
DEFAULT_USER = "amzn1.ask.account.FUNCTIONAL0TEST0USER"
_START = dt.datetime(2026, 3, 2, 7, 30, tzinfo=dt.UTC)
_TURN_GAP = dt.timedelta(seconds=8)
_TAG = re.compile(r"<[^>]*>")

Handle = Callable[[dict[str, Any]], dict[str, Any]]


def plain_text(ssml: object) -> str:
    """What a listener hears from SSML: tags dropped, entities unescaped, whitespace collapsed."""
    if not isinstance(ssml, str):
        return ""
    return " ".join(html.unescape(_TAG.sub(" ", ssml)).split())


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that takes `every_event` runs once for every request file in events/."""
    if "every_event" in metafunc.fixturenames:
        names = sorted(path.name for path in EVENTS_DIR.glob("*.json"))
        metafunc.parametrize("every_event", names)


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own MUSCLE_COACH_HOME and no AWS table or skill id from the developer's shell; days are
    counted in UTC instead of asking Amazon's Settings API, which the events name (tests stay on this machine)."""
    home = tmp_path / "coach-home"
    monkeypatch.setenv("MUSCLE_COACH_HOME", str(home))
    monkeypatch.setenv("MUSCLE_COACH_TIME_ZONE", "UTC")
    monkeypatch.delenv("TABLE_NAME", raising=False)
    monkeypatch.delenv("SKILL_ID", raising=False)
    _forget_cached_skill()
    yield home
    _forget_cached_skill()


def _forget_cached_skill() -> None:
    # Only when the app was imported: unit tests of the pure engine must not pay for the Alexa SDK.
    app = sys.modules.get("skill.app")
    if app is not None:
        app._skill.cache_clear()


OtherProcess = Callable[..., contextlib.AbstractContextManager[None]]


@pytest.fixture
def other_process() -> OtherProcess:
    """`with other_process(path, "BEGIN IMMEDIATE"):` another process has the SQLite file open, having run the
    statements and keeping any transaction open (a write lock, a read snapshot) until the block ends."""
    code = (
        "import sqlite3, sys\n"
        "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "for statement in sys.argv[2:]:\n"
        "    conn.execute(statement).fetchall()\n"
        "print('ready', flush=True)\n"
        "sys.stdin.read()\n"
    )

    @contextlib.contextmanager
    def hold(path: Path, *statements: str) -> Iterator[None]:
        with subprocess.Popen(
            [sys.executable, "-c", code, str(path), *statements],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        ) as process:
            assert process.stdin is not None and process.stdout is not None
            try:
                assert process.stdout.readline().strip() == "ready"
                yield
            finally:
                process.stdin.close()  # the other process ends, releasing what it holds
                process.wait(timeout=30)

    return hold


@pytest.fixture
def load_event() -> Callable[[str], dict[str, Any]]:
    """`load_event("launch.json")`: a fresh copy of events/launch.json."""

    def load(name: str) -> dict[str, Any]:
        event: dict[str, Any] = json.loads((EVENTS_DIR / name).read_text(encoding="utf-8"))
        return event

    return load


def run_cli(*args: str, stdin: str = "", timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`python -m skill ARGS` from the project root, with `stdin` typed in; never raises for its exit code."""
    return subprocess.run(
        [sys.executable, "-m", "skill", *args],
        cwd=ROOT,
        env=dict(os.environ),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class FakeClock:
    """The time the conversation happens at; the history store reads the same clock, so expiry is testable."""

    def __init__(self, start: dt.datetime = _START) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, delta: dt.timedelta) -> None:
        self.now += delta

    def today(self) -> dt.date:
        return self.now.date()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def history_store(tmp_path: Path, clock: FakeClock) -> Iterator[SqliteHistoryStore]:
    """The embedded store under tmp_path, with the knowledge base's retention and the test's clock."""
    from skill.knowledge import load_knowledge_base
    from skill.persistence.sqlite import SqliteHistoryStore

    retention = dt.timedelta(days=load_knowledge_base().retention_days)
    store = SqliteHistoryStore(tmp_path / "history" / "history.sqlite3", retention=retention, clock=clock)
    yield store
    store.close()


@pytest.fixture
def coach_skill(history_store: SqliteHistoryStore, clock: FakeClock) -> CustomSkill:
    """The real skill, built for this test on its own embedded store, on the test's clock."""
    from skill.app import build_skill

    return build_skill(history_store, clock=clock)


@dataclass(frozen=True, slots=True)
class Reply:
    """One response envelope, with what the user did to get it."""

    said: str
    request: dict[str, Any]
    envelope: dict[str, Any]

    @property
    def response(self) -> dict[str, Any]:
        body = self.envelope.get("response")
        return body if isinstance(body, dict) else {}

    @property
    def ssml(self) -> str:
        speech = self.response.get("outputSpeech") or {}
        return str(speech.get("ssml", "")) if isinstance(speech, dict) else ""

    @property
    def speech(self) -> str:
        return plain_text(self.ssml)

    @property
    def reprompt(self) -> str | None:
        reprompt = self.response.get("reprompt")
        if not isinstance(reprompt, dict):
            return None
        speech = reprompt.get("outputSpeech")
        return plain_text(speech.get("ssml")) if isinstance(speech, dict) else None

    @property
    def ends_session(self) -> bool:
        """A voice-only device keeps listening only after `shouldEndSession: false`."""
        return self.response.get("shouldEndSession") is not False

    @property
    def is_question(self) -> bool:
        """The contract's question: the session stays open and a reprompt follows if the user says nothing."""
        return not self.ends_session and bool(self.reprompt)

    @property
    def attributes(self) -> dict[str, Any]:
        attributes = self.envelope.get("sessionAttributes")
        return attributes if isinstance(attributes, dict) else {}

    @property
    def assessment(self) -> dict[str, Any] | None:
        assessment = self.attributes.get("assessment")
        return assessment if isinstance(assessment, dict) else None

    @property
    def card(self) -> dict[str, Any] | None:
        card = self.response.get("card")
        return card if isinstance(card, dict) else None

    def problems(self) -> list[str]:
        """What would make Alexa reject this response or a listener hear something broken; empty when valid."""
        found: list[str] = []
        if self.envelope.get("version") != "1.0":
            found.append(f"version is {self.envelope.get('version')!r}, not '1.0'")
        if not isinstance(self.envelope.get("response"), dict):
            return [*found, "no response object"]
        speeches = [("outputSpeech", self.response.get("outputSpeech"))]
        reprompt = self.response.get("reprompt")
        if reprompt is not None:
            if not isinstance(reprompt, dict) or not isinstance(reprompt.get("outputSpeech"), dict):
                found.append("reprompt has no outputSpeech")
            else:
                speeches.append(("reprompt", reprompt["outputSpeech"]))
        for where, speech in speeches:
            if speech is None:
                continue
            found += [f"{where}: {problem}" for problem in _speech_problems(speech)]
        if reprompt is not None and self.response.get("shouldEndSession") is not False:
            found.append("a reprompt on a response that ends the session")
        if not json_round_trips(self.envelope):
            found.append("the response is not plain JSON")
        return found


# Things a listener must never hear: error talk, program values, ids, template braces.
_ERROR_WORDS = re.compile(
    r"traceback|exception|\berror\b|errno|stack trace|ER_SUCCESS|ER_NO_MATCH", re.IGNORECASE
)
_PROGRAM_TEXT = re.compile(r"\bNone\b|\bnull\b|\bTrue\b|\bFalse\b|[{}<>]|\b[a-z]+_[a-z_]+\b")


def _speech_problems(speech: object) -> list[str]:
    if not isinstance(speech, dict) or speech.get("type") != "SSML":
        return [f"not SSML speech: {speech!r}"]
    ssml = speech.get("ssml")
    if not isinstance(ssml, str) or not (ssml.startswith("<speak>") and ssml.endswith("</speak>")):
        return [f"SSML not wrapped in <speak>: {ssml!r}"]
    problems: list[str] = []
    try:
        ElementTree.fromstring(ssml)
    except ElementTree.ParseError as exc:
        problems.append(f"SSML is not well formed ({exc}): {ssml!r}")
    text = plain_text(ssml)
    if not text:
        problems.append("empty speech")
    for pattern in (_ERROR_WORDS, _PROGRAM_TEXT):
        leak = pattern.search(text)
        if leak:
            problems.append(f"speech leaks {leak.group(0)!r}: {text!r}")
    return problems


def json_round_trips(value: object) -> bool:
    """True for values that survive JSON unchanged, as Lambda must send them."""
    try:
        return bool(json.loads(json.dumps(value)) == value)
    except (TypeError, ValueError):
        return False


class Converse(Protocol):
    def __call__(self, user_id: str = ..., *, skill: CustomSkill | None = ...) -> Conversation: ...


class Invoke(Protocol):
    def __call__(self, event: Any) -> Reply: ...


class Conversation:
    """A user talking to the skill through `handle` as a device would: each typed line is resolved with the
    interaction model into an IntentRequest; session attributes come back in the next request with `new` false;
    after a response that ends the session, the next line opens a new session of the same user."""

    def __init__(
        self,
        handle: Handle,
        resolver: UtteranceResolver,
        clock: FakeClock,
        user_id: str = DEFAULT_USER,
        locale: str = "en-US",
    ) -> None:
        from skill.local.envelopes import SessionState

        self.handle = handle
        self.resolver = resolver
        self.clock = clock
        self.session: SessionState = SessionState(user_id=user_id, locale=locale)
        self.replies: list[Reply] = []
        self.open = False

    @property
    def user_id(self) -> str:
        return self.session.user_id

    def launch(self) -> Reply:
        """ "Alexa, open muscle coach"."""
        from skill.local.envelopes import launch_request

        self._new_session_if_open()
        return self.send(launch_request(self.session, timestamp=self._tick()), "<open muscle coach>")

    def say(self, text: str, *, change: Callable[[dict[str, Any]], None] | None = None) -> Reply:
        """Say one line in the open session, or open a new session with it (a one-shot request); `change`
        edits the request envelope before it is sent (a value Alexa may send that the resolver never makes)."""
        from skill.local.envelopes import intent_request

        resolution = self.resolver.resolve(text)
        envelope = intent_request(self.session, resolution, self.resolver.model, timestamp=self._tick())
        if change is not None:
            change(envelope)
        return self.send(envelope, text)

    def leave(self) -> Reply | None:
        """The user walks away from an open session: Alexa sends a SessionEndedRequest."""
        from skill.local.envelopes import session_ended_request

        if not self.open:
            return None
        return self.send(session_ended_request(self.session, timestamp=self._tick()), "<walks away>")

    def send(self, envelope: dict[str, Any], said: str) -> Reply:
        """Any request envelope through the skill; the session moves on as the response says."""
        response = self.handle(envelope)
        reply = Reply(said, envelope, response)
        self.replies.append(reply)
        if envelope["request"]["type"] == "SessionEndedRequest":
            self.session, self.open = self.session.restarted(), False
        else:
            self.session = self.session.after(response)
            self.open = not reply.ends_session
        return reply

    def talk(self, lines: Sequence[str]) -> list[Reply]:
        return [self.say(line) for line in lines]

    @property
    def verdict(self) -> Reply:
        """The first reply that carries the contracted assessment."""
        for reply in self.replies:
            if reply.assessment is not None:
                return reply
        raise AssertionError("no verdict in this conversation:\n" + self.transcript())

    @property
    def questions_before_verdict(self) -> int:
        """Replies before the verdict that kept the session open with a reprompt."""
        verdict = self.verdict
        asked = 0
        for reply in self.replies:
            if reply is verdict:
                return asked
            asked += reply.is_question
        return asked

    def transcript(self) -> str:
        """The whole conversation, for assertion messages."""
        lines: list[str] = []
        for reply in self.replies:
            lines.append(f"  user:  {reply.said}")
            end = " [session ends]" if reply.ends_session else ""
            lines.append(f"  alexa: {reply.speech}{end}")
        return "\n".join(lines)

    def _tick(self) -> dt.datetime:
        self.clock.advance(_TURN_GAP)
        return self.clock.now

    def _new_session_if_open(self) -> None:
        if self.open:
            self.leave()


@pytest.fixture
def converse(coach_skill: CustomSkill, clock: FakeClock) -> Converse:
    """`converse()` starts a conversation with the real skill; `converse(user_id)` keeps one user across
    conversations; `converse(skill=...)` talks to a skill built on another store."""
    from skill.app import handle_event
    from skill.local.resolver import UtteranceResolver

    resolver = UtteranceResolver.from_model_file(MODEL_PATH, today=clock.today)

    def start(user_id: str = DEFAULT_USER, *, skill: CustomSkill | None = None) -> Conversation:
        target = skill or coach_skill

        def handle(event: dict[str, Any]) -> dict[str, Any]:
            return handle_event(event, target)

        return Conversation(handle, resolver, clock, user_id)

    return start


@pytest.fixture
def converse_through_lambda(clock: FakeClock) -> Callable[[str], Conversation]:
    """`converse_through_lambda(user_id)`: a conversation through `lambda_handler` itself, with the history
    store the environment configures, as on AWS Lambda."""
    from skill.app import lambda_handler
    from skill.local.resolver import UtteranceResolver

    resolver = UtteranceResolver.from_model_file(MODEL_PATH, today=clock.today)

    def handle(event: dict[str, Any]) -> dict[str, Any]:
        return lambda_handler(event, None)

    def start(user_id: str = DEFAULT_USER) -> Conversation:
        return Conversation(handle, resolver, clock, user_id)

    return start


@pytest.fixture
def converse_in_locale(clock: FakeClock) -> Callable[[str], Conversation]:
    """`converse_in_locale("en-GB")`: a new user's conversation through `lambda_handler` from a device in that
    locale: every request carries it, and typed lines are understood with interaction_models/<locale>.json (the
    en-US model for a locale that has none, as a test of what the skill does with a locale it does not know)."""
    from skill.app import lambda_handler
    from skill.local.resolver import UtteranceResolver

    def handle(event: dict[str, Any]) -> dict[str, Any]:
        return lambda_handler(event, None)

    def start(locale: str) -> Conversation:
        path = MODEL_PATH.with_name(f"{locale}.json")
        resolver = UtteranceResolver.from_model_file(
            path if path.is_file() else MODEL_PATH, today=clock.today
        )
        return Conversation(handle, resolver, clock, f"{DEFAULT_USER}.{locale}", locale)

    return start


@pytest.fixture
def invoke() -> Invoke:
    """`invoke(event)`: one event through `lambda_handler`, as AWS Lambda calls it, on this test's home."""
    from skill.app import lambda_handler

    def call(event: Any) -> Reply:
        return Reply("<event>", event if isinstance(event, dict) else {}, lambda_handler(event, None))

    return call
