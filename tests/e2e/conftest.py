"""Serves the skill over HTTP on a free loopback port for virtual-alexa to talk to; must not judge the answers."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = ["node_binary", "pytest_terminal_summary", "served_skill_url"]

REPO = Path(__file__).resolve().parents[2]
VIRTUAL_ALEXA = REPO / "node_modules" / "virtual-alexa"
SERVE = Path(sys.executable).with_name("muscle-coach")
START_TIMEOUT_S = 15.0


def _server_environment(home: Path) -> dict[str, str]:
    """This process's environment minus anything that would point the server at AWS or another skill; days in
    UTC, since virtual-alexa's requests name Amazon's Settings API."""
    inherited = {k: v for k, v in os.environ.items() if k not in {"TABLE_NAME", "SKILL_ID"}}
    return {**inherited, "MUSCLE_COACH_HOME": str(home), "MUSCLE_COACH_TIME_ZONE": "UTC"}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1.0)
    try:
        connection.request("GET", "/")
        connection.getresponse().read()
    except OSError:
        return False
    finally:
        connection.close()
    return True


@pytest.fixture(scope="session")
def node_binary() -> str:
    """The `node` that runs virtual-alexa; the end-to-end tests fail (never skip) when it or the package is missing."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: the end-to-end tests need Node.js 18+ to run virtual-alexa")
    if not (VIRTUAL_ALEXA / "package.json").is_file():
        pytest.fail(f"virtual-alexa is not installed in {REPO / 'node_modules'}: run `npm ci` in {REPO}")
    return node


@pytest.fixture(scope="module")
def served_skill_url(node_binary: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`muscle-coach serve --no-verify` on a free loopback port with its own history store, stopped afterwards."""
    home = tmp_path_factory.mktemp("muscle-coach-home")
    port = _free_port()
    server = subprocess.Popen(
        [str(SERVE), "serve", "--no-verify", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO,
        env=_server_environment(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _answers(port):
            if server.poll() is not None:
                stderr = server.stderr.read().decode() if server.stderr else ""
                pytest.fail(f"muscle-coach serve exited with {server.returncode}: {stderr}")
            if time.monotonic() > deadline:
                pytest.fail(f"muscle-coach serve did not answer on port {port} within {START_TIMEOUT_S}s")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stderr is not None:
            server.stderr.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """The phrasing corpus's understanding rates and misses, and the clinical conversations' outcomes and question
    counts, at the end of any run that measured them."""
    from test_clinical_conversations import SUMMARY as CONVERSATIONS
    from test_corpus import SUMMARY as CORPUS

    for title, key in (("phrasing corpus", CORPUS), ("clinical conversations", CONVERSATIONS)):
        summary = config.stash.get(key, None)
        if summary is not None:
            terminalreporter.section(title)
            terminalreporter.write_line(summary)
