"""On Lambda (TABLE_NAME set) a DynamoDB that throttles every call or never answers costs no turn more than
6.5 s, and the verdict is still spoken; a TABLE_NAME the skill cannot use (no region, no boto3) costs no
request its answer; the client is built at init. Through the real `lambda_handler`, against a small fake
DynamoDB endpoint on the loopback interface."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pytest

if TYPE_CHECKING:
    from conftest import Conversation, Invoke

__all__: list[str] = []

TURN_LIMIT_SECONDS = 6.5  # Alexa waits 8 s and the function stops at 7 s
CALVES_AFTER_A_RUN = ("my calves are twitching after my run", "no", "yes")  # a tired-muscles verdict
UNREACHABLE = "can't reach your history right now"
ROOT = Path(__file__).resolve().parent.parent.parent

Behaviour = Literal["throttle", "stall"]
LoadEvent = Callable[[str], dict[str, Any]]


class FakeDynamoDb(ThreadingHTTPServer):
    """An HTTP endpoint on 127.0.0.1 that speaks just enough DynamoDB to fail: it answers every call with a
    throttling error, or accepts it and never answers."""

    daemon_threads = True

    def __init__(self, behaviour: Behaviour) -> None:
        super().__init__(("127.0.0.1", 0), _FakeDynamoDbHandler)
        self.behaviour = behaviour
        self.calls: list[str] = []
        self.released = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _FakeDynamoDbHandler(BaseHTTPRequestHandler):
    server: FakeDynamoDb

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.calls.append(self.headers.get("X-Amz-Target", ""))
        if self.server.behaviour == "stall":
            self.server.released.wait(timeout=30)  # holds the connection, answers nothing
            self.close_connection = True
            return
        body = json.dumps(
            {
                "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                "message": "The level of configured provisioned throughput for the table was exceeded.",
            }
        ).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def fake_dynamodb(request: pytest.FixtureRequest) -> Iterator[FakeDynamoDb]:
    server = FakeDynamoDb(request.param)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.released.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def lambda_environment(endpoint: str | None) -> dict[str, str]:
    """What the function's environment holds on Lambda (a table and a region), with fake credentials, no
    shared AWS files, and the endpoint pointed at the fake."""
    env = {
        "TABLE_NAME": "muscle-coach-history",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    if endpoint is not None:
        env["AWS_ENDPOINT_URL_DYNAMODB"] = endpoint
    return env


def timed(conversation: Conversation) -> list[float]:
    """Seconds each turn of the conversation takes from now on."""
    durations: list[float] = []
    handle = conversation.handle

    def handle_timed(event: dict[str, Any]) -> dict[str, Any]:
        started = time.monotonic()
        try:
            return handle(event)
        finally:
            durations.append(time.monotonic() - started)

    conversation.handle = handle_timed
    return durations


@pytest.mark.parametrize(
    ("fake_dynamodb", "retry_mode"),
    [("throttle", "legacy"), ("throttle", "standard"), ("stall", "standard")],
    indirect=["fake_dynamodb"],
    ids=["throttled-legacy", "throttled-standard", "stalled"],
)
def test_every_turn_answers_in_time_and_the_verdict_is_spoken_whatever_dynamodb_does(
    fake_dynamodb: FakeDynamoDb,
    retry_mode: str,
    converse_through_lambda: Callable[[str], Conversation],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in lambda_environment(fake_dynamodb.url).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_RETRY_MODE", retry_mode)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "10")  # the skill's own retry budget wins
    conversation = converse_through_lambda("amzn1.ask.account.DYNAMODB0LIMITS0USER")
    durations = timed(conversation)

    conversation.talk(CALVES_AFTER_A_RUN)
    forget = conversation.say("forget my history")

    assert max(durations) < TURN_LIMIT_SECONDS, (durations, conversation.transcript())
    verdict = conversation.verdict
    assert "tired muscles" in verdict.speech.lower(), conversation.transcript()
    assert UNREACHABLE in forget.speech, forget.speech
    assert all(reply.problems() == [] for reply in conversation.replies)
    assert fake_dynamodb.calls, "the store never reached the endpoint"
    if fake_dynamodb.behaviour == "throttle":
        assert len(fake_dynamodb.calls) <= 3, fake_dynamodb.calls  # one Query, at most three attempts


def test_a_table_without_a_region_costs_no_request_its_answer(
    monkeypatch: pytest.MonkeyPatch, load_event: LoadEvent, invoke: Invoke, caplog: pytest.LogCaptureFixture
) -> None:
    for name, value in lambda_environment(None).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")

    replies = [invoke(load_event(name)) for name in ("launch.json", "forget_history.json")]

    assert "welcome to muscle coach" in replies[0].speech.lower()
    assert all(reply.problems() == [] for reply in replies)
    assert UNREACHABLE in replies[1].speech, replies[1].speech  # a history may be kept in that table
    assert any(
        "TABLE_NAME" in record.getMessage() or "region" in record.getMessage() for record in caplog.records
    )


def test_a_table_without_boto3_costs_no_request_its_answer(
    monkeypatch: pytest.MonkeyPatch, load_event: LoadEvent, invoke: Invoke
) -> None:
    for name, value in lambda_environment(None).items():
        monkeypatch.setenv(name, value)
    for module in [name for name in sys.modules if name == "boto3" or name.startswith("boto3.")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "boto3", None)  # `import boto3` raises ImportError
    monkeypatch.delitem(sys.modules, "skill.persistence.dynamodb", raising=False)

    replies = [invoke(load_event(name)) for name in ("launch.json", "forget_history.json")]

    assert "welcome to muscle coach" in replies[0].speech.lower()
    assert UNREACHABLE in replies[1].speech, replies[1].speech
    assert all(reply.problems() == [] for reply in replies)


def test_with_a_table_the_client_is_built_at_init_not_in_the_first_request() -> None:
    code = (
        "import json, sys\n"
        "import skill.app\n"
        "print(json.dumps({'boto3': 'boto3' in sys.modules,"
        " 'built': skill.app._skill.cache_info().currsize == 1}))\n"
    )
    env = {**os.environ, **lambda_environment("http://127.0.0.1:9")}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert json.loads(done.stdout.splitlines()[-1]) == {"boto3": True, "built": True}
