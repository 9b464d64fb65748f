"""Proves that an HTTP request comes from Alexa for this skill (Amazon's web-service rules); never runs it.

Checks, in order and before the body is deserialised: the ``SignatureCertChainUrl`` rules, the fetched chain
(trusted root, valid now, ``echo-api.amazon.com`` in the leaf's SANs) and the ``Signature-256`` RSA SHA-256
signature over the exact body bytes. Only then is the body parsed, to check the timestamp and skill id.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import ssl
import threading
import time
import urllib.request
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from datetime import UTC, datetime
from typing import Any
from urllib.parse import SplitResult, urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from skill.errors import RequestVerificationError

__all__ = [
    "CERT_URL_HEADER",
    "ECHO_API_NAME",
    "SIGNATURE_HEADER",
    "AlexaRequestVerifier",
    "fetch_chain_over_https",
    "load_default_trust_roots",
]

CERT_URL_HEADER = "SignatureCertChainUrl"
SIGNATURE_HEADER = "Signature-256"
ECHO_API_NAME = "echo-api.amazon.com"

_CERT_HOST = "s3.amazonaws.com"
_CERT_PATH_PREFIX = "/echo.api/"
_FETCH_TIMEOUT_SECONDS = 5.0
_MAX_CHAIN_BYTES = 64 * 1024
_MAX_CACHED_CHAINS = 16
# A URL whose chain could not be fetched or read is refused without a new fetch for this long: a burst of
# requests naming a dead URL costs one fetch, and a passing outage on Amazon's side is soon forgotten.
_FAILURE_MEMORY_SECONDS = 10.0
_MAX_REMEMBERED_FAILURES = 64
# How long a request waits for another request's fetch of the same URL (the fetch itself times out sooner).
_WAIT_FOR_FETCH_SECONDS = 2 * _FETCH_TIMEOUT_SECONDS
_PEM_BLOCK = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)
_PERCENT_ENCODED = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

Clock = Callable[[], datetime]
ChainFetcher = Callable[[str], bytes]
Monotonic = Callable[[], float]

logger = logging.getLogger(__name__)


def fetch_chain_over_https(url: str) -> bytes:
    """Download the PEM chain at ``url`` (checked against Amazon's rules) with a timeout and a size cap."""
    request = urllib.request.Request(url, headers={"Accept": "application/x-pem-file, */*"})
    with urllib.request.urlopen(request, timeout=_FETCH_TIMEOUT_SECONDS) as response:
        data: bytes = response.read(_MAX_CHAIN_BYTES + 1)
    if len(data) > _MAX_CHAIN_BYTES:
        raise ValueError(f"certificate chain is larger than {_MAX_CHAIN_BYTES} bytes")
    return data


def load_default_trust_roots() -> list[x509.Certificate]:
    """The certifi bundle when installed, otherwise the system's default CA file."""
    try:
        import certifi

        bundle: str | None = certifi.where()
    except ImportError:
        paths = ssl.get_default_verify_paths()
        bundle = paths.cafile or paths.openssl_cafile
    if not bundle:
        raise RequestVerificationError("no trusted root certificates found (install certifi)")
    with open(bundle, "rb") as pems:
        return _parse_roots(pems.read())


def _parse_roots(bundle: bytes) -> list[x509.Certificate]:
    """Each certificate of a CA bundle; old roots with a zero serial are kept, unparseable ones left out."""
    roots: list[x509.Certificate] = []
    for block in _PEM_BLOCK.findall(bundle):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            try:
                roots.append(x509.load_pem_x509_certificate(block))
            except ValueError:
                continue
    return roots


def _decode_unreserved(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else match.group(0).upper()


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4: resolve ``.`` and ``..`` segments; ``..`` never climbs above the root."""
    output: list[str] = []
    segments = path.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if len(output) > 1:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    return "/".join(output)


def _normalise_cert_url(raw: str) -> str:
    """Apply Amazon's certificate URL rules to the normalised URL and return it (to fetch and cache)."""
    try:
        parts: SplitResult = urlsplit(raw.strip())
        port = parts.port
    except ValueError as exc:
        raise RequestVerificationError(f"{CERT_URL_HEADER} is not a valid URL") from exc
    if parts.scheme.lower() != "https":
        raise RequestVerificationError(f"{CERT_URL_HEADER} must use https")
    if parts.username is not None or parts.password is not None:
        raise RequestVerificationError(f"{CERT_URL_HEADER} must not carry credentials")
    if (parts.hostname or "").lower() != _CERT_HOST:
        raise RequestVerificationError(f"{CERT_URL_HEADER} host must be {_CERT_HOST}")
    if port is not None and port != 443:
        raise RequestVerificationError(f"{CERT_URL_HEADER} port must be 443")
    path = _remove_dot_segments(_PERCENT_ENCODED.sub(_decode_unreserved, parts.path))
    if not path.startswith(_CERT_PATH_PREFIX):
        raise RequestVerificationError(f"{CERT_URL_HEADER} path must start with {_CERT_PATH_PREFIX}")
    if parts.query:
        raise RequestVerificationError(f"{CERT_URL_HEADER} must not carry a query string")
    return f"https://{_CERT_HOST}{path}"


def _header(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value.strip()
    return ""


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _get(node: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _request_time(envelope: dict[str, Any]) -> datetime:
    stamp = _get(envelope, "request", "timestamp")
    if stamp is None:
        raise RequestVerificationError("request has no timestamp")
    try:
        if isinstance(stamp, str):
            return _aware(datetime.fromisoformat(stamp))
        if isinstance(stamp, int | float) and not isinstance(stamp, bool):
            return datetime.fromtimestamp(stamp / 1000, tz=UTC)  # epoch milliseconds
    except (ValueError, OverflowError, OSError) as exc:
        raise RequestVerificationError("request timestamp is not a date") from exc
    raise RequestVerificationError("request timestamp is not a date")


class AlexaRequestVerifier:
    """Verifies Alexa's request signature, certificate chain, timestamp and (optionally) skill id.

    Thread-safe: one instance serves every request of a threaded server. Fetched chains are cached by
    normalised URL; a cached chain is still checked against the clock on every request. Chains are fetched
    outside the lock, one fetch per URL at a time (requests naming a URL being fetched wait for that fetch),
    so a slow URL delays only the requests that name it. A URL that failed is refused for a few seconds
    without another fetch. Refusals say why in general terms; the log gets the detail.
    """

    def __init__(
        self,
        *,
        skill_id: str | None = None,
        fetch_chain: ChainFetcher = fetch_chain_over_https,
        trust_roots: list[x509.Certificate] | None = None,
        clock: Clock | None = None,
        max_skew_seconds: float = 150,
        monotonic: Monotonic = time.monotonic,
    ) -> None:
        roots = load_default_trust_roots() if trust_roots is None else trust_roots
        if not roots:
            raise RequestVerificationError("no trusted root certificates given")
        self._store = Store(roots)
        self._skill_id = skill_id
        self._fetch_chain = fetch_chain
        self._clock: Clock = clock if clock is not None else (lambda: datetime.now(UTC))
        self._monotonic = monotonic
        self._max_skew_seconds = max_skew_seconds
        self._chains: OrderedDict[str, list[x509.Certificate]] = OrderedDict()
        self._fetching: dict[str, Future[list[x509.Certificate]]] = {}
        self._failures: OrderedDict[str, tuple[float, str]] = OrderedDict()  # url -> (until, reason)
        self._lock = threading.Lock()

    @property
    def skill_id(self) -> str | None:
        return self._skill_id

    def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        """Raise RequestVerificationError with a short reason unless the request passes every rule."""
        raw_url, raw_signature = _header(headers, CERT_URL_HEADER), _header(headers, SIGNATURE_HEADER)
        missing = [
            name
            for name, value in ((CERT_URL_HEADER, raw_url), (SIGNATURE_HEADER, raw_signature))
            if not value
        ]
        if missing:
            plural = "s" if len(missing) > 1 else ""
            raise RequestVerificationError(
                f"request is not signed: missing {' and '.join(missing)} header{plural}"
            )
        now = _aware(self._clock())
        url = _normalise_cert_url(raw_url)
        leaf = self._trusted_leaf(url, now)
        self._check_signature(leaf, raw_signature, body)
        envelope = self._parse(body)
        self._check_timestamp(envelope, now)
        self._check_skill_id(envelope)

    def _chain(self, url: str) -> list[x509.Certificate]:
        """The chain at `url`: cached, being fetched by another request (wait for it), or fetched here."""
        with self._lock:
            cached = self._chains.get(url)
            if cached is not None:
                self._chains.move_to_end(url)
                return cached
            failed = self._failures.get(url)
            if failed is not None:
                if failed[0] > self._monotonic():
                    raise RequestVerificationError(failed[1])
                del self._failures[url]
            pending = self._fetching.get(url)
            fetch_here = pending is None
            if pending is None:
                pending = self._fetching[url] = Future()
        if not fetch_here:
            try:
                return pending.result(timeout=_WAIT_FOR_FETCH_SECONDS)
            except RequestVerificationError as exc:
                raise RequestVerificationError(str(exc)) from exc
            except TimeoutError as exc:
                raise RequestVerificationError("could not fetch the signing certificate chain") from exc
        try:
            chain = self._fetch_and_read(url)
        except BaseException as exc:
            reason = str(exc) if isinstance(exc, RequestVerificationError) else "could not verify the request"
            with self._lock:
                self._failures[url] = (self._monotonic() + _FAILURE_MEMORY_SECONDS, reason)
                while len(self._failures) > _MAX_REMEMBERED_FAILURES:
                    self._failures.popitem(last=False)
                del self._fetching[url]
            pending.set_exception(RequestVerificationError(reason))
            raise
        with self._lock:
            self._chains[url] = chain
            while len(self._chains) > _MAX_CACHED_CHAINS:
                self._chains.popitem(last=False)
            del self._fetching[url]
        pending.set_result(chain)
        return chain

    def _fetch_and_read(self, url: str) -> list[x509.Certificate]:
        try:
            pem = self._fetch_chain(url)
        except Exception as exc:  # any fetcher failure is a refusal, never a crash
            logger.warning("could not fetch the certificate chain from %s: %s", url, exc)
            raise RequestVerificationError("could not fetch the signing certificate chain") from exc
        try:
            chain = x509.load_pem_x509_certificates(pem)
        except ValueError as exc:
            logger.warning("the certificate chain at %s is not PEM: %s", url, exc)
            raise RequestVerificationError("the signing certificate chain is not PEM") from exc
        if not chain:
            logger.warning("the certificate chain at %s holds no certificate", url)
            raise RequestVerificationError("the signing certificate chain holds no certificate")
        return chain

    def _trusted_leaf(self, url: str, now: datetime) -> x509.Certificate:
        leaf, *intermediates = self._chain(url)
        if now > leaf.not_valid_after_utc:
            raise RequestVerificationError(f"signing certificate expired at {_iso(leaf.not_valid_after_utc)}")
        if now < leaf.not_valid_before_utc:
            raise RequestVerificationError(
                f"signing certificate is not valid until {_iso(leaf.not_valid_before_utc)}"
            )
        try:
            names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            dns_names = {name.lower() for name in names.get_values_for_type(x509.DNSName)}
        except x509.ExtensionNotFound:
            dns_names = set()
        if ECHO_API_NAME not in dns_names:
            raise RequestVerificationError(f"signing certificate is not issued to {ECHO_API_NAME}")
        verifier = (
            PolicyBuilder().store(self._store).time(now).build_server_verifier(x509.DNSName(ECHO_API_NAME))
        )
        try:
            verifier.verify(leaf, intermediates)
        except VerificationError as exc:
            logger.warning("certificate chain not trusted: %s", exc)
            raise RequestVerificationError("certificate chain is not trusted") from exc
        return leaf

    @staticmethod
    def _check_signature(leaf: x509.Certificate, raw_signature: str, body: bytes) -> None:
        try:
            signature = base64.b64decode(raw_signature, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise RequestVerificationError(f"{SIGNATURE_HEADER} header is not base64") from exc
        key = leaf.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise RequestVerificationError("signing certificate does not hold an RSA key")
        try:
            key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature as exc:
            raise RequestVerificationError("signature does not match the body") from exc

    @staticmethod
    def _parse(body: bytes) -> dict[str, Any]:
        try:
            envelope = json.loads(body)
        except (UnicodeDecodeError, ValueError) as exc:
            raise RequestVerificationError("body is not JSON") from exc
        except RecursionError as exc:
            raise RequestVerificationError("body is nested too deeply") from exc
        if not isinstance(envelope, dict):
            raise RequestVerificationError("body is not a JSON object")
        return envelope

    def _check_timestamp(self, envelope: dict[str, Any], now: datetime) -> None:
        skew = (now - _request_time(envelope)).total_seconds()
        limit = self._max_skew_seconds
        if skew > limit:
            raise RequestVerificationError(f"request timestamp is {skew:.0f} s old (limit {limit:g} s)")
        if -skew > limit:
            raise RequestVerificationError(
                f"request timestamp is {-skew:.0f} s in the future (limit {limit:g} s)"
            )

    def _check_skill_id(self, envelope: dict[str, Any]) -> None:
        in_context = _get(envelope, "context", "System", "application", "applicationId")
        in_session = _get(envelope, "session", "application", "applicationId")
        if in_context is not None and in_session is not None and in_context != in_session:
            raise RequestVerificationError("request names two different skills")
        if self._skill_id is None:
            return
        found = in_session if in_context is None else in_context
        if not isinstance(found, str) or not found:
            raise RequestVerificationError("request names no skill id")
        if found != self._skill_id:
            raise RequestVerificationError(f"request is for another skill ({found})")
