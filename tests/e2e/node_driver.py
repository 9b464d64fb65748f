"""Runs one of the e2e node drivers on a JSON script and returns its JSON answer; judges nothing.

Shared by the e2e tests and `make corpus` (tests/e2e is on the import path in both, as the tests' rootdir-relative
modules are for pytest and the script's own folder is for Python).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["DriverError", "run_driver"]

REPO = Path(__file__).resolve().parents[2]


class DriverError(RuntimeError):
    """The node driver exited with an error; the message carries its stderr."""


def run_driver(node: str, driver: Path, script: Mapping[str, Any], timeout_s: float) -> dict[str, Any]:
    """`driver`'s answer to `script` (stdin and stdout JSON), from the repository's root, within `timeout_s`."""
    completed = subprocess.run(
        [node, str(driver)],
        input=json.dumps(script),
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=timeout_s,
        check=False,
    )
    if completed.returncode != 0:
        raise DriverError(f"{driver.name} failed ({completed.returncode}): {completed.stderr}")
    answer: dict[str, Any] = json.loads(completed.stdout)
    return answer
