"""The skill for every English locale Alexa serves: a new user speaking their own everyday words, typed and
understood with their locale's interaction model, through `lambda_handler`, hears their own emergency number and
never another locale's; a locale the skill does not know is answered in en-US words, never with a crash."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Conversation, Invoke, run_cli

ROOT = Path(__file__).resolve().parents[2]

# How each locale's emergency number is said (medical-facts: emergency numbers by English locale).
NUMBERS = {"en-US": "911", "en-CA": "911", "en-GB": "999", "en-AU": "triple zero", "en-IN": "112"}
_SAID_NUMBERS = re.compile(r"\b(911|999|112|000)\b|triple zero", re.IGNORECASE)

# A whole conversation per locale in that locale's words: opening, the safety screen, an everyday answer, then
# the sign that makes it urgent (dark brown urine after a hard game: muscle breakdown).
CONVERSATIONS = {
    "en-US": [
        "open muscle coach",
        "my calves are twitching after soccer",
        "no",
        "i skipped my warm up",
        "actually my pee is dark brown",
    ],
    "en-GB": [
        "open muscle coach",
        "my calves are twitching after five a side",
        "no",
        "about half a litre",
        "actually my wee is dark brown",
    ],
    "en-CA": [
        "open muscle coach",
        "my thighs are twitching after hockey",
        "nope",
        "i had two double doubles",
        "my pee is dark brown",
    ],
    "en-AU": [
        "open muscle coach",
        "my quads are twitching after aussie rules",
        "nah",
        "it was stinking hot",
        "my wee is dark brown and i feel dizzy",
    ],
    "en-IN": [
        "open muscle coach",
        "my calves are paining and twitching after cricket",
        "no no",
        "i skipped my warm up",
        "my urine is dark brown",
    ],
}

ConverseInLocale = Callable[[str], Conversation]


def _numbers_said(text: str) -> set[str]:
    return {(match.group(1) or "triple zero").lower() for match in _SAID_NUMBERS.finditer(text)}


def _play(conversation: Conversation, lines: list[str]) -> None:
    for line in lines:
        if line == "open muscle coach":
            conversation.launch()
        else:
            conversation.say(line)


@pytest.mark.parametrize("locale", sorted(CONVERSATIONS))
def test_a_whole_conversation_in_a_locales_words_ends_with_its_own_emergency_number(
    converse_in_locale: ConverseInLocale, locale: str
) -> None:
    conversation = converse_in_locale(locale)
    _play(conversation, CONVERSATIONS[locale])

    transcript = conversation.transcript()
    assert all(reply.problems() == [] for reply in conversation.replies), transcript
    last = conversation.replies[-1]
    assert last.assessment is not None and last.assessment["triage"] == "urgent", transcript
    assert NUMBERS[locale] in last.speech, transcript
    said = set().union(*(_numbers_said(reply.speech) for reply in conversation.replies))
    assert said == {NUMBERS[locale]}, transcript
    assert all(reply.request["request"]["locale"] == locale for reply in conversation.replies)


@pytest.mark.parametrize("locale", ["fr-FR", "en-NZ", "de-DE"])
def test_a_locale_the_skill_does_not_know_hears_en_us_words_and_never_a_crash(
    converse_in_locale: ConverseInLocale, locale: str
) -> None:
    conversation = converse_in_locale(locale)
    _play(conversation, CONVERSATIONS["en-US"])

    transcript = conversation.transcript()
    assert all(reply.problems() == [] for reply in conversation.replies), transcript
    assert conversation.replies[0].speech.startswith("Welcome to Muscle Coach"), transcript
    last = conversation.replies[-1]
    assert last.assessment is not None and last.assessment["triage"] == "urgent", transcript
    assert set().union(*(_numbers_said(reply.speech) for reply in conversation.replies)) == {"911"}, (
        transcript
    )


@pytest.mark.parametrize("locale", sorted(set(NUMBERS) - {"en-US"}))
def test_each_locales_events_are_real_shaped_and_answered_in_its_terms(
    load_event: Callable[[str], dict[str, Any]], invoke: Invoke, locale: str
) -> None:
    launch = invoke(load_event(f"launch_{locale}.json"))
    assert launch.problems() == [] and not launch.ends_session
    assert launch.request["request"]["locale"] == locale

    urgent = invoke(load_event(f"report_urgent_{locale}.json"))
    assert urgent.problems() == []
    assert urgent.assessment is not None and urgent.assessment["triage"] == "urgent"
    assert _numbers_said(urgent.speech) == {NUMBERS[locale]}, urgent.speech


@pytest.mark.parametrize("locale", sorted(NUMBERS))
def test_the_urgent_events_name_only_the_number_of_the_locale_they_carry(
    load_event: Callable[[str], dict[str, Any]], invoke: Invoke, locale: str
) -> None:
    for name in [
        "report_urgent.json",
        *(f"report_urgent_{other}.json" for other in NUMBERS if other != "en-US"),
    ]:
        event = load_event(name)
        event["request"]["locale"] = locale
        assert _numbers_said(invoke(event).speech) == {NUMBERS[locale]}, (name, locale)


def test_chat_takes_a_locale_and_understands_its_words_with_its_model() -> None:
    completed = run_cli(
        "chat", "--locale", "en-GB", stdin="my calves are twitching after footy and my wee is dark brown\n"
    )

    assert completed.returncode == 0, completed.stderr
    assert "call 999" in completed.stdout and "911" not in completed.stdout


def test_chat_in_a_locale_without_a_model_says_which_locales_have_one() -> None:
    completed = run_cli("chat", "--locale", "fr-FR", stdin="open muscle coach\n")

    assert completed.returncode == 2
    assert "no interaction model for 'fr-FR'" in completed.stderr
    assert "en-AU, en-CA, en-GB, en-IN, en-US" in completed.stderr


def test_invoke_sends_every_request_with_the_locale_asked_for() -> None:
    urgent = str(ROOT / "events" / "report_urgent.json")
    as_filed = json.loads(run_cli("invoke", urgent).stdout)
    in_australia = json.loads(run_cli("invoke", "--locale", "en-AU", urgent).stdout)

    assert "911" in as_filed["response"]["outputSpeech"]["ssml"]
    assert "triple zero" in in_australia["response"]["outputSpeech"]["ssml"]


def test_validate_checks_every_locales_model() -> None:
    completed = run_cli("validate")

    assert completed.returncode == 0, completed.stderr
    assert "(en-AU, en-CA, en-GB, en-IN, en-US)" in completed.stdout


def _post(port: int, event: dict[str, Any], process: subprocess.Popen[str]) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("POST", "/", body=json.dumps(event).encode())
            answer: dict[str, Any] = json.loads(conn.getresponse().read())
            conn.close()
            return answer
        except ConnectionRefusedError:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "serve did not start"
            time.sleep(0.05)


def test_serve_answers_a_request_without_a_locale_in_its_locale_and_others_in_their_own(
    load_event: Callable[[str], dict[str, Any]],
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "skill",
        "serve",
        "--no-verify",
        "--port",
        str(port),
        "--locale",
        "en-GB",
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        without = load_event("report_urgent.json")
        del without["request"]["locale"]
        heard_as_british = _post(port, without, process)
        heard_as_indian = _post(port, load_event("report_urgent_en-IN.json"), process)
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert _numbers_said(heard_as_british["response"]["outputSpeech"]["ssml"]) == {"999"}
    assert _numbers_said(heard_as_indian["response"]["outputSpeech"]["ssml"]) == {"112"}
