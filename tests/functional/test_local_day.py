"""The user's own day: the skill asks a fake Alexa Settings API on 127.0.0.1 (HTTPS, as the SDK's client demands)
for the device's time zone, through the real `lambda_handler`, and counts days in that zone; slow or failing, the
API costs a turn at most about a second and days are counted in UTC."""

from __future__ import annotations

import copy
import datetime as dt
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from fake_settings_api import SLOW_SECONDS, FakeSettingsApi, fake_settings_api

if TYPE_CHECKING:
    from conftest import Converse, FakeClock, Invoke, Reply

    from skill.persistence.sqlite import SqliteHistoryStore

__all__: list[str] = []

LoadEvent = Callable[[str], dict[str, Any]]

DEVICE = "amzn1.ask.device.LOCAL0MUSCLE0COACH0DEVICE"
TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.settings-test-token"
ZONE_PATH = f"/v2/devices/{DEVICE}/settings/System.timeZone"
# 6:30 pm on 14 June in California is 01:30 on 15 June in UTC.
CALIFORNIA_EVENING = "2026-06-15T01:30:00Z"
TWITCHING_SINCE = "2026-06-01"  # 13 days before 14 June, 14 before 15 June
TWO_WEEKS = "more than two weeks"


@pytest.fixture
def settings_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSettingsApi]:
    """The fake Settings API, trusted by `requests` for this test only; the skill asks each device's zone
    (MUSCLE_COACH_TIME_ZONE unset)."""
    with fake_settings_api(tmp_path) as fake:
        monkeypatch.delenv("MUSCLE_COACH_TIME_ZONE", raising=False)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.ca_bundle))
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        yield fake


def california_report(load_event: LoadEvent, api: FakeSettingsApi) -> dict[str, Any]:
    """'My calves have been twitching since June 1', said at 6:30 pm on 14 June in California."""
    event = copy.deepcopy(load_event("report_oneshot.json"))
    event["request"]["timestamp"] = CALIFORNIA_EVENING
    event["request"]["intent"]["slots"]["since_date"] = {
        "name": "since_date",
        "value": TWITCHING_SINCE,
        "confirmationStatus": "NONE",
        "source": "USER",
    }
    system = event["context"]["System"]
    system["apiEndpoint"], system["apiAccessToken"] = api.url, TOKEN
    system["device"]["deviceId"] = DEVICE
    return event


def next_turn(
    event: dict[str, Any], reply_attributes: dict[str, Any], load_event: LoadEvent
) -> dict[str, Any]:
    """The user's 'no' to the question just asked, in the same session, a few seconds later."""
    answer = copy.deepcopy(load_event("answer_no.json"))
    answer["session"] = {**event["session"], "new": False, "attributes": reply_attributes}
    answer["context"] = event["context"]
    answer["request"]["timestamp"] = "2026-06-15T01:30:09Z"
    return answer


def triage(reply: Reply) -> str | None:
    return reply.assessment["triage"] if reply.assessment else None


def test_a_report_on_a_california_evening_counts_the_days_in_california(
    settings_api: FakeSettingsApi, load_event: LoadEvent, invoke: Invoke
) -> None:
    event = california_report(load_event, settings_api)

    reply = invoke(event)
    answer = invoke(next_turn(event, reply.attributes, load_event))

    assert reply.problems() == [] and answer.problems() == []
    assert settings_api.asked == [(ZONE_PATH, f"Bearer {TOKEN}")], (
        "asked once, for this device, with its token"
    )
    assert reply.attributes["timeZone"] == answer.attributes["timeZone"] == "America/Los_Angeles"
    assert TWO_WEEKS not in answer.speech.lower(), answer.speech
    assert triage(answer) != "doctor"


def test_the_same_report_from_a_device_in_utc_is_over_two_weeks(
    settings_api: FakeSettingsApi, load_event: LoadEvent, invoke: Invoke
) -> None:
    settings_api.zone = "Etc/UTC"
    event = california_report(load_event, settings_api)

    reply = invoke(event)
    answer = invoke(next_turn(event, reply.attributes, load_event))

    assert TWO_WEEKS in answer.speech.lower(), answer.speech
    assert triage(answer) == "doctor"


@pytest.mark.parametrize("failure", ["slow", "500", "403", "unknown zone"])
def test_a_slow_or_failing_settings_api_costs_about_a_second_and_days_count_in_utc(
    failure: str, settings_api: FakeSettingsApi, load_event: LoadEvent, invoke: Invoke
) -> None:
    settings_api.slow = failure == "slow"
    settings_api.status = int(failure) if failure.isdigit() else 200
    settings_api.zone = "Mars/Olympus_Mons" if failure == "unknown zone" else settings_api.zone
    event = california_report(load_event, settings_api)

    started = time.monotonic()
    reply = invoke(event)
    elapsed = time.monotonic() - started
    answer = invoke(next_turn(event, reply.attributes, load_event))

    assert elapsed < SLOW_SECONDS / 2, f"the turn took {elapsed:.1f} s"
    assert reply.problems() == [] and reply.is_question, reply.speech
    assert reply.attributes["timeZone"] == "UTC"
    assert len(settings_api.asked) == 1, "a failed lookup is not retried within the session"
    assert triage(answer) == "doctor", answer.speech


def test_an_episode_of_a_california_evening_is_stored_and_recalled_as_that_day(
    settings_api: FakeSettingsApi,
    converse: Converse,
    clock: FakeClock,
    history_store: SqliteHistoryStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from skill.app import build_skill
    from skill.local import envelopes

    monkeypatch.setattr(envelopes, "API_ENDPOINT", settings_api.url)
    clock.now = dt.datetime(2026, 6, 15, 1, 30, tzinfo=dt.UTC)
    skill = build_skill(history_store)
    user = "amzn1.ask.account.CALIFORNIA0USER"

    converse(user, skill=skill).talk(["my calves are twitching after my run", "no", "yes", "yes"])
    recall = converse(user, skill=skill).say("what did you tell me last time")

    assert [episode.day for episode in history_store.load(user).episodes] == [dt.date(2026, 6, 14)]
    assert "on june 14" in recall.speech.lower(), recall.speech


@pytest.mark.parametrize("missing", ["context", "apiAccessToken", "device"])
def test_a_request_that_cannot_reach_the_settings_api_counts_in_utc_without_asking(
    missing: str, settings_api: FakeSettingsApi, load_event: LoadEvent, invoke: Invoke
) -> None:
    event = california_report(load_event, settings_api)
    if missing == "context":
        del event["context"]
    else:
        del event["context"]["System"][missing]

    reply = invoke(event)

    assert reply.problems() == [] and reply.is_question, reply.speech
    assert reply.attributes["timeZone"] == "UTC"
    assert settings_api.asked == []
