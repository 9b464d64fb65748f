"""Every Alexa request-verification rule, with a private CA, chain and signatures built by cryptography."""

from __future__ import annotations

import base64
import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from skill.errors import RequestVerificationError
from skill.local.testing_certs import (
    TEST_CERT_URL,
    TEST_SKILL_ID,
    SigningChain,
    encode_body,
    launch_request,
    make_chain,
)
from skill.local.verify import AlexaRequestVerifier

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)


@dataclass
class RecordingFetcher:
    """Serves a PEM document and remembers which URLs were asked for."""

    pem: bytes
    urls: list[str] = field(default_factory=list)

    def __call__(self, url: str) -> bytes:
        self.urls.append(url)
        return self.pem


@dataclass
class MovableClock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def chain() -> SigningChain:
    return make_chain(now=NOW)


def verifier_for(
    chain: SigningChain,
    *,
    fetch: RecordingFetcher | None = None,
    roots: list[x509.Certificate] | None = None,
    skill_id: str | None = TEST_SKILL_ID,
    clock: MovableClock | None = None,
) -> AlexaRequestVerifier:
    return AlexaRequestVerifier(
        skill_id=skill_id,
        fetch_chain=fetch if fetch is not None else RecordingFetcher(chain.chain_pem()),
        trust_roots=roots if roots is not None else [chain.root],
        clock=clock if clock is not None else MovableClock(),
    )


def signed_request(
    chain: SigningChain, envelope: dict[str, Any] | None = None, *, url: str | None = None
) -> tuple[dict[str, str], bytes]:
    body = encode_body(envelope if envelope is not None else launch_request(timestamp=NOW))
    return chain.sign(body, url=url), body


def refusal(verifier: AlexaRequestVerifier, headers: dict[str, str], body: bytes) -> str:
    with pytest.raises(RequestVerificationError) as caught:
        verifier.verify(headers, body)
    return str(caught.value)


def test_a_request_signed_by_a_trusted_chain_passes(chain: SigningChain) -> None:
    headers, body = signed_request(chain)
    verifier_for(chain).verify(headers, body)


def test_header_names_are_matched_in_any_case(chain: SigningChain) -> None:
    headers, body = signed_request(chain)
    verifier_for(chain).verify({name.lower(): value for name, value in headers.items()}, body)
    verifier_for(chain).verify({name.upper(): value for name, value in headers.items()}, body)


@pytest.mark.parametrize(
    ("dropped", "expected"),
    [
        (("SignatureCertChainUrl",), "missing SignatureCertChainUrl header"),
        (("Signature-256",), "missing Signature-256 header"),
        (
            ("SignatureCertChainUrl", "Signature-256"),
            "missing SignatureCertChainUrl and Signature-256 headers",
        ),
    ],
)
def test_an_unsigned_request_is_refused_before_anything_is_fetched(
    chain: SigningChain, dropped: tuple[str, ...], expected: str
) -> None:
    headers, body = signed_request(chain)
    fetch = RecordingFetcher(chain.chain_pem())
    reason = refusal(
        verifier_for(chain, fetch=fetch), {k: v for k, v in headers.items() if k not in dropped}, body
    )
    assert reason == f"request is not signed: {expected}"
    assert fetch.urls == []


def test_an_empty_signature_header_counts_as_missing(chain: SigningChain) -> None:
    headers, body = signed_request(chain)
    reason = refusal(verifier_for(chain), {**headers, "Signature-256": "  "}, body)
    assert "missing Signature-256" in reason


