"""Shows the engine's measured figures at the end of every test run; holds no assertions of its own."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

__all__ = ["figures", "pytest_terminal_summary"]

_FIGURES: pytest.StashKey[dict[str, list[str]]] = pytest.StashKey()


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Callable[[str, Sequence[str]], None]:
    """Record lines under a title; they are printed in the terminal summary even without `-s`."""
    store = request.config.stash.setdefault(_FIGURES, {})

    def record(title: str, lines: Sequence[str]) -> None:
        store[title] = list(lines)

    return record


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    for title, lines in config.stash.get(_FIGURES, {}).items():
        terminalreporter.section(title)
        for line in lines:
            terminalreporter.write_line(line)
