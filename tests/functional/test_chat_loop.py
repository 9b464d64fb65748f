"""`chat`: typed lines in, what Alexa would say out, sessions carried between turns as a device carries them."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from skill.local.chat import SKILL_PROBLEM, run_chat, speech_text
from skill.local.resolver import UtteranceResolver

MODEL_PATH = Path(__file__).resolve().parents[2] / "interaction_models" / "en-US.json"
ENDS_SESSION = {"AMAZON.StopIntent", "AMAZON.CancelIntent"}


class EchoSkill:
    """A stand-in skill that says which intent it heard, counts turns in its session attributes, and records
    every request it was sent."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def __call__(self, envelope: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(envelope)
        request = envelope["request"]
        if request["type"] == "SessionEndedRequest":
            return {"version": "1.0", "response": {}}
        heard = request["intent"]["name"] if request["type"] == "IntentRequest" else request["type"]
        turn = envelope["session"]["attributes"].get("turn", 0) + 1
        return {
            "version": "1.0",
            "sessionAttributes": {"turn": turn},
            "response": {
                "outputSpeech": {
                    "type": "SSML",
                    "ssml": f"<speak>Heard {heard} &amp; this is turn {turn}.<break time='300ms'/></speak>",
                },
                "shouldEndSession": heard in ENDS_SESSION,
            },
        }

    def types(self) -> list[str]:
        return [r["request"].get("intent", {}).get("name", r["request"]["type"]) for r in self.requests]


@pytest.fixture(scope="module")
def resolver() -> UtteranceResolver:
    return UtteranceResolver.from_model_file(MODEL_PATH)


def chat(
    resolver: UtteranceResolver, text: str, *, interactive: bool = False, show_intents: bool = False
) -> tuple[EchoSkill, list[str], int]:
    skill = EchoSkill()
    out = io.StringIO()
    code = run_chat(
        skill,
        resolver=resolver,
        user_id="amzn1.ask.account.CHAT",
        input_stream=io.StringIO(text),
        output_stream=out,
        interactive=interactive,
        show_intents=show_intents,
    )
    return skill, out.getvalue().splitlines(), code


def test_open_launches_and_later_lines_continue_the_session(resolver: UtteranceResolver) -> None:
    skill, lines, code = chat(resolver, "open muscle coach\nmy calves are twitching\nnope\n")
    assert lines == [
        "Alexa: Heard LaunchRequest & this is turn 1.",
        "Alexa: Heard ReportTwitchIntent & this is turn 2.",
        "Alexa: Heard AMAZON.NoIntent & this is turn 3.",
    ]
    assert code == 0
    launch, report, answer, ended = skill.requests
    assert answer["request"]["intent"]["name"] == "AMAZON.NoIntent"
    assert launch["session"]["new"] is True
    assert report["session"]["new"] is False
    assert report["session"]["attributes"] == {"turn": 1}
    assert {r["session"]["sessionId"] for r in skill.requests} == {launch["session"]["sessionId"]}
    assert report["request"]["intent"]["slots"]["muscle"]["value"] == "calves"
    assert ended["request"] == ended["request"] | {"type": "SessionEndedRequest", "reason": "USER_INITIATED"}


@pytest.mark.parametrize(
    "opening", ["start muscle coach", "launch muscle coach", "Alexa, open Muscle Coach."]
)
def test_every_way_of_opening_the_skill_launches_it(resolver: UtteranceResolver, opening: str) -> None:
    skill, _, _ = chat(resolver, opening + "\n")
    assert skill.types()[0] == "LaunchRequest"


def test_a_first_line_without_invocation_is_a_one_shot_in_a_new_session(resolver: UtteranceResolver) -> None:
    skill, lines, _ = chat(resolver, "my calves are twitching after my run\n")
    first = skill.requests[0]
    assert first["session"]["new"] is True
    assert first["request"]["dialogState"] == "STARTED"
    assert first["request"]["intent"]["name"] == "ReportTwitchIntent"
    assert first["request"]["intent"]["slots"]["workout"]["value"] == "run"
    assert lines == ["Alexa: Heard ReportTwitchIntent & this is turn 1."]


@pytest.mark.parametrize(
    ("line", "intent"),
    [
        ("ask muscle coach why my calves are twitching", "ReportTwitchIntent"),
        ("Alexa, tell muscle coach to forget my history", "ForgetHistoryIntent"),
        ("ask muscle coach what did you tell me last time", "LastTimeIntent"),
        ("ask muscle coach", "LaunchRequest"),
    ],
)
def test_ask_and_tell_open_a_new_session_with_the_request(
    resolver: UtteranceResolver, line: str, intent: str
) -> None:
    skill, _, _ = chat(resolver, "open muscle coach\n" + line + "\n")
    launch, ended, asked = skill.requests[:3]
    assert ended["request"]["type"] == "SessionEndedRequest"
    assert ended["session"]["sessionId"] == launch["session"]["sessionId"]
    assert skill.types()[2] == intent
    assert asked["session"]["new"] is True
    assert asked["session"]["sessionId"] != launch["session"]["sessionId"]