@pytest.mark.parametrize(
    ("url", "fetched"),
    [
        (
            "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
            "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        ),
        (
            "HTTPS://s3.amazonaws.com/echo.api/echo-api-cert.pem",
            "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        ),
        (
            "https://S3.AmAzOnAwS.CoM/echo.api/echo-api-cert.pem",
            "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        ),
        (
            "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem",
            "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        ),
        (
            "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert.pem",
            "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        ),
        (
            "https://s3.amazonaws.com/echo.api/./certs/../echo-api-cert.pem",
            "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        ),
    ],
)
def test_certificate_urls_that_follow_amazons_rules_are_fetched_once_normalised(
    chain: SigningChain, url: str, fetched: str
) -> None:
    headers, body = signed_request(chain, url=url)
    fetch = RecordingFetcher(chain.chain_pem())
    verifier_for(chain, fetch=fetch).verify(headers, body)
    assert fetch.urls == [fetched]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://s3.amazonaws.com/echo.api/echo-api-cert.pem", "must use https"),
        ("ftp://s3.amazonaws.com/echo.api/echo-api-cert.pem", "must use https"),
        ("https://notamazon.com/echo.api/echo-api-cert.pem", "host must be s3.amazonaws.com"),
        ("https://s3.amazonaws.com.evil.example/echo.api/echo-api-cert.pem", "host must be s3.amazonaws.com"),
        ("https://s3.amazonaws.com/EcHo.aPi/echo-api-cert.pem", "path must start with /echo.api/"),
        ("https://s3.amazonaws.com/invalid.path/echo-api-cert.pem", "path must start with /echo.api/"),
        ("https://s3.amazonaws.com/echo.api", "path must start with /echo.api/"),
        (
            "https://s3.amazonaws.com/echo.api/../invalid.path/echo-api-cert.pem",
            "path must start with /echo.api/",
        ),
        ("https://s3.amazonaws.com/echo.api/%2E%2E/invalid.path/cert.pem", "path must start with /echo.api/"),
        ("https://s3.amazonaws.com:563/echo.api/echo-api-cert.pem", "port must be 443"),
        ("https://s3.amazonaws.com:8443/echo.api/echo-api-cert.pem", "port must be 443"),
        ("https://s3.amazonaws.com:notaport/echo.api/echo-api-cert.pem", "is not a valid URL"),
        ("https://someone@s3.amazonaws.com/echo.api/echo-api-cert.pem", "must not carry credentials"),
        ("s3.amazonaws.com/echo.api/echo-api-cert.pem", "must use https"),
        ("https://s3.amazonaws.com/echo.api/echo-api-cert.pem?junk=1", "must not carry a query string"),
    ],
)
def test_certificate_urls_that_break_amazons_rules_are_refused_without_fetching(
    chain: SigningChain, url: str, expected: str
) -> None:
    headers, body = signed_request(chain, url=url)
    fetch = RecordingFetcher(chain.chain_pem())
    reason = refusal(verifier_for(chain, fetch=fetch), headers, body)
    assert reason.startswith("SignatureCertChainUrl ")
    assert expected in reason
    assert fetch.urls == []


def test_an_expired_signing_certificate_is_refused() -> None:
    expired = make_chain(
        now=NOW, leaf_not_before=NOW - timedelta(days=60), leaf_not_after=NOW - timedelta(hours=1)
    )
    headers, body = signed_request(expired)
    assert (
        refusal(verifier_for(expired), headers, body) == "signing certificate expired at 2025-06-01T11:00:00Z"
    )


def test_a_signing_certificate_not_yet_valid_is_refused() -> None:
    early = make_chain(
        now=NOW, leaf_not_before=NOW + timedelta(hours=1), leaf_not_after=NOW + timedelta(days=30)
    )
    headers, body = signed_request(early)
    reason = refusal(verifier_for(early), headers, body)
    assert reason == "signing certificate is not valid until 2025-06-01T13:00:00Z"


@pytest.mark.parametrize(
    "dns_names",
    [("other.amazon.com",), ("*.amazon.com",), ("echo-api.amazon.com.evil.example",), ()],
    ids=["another-name", "wildcard", "suffix-trick", "no-san"],
)
def test_a_certificate_not_naming_echo_api_in_its_sans_is_refused(dns_names: tuple[str, ...]) -> None:
    misnamed = make_chain(now=NOW, leaf_dns_names=dns_names)
    headers, body = signed_request(misnamed)
    assert (
        refusal(verifier_for(misnamed), headers, body)
        == "signing certificate is not issued to echo-api.amazon.com"
    )


def test_echo_api_among_several_sans_is_accepted() -> None:
    several = make_chain(now=NOW, leaf_dns_names=("other.amazon.com", "echo-api.amazon.com"))
    headers, body = signed_request(several)
    verifier_for(several).verify(headers, body)


def test_a_chain_from_an_untrusted_root_is_refused(chain: SigningChain) -> None:
    impostor = make_chain(now=NOW, root_role="impostor-root")
    headers, body = signed_request(impostor)
    reason = refusal(verifier_for(impostor, roots=[chain.root]), headers, body)
    assert reason.startswith("certificate chain is not trusted")


def test_a_chain_missing_its_intermediate_is_refused(chain: SigningChain) -> None:
    headers, body = signed_request(chain)
    leaf_only = RecordingFetcher(chain.leaf.public_bytes(Encoding.PEM))
    reason = refusal(verifier_for(chain, fetch=leaf_only), headers, body)
    assert reason.startswith("certificate chain is not trusted")


def test_a_document_that_is_not_a_certificate_chain_is_refused(chain: SigningChain) -> None:
    headers, body = signed_request(chain)
    reason = refusal(
        verifier_for(chain, fetch=RecordingFetcher(b"<html>Access Denied</html>")), headers, body
    )
    assert "is not PEM" in reason


def test_a_failing_fetch_is_a_refusal_in_general_terms_with_the_detail_in_the_log(
    chain: SigningChain, caplog: pytest.LogCaptureFixture
) -> None:
    def unreachable(url: str) -> bytes:
        raise OSError("connection refused by 10.1.2.3")

    headers, body = signed_request(chain)
    verifier = AlexaRequestVerifier(fetch_chain=unreachable, trust_roots=[chain.root], clock=MovableClock())
    with caplog.at_level(logging.WARNING, logger="skill.local.verify"):
        reason = refusal(verifier, headers, body)
    assert reason == "could not fetch the signing certificate chain"
    assert "connection refused by 10.1.2.3" in caplog.text
    assert TEST_CERT_URL in caplog.text


def test_a_chain_that_failed_is_refused_again_without_a_fetch_for_a_few_seconds(chain: SigningChain) -> None:
    calls: list[str] = []
    ticks = [1000.0]

    def unreachable(url: str) -> bytes:
        calls.append(url)
        raise OSError("timed out")

    verifier = AlexaRequestVerifier(
        fetch_chain=unreachable, trust_roots=[chain.root], clock=MovableClock(), monotonic=lambda: ticks[0]
    )
    headers, body = signed_request(chain)
    for _ in range(3):
        assert refusal(verifier, headers, body) == "could not fetch the signing certificate chain"
    assert len(calls) == 1
    ticks[0] += 60
    refusal(verifier, headers, body)
    assert len(calls) == 2


class GatedFetcher:
    """Serves `chain` for one URL only after `release` is set; every other URL at once."""

    def __init__(self, pem: bytes, slow_url: str) -> None:
        self.pem = pem
        self.slow_url = slow_url
        self.entered = threading.Event()
        self.release = threading.Event()
        self.urls: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, url: str) -> bytes:
        with self._lock:
            self.urls.append(url)
        if url == self.slow_url:
            self.entered.set()
            self.release.wait(timeout=30)
        return self.pem


def _verify_in_thread(verifier: AlexaRequestVerifier, headers: dict[str, str], body: bytes) -> Any:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            verifier.verify(headers, body)
            outcome["ok"] = True
        except Exception as exc:  # reported to the test, which asserts on it
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_a_slow_chain_fetch_does_not_hold_up_requests_naming_another_url(chain: SigningChain) -> None:
    slow_url = "https://s3.amazonaws.com/echo.api/slow.pem"
    fetch = GatedFetcher(chain.chain_pem(), slow_url)
    verifier = verifier_for(chain, fetch=fetch)  # type: ignore[arg-type]
    slow, _ = _verify_in_thread(verifier, *signed_request(chain, url=slow_url))
    try:
        assert fetch.entered.wait(timeout=10)
        fast, outcome = _verify_in_thread(verifier, *signed_request(chain))
        fast.join(timeout=10)
        assert not fast.is_alive(), "a request waited for another URL's fetch"
        assert outcome == {"ok": True}
    finally:
        fetch.release.set()
        slow.join(timeout=10)


def test_requests_naming_a_url_being_fetched_wait_for_that_one_fetch(chain: SigningChain) -> None:
    fetch = GatedFetcher(chain.chain_pem(), TEST_CERT_URL)
    verifier = verifier_for(chain, fetch=fetch)  # type: ignore[arg-type]
    first, first_outcome = _verify_in_thread(verifier, *signed_request(chain))
    assert fetch.entered.wait(timeout=10)
    others = [_verify_in_thread(verifier, *signed_request(chain)) for _ in range(3)]
    fetch.release.set()
    for thread, _ in [(first, first_outcome), *others]:
        thread.join(timeout=10)
    assert [outcome for _, outcome in [(first, first_outcome), *others]] == [{"ok": True}] * 4
    assert fetch.urls == [TEST_CERT_URL]


def test_a_signature_made_with_another_key_is_refused(chain: SigningChain) -> None:
    impostor = make_chain(now=NOW, root_role="impostor-root")
    body = encode_body(launch_request(timestamp=NOW))
    forged = {**chain.sign(body), "Signature-256": impostor.sign(body)["Signature-256"]}
    assert refusal(verifier_for(chain), forged, body) == "signature does not match the body"


def test_a_signature_of_the_wrong_length_is_refused(chain: SigningChain) -> None:
    headers, body = signed_request(chain)
    garbage = {**headers, "Signature-256": base64.b64encode(b"\x00" * 16).decode()}
    assert refusal(verifier_for(chain), garbage, body) == "signature does not match the body"


def test_a_signature_that_is_not_base64_is_refused(chain: SigningChain) -> None:
    headers, body = signed_request(chain)
    reason = refusal(verifier_for(chain), {**headers, "Signature-256": "not base64!"}, body)
    assert reason == "Signature-256 header is not base64"


def test_a_body_changed_after_signing_is_refused(chain: SigningChain) -> None:
    headers, body = signed_request(chain)
    tampered = body.replace(b'"LaunchRequest"', b'"SessionEndedRequest"')
    assert tampered != body
    assert refusal(verifier_for(chain), headers, tampered) == "signature does not match the body"


def test_even_whitespace_added_after_signing_is_refused(chain: SigningChain) -> None:
    headers, body = signed_request(chain)
    assert refusal(verifier_for(chain), headers, body + b"\n") == "signature does not match the body"


def test_the_signature_is_checked_before_the_body_is_parsed(chain: SigningChain) -> None:
    headers, _ = signed_request(chain)
    assert refusal(verifier_for(chain), headers, b"{not json") == "signature does not match the body"


def test_a_signed_body_that_is_not_json_is_refused(chain: SigningChain) -> None:
    body = b"{not json"
    assert refusal(verifier_for(chain), chain.sign(body), body) == "body is not JSON"


@pytest.mark.parametrize(
    ("offset_seconds", "expected"),
    [
        (-151, "request timestamp is 151 s old (limit 150 s)"),
        (-3600, "request timestamp is 3600 s old (limit 150 s)"),
        (151, "request timestamp is 151 s in the future (limit 150 s)"),
        (86400, "request timestamp is 86400 s in the future (limit 150 s)"),
    ],
)
def test_stale_and_future_timestamps_are_refused(
    chain: SigningChain, offset_seconds: int, expected: str
) -> None:
    headers, body = signed_request(chain, launch_request(timestamp=NOW + timedelta(seconds=offset_seconds)))
    assert refusal(verifier_for(chain), headers, body) == expected


@pytest.mark.parametrize("offset_seconds", [-150, -30, 0, 30, 150])
def test_timestamps_within_150_seconds_either_way_pass(chain: SigningChain, offset_seconds: int) -> None:
    headers, body = signed_request(chain, launch_request(timestamp=NOW + timedelta(seconds=offset_seconds)))
    verifier_for(chain).verify(headers, body)


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [(None, "request has no timestamp"), ("yesterday", "request timestamp is not a date")],
)
def test_a_request_without_a_usable_timestamp_is_refused(
    chain: SigningChain, timestamp: str | None, expected: str
) -> None:
    envelope = launch_request(timestamp=NOW)
    if timestamp is None:
        del envelope["request"]["timestamp"]
    else:
        envelope["request"]["timestamp"] = timestamp
    headers, body = signed_request(chain, envelope)
    assert refusal(verifier_for(chain), headers, body) == expected


def test_a_timestamp_with_fractional_seconds_and_offset_passes(chain: SigningChain) -> None:
    envelope = launch_request(timestamp=NOW)
    envelope["request"]["timestamp"] = "2025-06-01T14:00:30.250+02:00"
    headers, body = signed_request(chain, envelope)
    verifier_for(chain).verify(headers, body)


def test_a_request_for_another_skill_is_refused(chain: SigningChain) -> None:
    other = "amzn1.ask.skill.11111111-1111-4111-8111-111111111111"
    headers, body = signed_request(chain, launch_request(timestamp=NOW, skill_id=other))
    assert refusal(verifier_for(chain), headers, body) == f"request is for another skill ({other})"


@pytest.mark.parametrize("skill_id", [TEST_SKILL_ID, None])
def test_a_request_whose_session_and_context_name_different_skills_is_refused(
    chain: SigningChain, skill_id: str | None
) -> None:
    envelope = launch_request(timestamp=NOW)
    envelope["session"]["application"] = {"applicationId": "amzn1.ask.skill.other"}
    headers, body = signed_request(chain, envelope)
    assert (
        refusal(verifier_for(chain, skill_id=skill_id), headers, body) == "request names two different skills"
    )


def test_a_signed_body_nested_too_deeply_is_refused(chain: SigningChain) -> None:
    body = b"[" * 100_000
    assert refusal(verifier_for(chain), chain.sign(body), body) == "body is nested too deeply"


def test_the_skill_id_falls_back_to_the_session_when_context_is_absent(chain: SigningChain) -> None:
    envelope = launch_request(timestamp=NOW)
    del envelope["context"]
    headers, body = signed_request(chain, envelope)
    verifier_for(chain).verify(headers, body)
    envelope["session"]["application"]["applicationId"] = "amzn1.ask.skill.other"
    headers, body = signed_request(chain, envelope)
    assert (
        refusal(verifier_for(chain), headers, body) == "request is for another skill (amzn1.ask.skill.other)"
    )


def test_a_request_naming_no_skill_is_refused_when_a_skill_id_is_set(chain: SigningChain) -> None:
    envelope = launch_request(timestamp=NOW)
    del envelope["context"]
    del envelope["session"]
    headers, body = signed_request(chain, envelope)
    assert refusal(verifier_for(chain), headers, body) == "request names no skill id"


def test_without_a_configured_skill_id_any_skill_passes(chain: SigningChain) -> None:
    headers, body = signed_request(chain, launch_request(timestamp=NOW, skill_id="amzn1.ask.skill.any"))
    verifier_for(chain, skill_id=None).verify(headers, body)


def test_a_chain_is_fetched_once_per_url_and_reused(chain: SigningChain) -> None:
    fetch = RecordingFetcher(chain.chain_pem())
    verifier = verifier_for(chain, fetch=fetch)
    for _ in range(2):
        headers, body = signed_request(chain)
        verifier.verify(headers, body)
    assert fetch.urls == [TEST_CERT_URL]


def test_a_cached_chain_is_still_checked_against_the_clock(chain: SigningChain) -> None:
    fetch, clock = RecordingFetcher(chain.chain_pem()), MovableClock()
    verifier = verifier_for(chain, fetch=fetch, clock=clock)
    headers, body = signed_request(chain)
    verifier.verify(headers, body)
    clock.now = chain.leaf.not_valid_after_utc + timedelta(seconds=1)
    headers, body = signed_request(chain, launch_request(timestamp=clock.now))
    assert refusal(verifier, headers, body).startswith("signing certificate expired")
    assert len(fetch.urls) == 1


def test_refusal_reasons_are_short_single_lines(chain: SigningChain) -> None:
    impostor = make_chain(now=NOW, root_role="impostor-root")
    headers, body = signed_request(impostor)
    reason = refusal(verifier_for(impostor, roots=[chain.root]), headers, body)
    assert "\n" not in reason
    assert len(reason) < 300
    assert json.loads(json.dumps({"error": reason}))["error"] == reason


def test_an_empty_trust_store_is_a_configuration_error() -> None:
    with pytest.raises(RequestVerificationError, match="no trusted root"):
        AlexaRequestVerifier(trust_roots=[])


def test_the_default_trust_store_loads_public_roots() -> None:
    verifier = AlexaRequestVerifier(skill_id=TEST_SKILL_ID)
    assert verifier.skill_id == TEST_SKILL_ID
