"""The embedded store under contention, through the real `lambda_handler`: another process holding SQLite's
write lock, and launches arriving at once, cost no turn more than 6.5 s, and reads never wait for a writer.
Bounds are generous: the machine running the tests is shared and noisy."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skill.persistence.sqlite import SqliteHistoryStore

if TYPE_CHECKING:
    from conftest import Conversation, Invoke, OtherProcess, Reply

__all__: list[str] = []

TURN_LIMIT_SECONDS = 6.5
LAUNCHES = 8
CALVES_AFTER_A_RUN = ("my calves are twitching after my run", "no", "yes")  # a tired-muscles verdict
LoadEvent = Callable[[str], dict[str, Any]]


def launch_of(load_event: LoadEvent, user_id: str) -> dict[str, Any]:
    event = copy.deepcopy(load_event("launch.json"))
    event["context"]["System"]["user"]["userId"] = user_id
    event["session"]["user"]["userId"] = user_id
    return event


def test_eight_launches_at_once_answer_in_time_while_another_process_holds_the_write_lock(
    isolated_home: Path, load_event: LoadEvent, invoke: Invoke, other_process: OtherProcess
) -> None:
    path = isolated_home / "history.sqlite3"
    returning = [f"amzn1.ask.account.RETURNING{n}" for n in range(LAUNCHES // 2)]
    newcomers = [f"amzn1.ask.account.NEWCOMER{n}" for n in range(LAUNCHES // 2)]
    seeding = SqliteHistoryStore(path)
    for user in returning:
        seeding.mark_disclaimer_heard(user)
    seeding.close()

    def timed_launch(user_id: str) -> tuple[float, Reply]:
        event = launch_of(load_event, user_id)
        started = time.monotonic()
        reply = invoke(event)
        return time.monotonic() - started, reply

    with other_process(path, "BEGIN IMMEDIATE"), ThreadPoolExecutor(max_workers=LAUNCHES) as pool:
        results = list(pool.map(timed_launch, returning + newcomers))

    durations = [elapsed for elapsed, _ in results]
    replies = [reply for _, reply in results]
    assert max(durations) < TURN_LIMIT_SECONDS, durations
    assert all(reply.problems() == [] for reply in replies)
    # The returning users' history was read while the other process held the write lock.
    assert all("welcome back" in reply.speech.lower() for reply in replies[: len(returning)]), durations
    assert all("not medical advice" in reply.speech for reply in replies[len(returning) :])


def test_yes_remember_answers_in_time_and_truly_while_another_process_holds_the_write_lock(
    isolated_home: Path,
    converse_through_lambda: Callable[[str], Conversation],
    other_process: OtherProcess,
) -> None:
    conversation = converse_through_lambda("amzn1.ask.account.CONTENTION0USER")
    conversation.talk(CALVES_AFTER_A_RUN)
    assert "remember this episode" in conversation.verdict.speech.lower()

    with other_process(isolated_home / "history.sqlite3", "BEGIN IMMEDIATE"):
        started = time.monotonic()
        answer: Reply = conversation.say("yes")
        elapsed = time.monotonic() - started

    assert elapsed < TURN_LIMIT_SECONDS
    assert "i'll remember" not in answer.speech.lower(), answer.speech
    assert "can't reach your history right now" in answer.speech
    assert answer.problems() == []
