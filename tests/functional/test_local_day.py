"""The user's own day: the skill asks a fake Alexa Settings API on 127.0.0.1 (HTTPS, as the SDK's client demands)
for the device's time zone, through the real `lambda_handler`, and counts days in that zone; slow or failing, the
API costs a turn at most about a second and days are counted in UTC."""

from __future__ import annotations

import copy
import datetime as dt
import ipaddress
import json
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

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
SLOW_SECONDS = 10.0


@dataclass
class FakeSettingsApi:
    """What the fake answers (`zone`, `status`, or a stall of `SLOW_SECONDS`) and what it was asked."""

    url: str = ""
    zone: str = "America/Los_Angeles"
    status: int = 200
    slow: bool = False
    asked: list[tuple[str, str | None]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)


def _self_signed_localhost(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "settings-api.pem", directory / "settings-api.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@pytest.fixture
def settings_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSettingsApi]:
    """The fake Settings API over HTTPS on 127.0.0.1, trusted by `requests` for this test only; the skill asks
    each device's zone (MUSCLE_COACH_TIME_ZONE unset)."""
    fake = FakeSettingsApi()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fake.asked.append((self.path, self.headers.get("Authorization")))
            if fake.slow:
                fake.release.wait(timeout=SLOW_SECONDS)
            body = json.dumps(
                fake.zone if fake.status == 200 else {"type": "ERROR", "message": "no"}
            ).encode()
            try:
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the skill gave up waiting and closed the connection

        def log_message(self, format: str, *args: Any) -> None:
            pass

    cert_path, key_path = _self_signed_localhost(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    fake.url = f"https://127.0.0.1:{server.server_address[1]}"
    monkeypatch.delenv("MUSCLE_COACH_TIME_ZONE", raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_path))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    try:
        yield fake
    finally:
        fake.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


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