def test_when_the_skill_ends_the_session_the_next_line_starts_another(resolver: UtteranceResolver) -> None:
    skill, lines, _ = chat(resolver, "my calves are twitching\nstop\nmy calves are twitching\n")
    assert lines == [
        "Alexa: Heard ReportTwitchIntent & this is turn 1.",
        "Alexa: Heard AMAZON.StopIntent & this is turn 2.",
        "(session ended)",
        "Alexa: Heard ReportTwitchIntent & this is turn 1.",
    ]
    first, stop, again = skill.requests[:3]
    assert stop["session"]["sessionId"] == first["session"]["sessionId"]
    assert again["session"]["sessionId"] != first["session"]["sessionId"]
    assert again["session"]["new"] is True
    assert again["session"]["attributes"] == {}


def test_end_of_input_closes_the_open_session(resolver: UtteranceResolver) -> None:
    skill, _, code = chat(resolver, "open muscle coach")
    assert skill.types() == ["LaunchRequest", "SessionEndedRequest"]
    assert skill.requests[1]["session"]["attributes"] == {"turn": 1}
    assert code == 0


def test_end_of_input_after_the_session_ended_sends_nothing_more(resolver: UtteranceResolver) -> None:
    skill, _, _ = chat(resolver, "open muscle coach\ncancel\n")
    assert skill.types() == ["LaunchRequest", "AMAZON.CancelIntent"]


@pytest.mark.parametrize("word", ["quit", "exit", "Quit."])
def test_quit_and_exit_end_the_chat(resolver: UtteranceResolver, word: str) -> None:
    skill, lines, code = chat(resolver, f"open muscle coach\n{word}\nmy calves are twitching\n")
    assert skill.types() == ["LaunchRequest", "SessionEndedRequest"]
    assert len(lines) == 1
    assert code == 0


def test_blank_lines_are_ignored(resolver: UtteranceResolver) -> None:
    skill, lines, _ = chat(resolver, "\n   \nopen muscle coach\n\n\nyes\n")
    assert skill.types() == ["LaunchRequest", "AMAZON.YesIntent", "SessionEndedRequest"]
    assert len(lines) == 2


def test_the_prompt_appears_only_when_interactive(resolver: UtteranceResolver) -> None:
    _, quiet, _ = chat(resolver, "open muscle coach\n")
    _, prompted, _ = chat(resolver, "open muscle coach\n", interactive=True)
    assert not any("You:" in line for line in quiet)
    assert prompted[0] == "You: Alexa: Heard LaunchRequest & this is turn 1."
    assert prompted[1] == "You: "


def test_unmatched_lines_reach_the_skill_as_fallback(resolver: UtteranceResolver) -> None:
    skill, _, _ = chat(resolver, "open muscle coach\nwhat's the weather like\n")
    assert skill.types()[1] == "AMAZON.FallbackIntent"
    assert "slots" not in skill.requests[1]["request"]["intent"]


def test_show_intents_prints_what_was_understood_before_each_answer(resolver: UtteranceResolver) -> None:
    _, lines, _ = chat(
        resolver, "open muscle coach\nmy elbow is twitching after a two hour run\n", show_intents=True
    )
    assert lines == [
        "[LaunchRequest]",
        "Alexa: Heard LaunchRequest & this is turn 1.",
        '[ReportTwitchIntent muscle="elbow" (no match) duration=PT2H workout="run" -> run]',
        "Alexa: Heard ReportTwitchIntent & this is turn 2.",
    ]


def test_a_failing_skill_is_reported_and_the_chat_goes_on(resolver: UtteranceResolver) -> None:
    calls: list[str] = []

    def fragile(envelope: dict[str, Any]) -> dict[str, Any]:
        calls.append(envelope["request"]["type"])
        if len(calls) == 1:
            raise RuntimeError("boom")
        return EchoSkill()(envelope)

    out = io.StringIO()
    code = run_chat(
        fragile,
        resolver=resolver,
        user_id="u",
        input_stream=io.StringIO("open muscle coach\nopen muscle coach\n"),
        output_stream=out,
        interactive=False,
    )
    assert out.getvalue().splitlines() == [
        f"Alexa: {SKILL_PROBLEM}",
        "(the skill raised RuntimeError: boom)",
        "(session ended)",
        "Alexa: Heard LaunchRequest & this is turn 1.",
    ]
    assert code == 1


def test_an_answer_that_is_not_a_response_ends_the_session_with_an_error(resolver: UtteranceResolver) -> None:
    sent: list[dict[str, Any]] = []

    def broken(envelope: dict[str, Any]) -> dict[str, Any]:
        sent.append(envelope)
        return {"version": "1.0"}

    out = io.StringIO()
    code = run_chat(
        broken,
        resolver=resolver,
        user_id="u",
        input_stream=io.StringIO("open muscle coach\n"),
        output_stream=out,
        interactive=False,
    )
    assert out.getvalue().splitlines()[0] == f"Alexa: {SKILL_PROBLEM}"
    assert sent[1]["request"]["reason"] == "ERROR"
    assert sent[1]["request"]["error"]["type"] == "INVALID_RESPONSE"
    assert len(sent) == 2
    assert code == 1


@pytest.mark.parametrize(
    ("speech", "text"),
    [
        ({"type": "SSML", "ssml": "<speak>Drink <emphasis>some</emphasis> water &amp; rest.</speak>"},
         "Drink some water & rest."),
        ({"type": "PlainText", "text": "Hello there"}, "Hello there"),
        (None, ""),
    ],
)  # fmt: skip
def test_speech_is_printed_as_plain_words(speech: dict[str, str] | None, text: str) -> None:
    body: dict[str, Any] = {} if speech is None else {"outputSpeech": speech}
    assert speech_text({"version": "1.0", "response": body}) == text
