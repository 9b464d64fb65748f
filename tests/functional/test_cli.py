"""The `muscle-coach` command as a developer runs it: a child process, its exit status and what it prints."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import run_cli

__all__: list[str] = []

ROOT = Path(__file__).resolve().parents[2]
SKILL_ID = "amzn1.ask.skill.00000000-0000-4000-8000-000000000000"


def test_invoke_prints_the_response_envelope_of_a_request() -> None:
    completed = run_cli("invoke", str(ROOT / "events" / "launch.json"))

    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["response"]["shouldEndSession"] is False


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        ({"hello": "world"}, 'it has no "request" object with a "type"'),
        ({"version": "1.0", "request": "LaunchRequest"}, 'it has no "request" object with a "type"'),
        ([1, 2], "the JSON is list, not an object"),
        (None, "the JSON is null, not an object"),
    ],
    ids=["an object", "a request that is a string", "a list", "null"],
)
def test_invoke_on_json_that_is_not_an_alexa_request_says_so_in_one_line(
    document: object, reason: str, tmp_path: Path
) -> None:
    path = tmp_path / "not-a-request.json"
    path.write_text(json.dumps(document))

    completed = run_cli("invoke", str(path))

    assert completed.returncode == 1
    assert completed.stdout == ""
    assert completed.stderr == f"{path}: not an Alexa request: {reason}\n"


def test_serve_with_verification_on_and_no_skill_id_refuses_to_start_and_says_how_to_set_it() -> None:
    completed = run_cli("serve", "--host", "127.0.0.1", "--port", "0", timeout=30)

    assert completed.returncode == 2
    assert "--skill-id" in completed.stderr and "SKILL_ID" in completed.stderr
    assert "Traceback" not in completed.stderr


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_serve_with_a_skill_id_flag_starts_and_refuses_unsigned_requests() -> None:
    port = _free_port()
    command = [sys.executable, "-m", "skill", "serve", "--port", str(port), "--skill-id", SKILL_ID]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("POST", "/", body=(ROOT / "events" / "launch.json").read_bytes())
                response = conn.getresponse()
                status, answer = response.status, json.loads(response.read())
                conn.close()
                break
            except ConnectionRefusedError:
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert status == 400
    assert "not signed" in answer["error"]
    assert process.returncode == 0, stderr


def test_invoke_counts_days_in_this_machines_zone_without_asking_amazon(tmp_path: Path) -> None:
    event = json.loads((ROOT / "events" / "report_oneshot.json").read_text())
    event["request"]["timestamp"] = "2026-06-15T01:30:00Z"  # 6:30 pm on 14 June in California
    event["request"]["intent"]["slots"]["since_date"] = {"name": "since_date", "value": "2026-06-01"}
    event["context"]["System"]["apiEndpoint"] = "https://127.0.0.1:9"  # nothing listens: a call would fail
    path = tmp_path / "report.json"
    path.write_text(json.dumps(event))
    env = {k: v for k, v in os.environ.items() if k != "MUSCLE_COACH_TIME_ZONE"}

    completed = subprocess.run(
        [sys.executable, "-m", "skill", "invoke", str(path)],
        cwd=ROOT,
        env={**env, "TZ": "America/Los_Angeles"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    state = json.loads(completed.stdout)["sessionAttributes"]["coach"]
    assert '"twitch_days":13.0' in state, "14 June minus 1 June, in California"
    assert "time zone" not in completed.stderr
