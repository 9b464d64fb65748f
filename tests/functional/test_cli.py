"""The `muscle-coach` command as a developer runs it: a child process, its exit status and what it prints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

__all__: list[str] = []

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "skill", *args],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


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
