"""Throwaway Alexa-style signing chains and signed requests for tests and benchmarks; never for real traffic.

Builds a private root CA, an intermediate and an ``echo-api.amazon.com`` leaf with ``cryptography``, signs
request bodies the way Alexa does (``Signature-256`` over the exact bytes) and shapes LaunchRequest envelopes.
RSA keys are generated once per process and reused, so building many chain variants stays fast.
"""

from __future__ import annotations

import base64
import functools
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "ECHO_API_NAME",
    "TEST_CERT_URL",
    "TEST_SKILL_ID",
    "SigningChain",
    "encode_body",
    "launch_request",
    "make_chain",
]

ECHO_API_NAME = "echo-api.amazon.com"
TEST_CERT_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-test.pem"
TEST_SKILL_ID = "amzn1.ask.skill.00000000-0000-4000-8000-000000000000"

_KEY_SIZE = 2048


@functools.cache
def _key(role: str) -> rsa.RSAPrivateKey:
    """One RSA key per role per process: generating 2048-bit keys is the slow part."""
    del role  # the role only selects the cache slot
    return rsa.generate_private_key(public_exponent=65537, key_size=_KEY_SIZE)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Muscle Coach Test PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _ca_cert(
    *,
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer: x509.Name,
    issuer_key: rsa.RSAPrivateKey,
    not_before: datetime,
    not_after: datetime,
    path_length: int | None,
) -> x509.Certificate:
    public_key = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
        .sign(issuer_key, hashes.SHA256())
    )


@dataclass(frozen=True, slots=True)
class SigningChain:
    """A root CA, an intermediate and a leaf whose key signs requests, like Alexa's published chain."""

    root: x509.Certificate
    intermediate: x509.Certificate
    leaf: x509.Certificate
    leaf_key: rsa.RSAPrivateKey
    url: str = TEST_CERT_URL

    def chain_pem(self) -> bytes:
        """The PEM document served at the certificate URL: leaf first, then the intermediate."""
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (self.leaf, self.intermediate))

    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)

    def fetch(self, url: str) -> bytes:
        """A certificate fetcher that serves this chain at any URL (inject it into the verifier)."""
        del url
        return self.chain_pem()

    def sign(self, body: bytes, *, url: str | None = None) -> dict[str, str]:
        """The two headers Alexa sends with ``body``: the chain URL and the base64 RSA SHA-256 signature."""
        signature = self.leaf_key.sign(body, padding.PKCS1v15(), hashes.SHA256())
        return {
            "SignatureCertChainUrl": self.url if url is None else url,
            "Signature-256": base64.b64encode(signature).decode("ascii"),
        }


def make_chain(
    *,
    now: datetime | None = None,
    leaf_not_before: datetime | None = None,
    leaf_not_after: datetime | None = None,
    leaf_dns_names: Sequence[str] = (ECHO_API_NAME,),
    root_role: str = "root",
) -> SigningChain:
    """Build a fresh chain valid around ``now`` (default: the current time).

    The leaf's validity window and DNS names can be moved to build failing variants; another ``root_role``
    builds a separate hierarchy (its own cached keys and names) that a store holding the usual root does not
    trust.
    """
    now = datetime.now(UTC) if now is None else now
    ca_from, ca_to = now - timedelta(days=365), now + timedelta(days=3650)
    root_key, intermediate_key, leaf_key = (
        _key(f"{root_role}/{tier}") for tier in ("root", "intermediate", "leaf")
    )
    root_name = _name(f"Muscle Coach Test Root CA ({root_role})")
    root = _ca_cert(
        subject=root_name,
        key=root_key,
        issuer=root_name,
        issuer_key=root_key,
        not_before=ca_from,
        not_after=ca_to,
        path_length=None,
    )
    intermediate_name = _name("Muscle Coach Test Intermediate CA")
    intermediate = _ca_cert(
        subject=intermediate_name,
        key=intermediate_key,
        issuer=root_name,
        issuer_key=root_key,
        not_before=ca_from,
        not_after=ca_to,
        path_length=0,
    )
    leaf_public = leaf_key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(leaf_dns_names[0] if leaf_dns_names else "no-dns-name"))
        .issuer_name(intermediate_name)
        .public_key(leaf_public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1) if leaf_not_before is None else leaf_not_before)
        .not_valid_after(now + timedelta(days=30) if leaf_not_after is None else leaf_not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(intermediate_key.public_key()), critical=False
        )
    )
    if leaf_dns_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in leaf_dns_names]), critical=False
        )
    leaf = builder.sign(intermediate_key, hashes.SHA256())
    return SigningChain(root=root, intermediate=intermediate, leaf=leaf, leaf_key=leaf_key)


def _alexa_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def launch_request(
    *, timestamp: datetime | None = None, skill_id: str = TEST_SKILL_ID, locale: str = "en-US"
) -> dict[str, Any]:
    """A real-shaped LaunchRequest envelope, as Alexa posts it when someone opens the skill."""
    moment = datetime.now(UTC) if timestamp is None else timestamp
    user = {"userId": "amzn1.ask.account.TESTUSER"}
    application = {"applicationId": skill_id}
    return {
        "version": "1.0",
        "session": {
            "new": True,
            "sessionId": f"amzn1.echo-api.session.{uuid.uuid4()}",
            "application": application,
            "attributes": {},
            "user": user,
        },
        "context": {
            "System": {
                "application": application,
                "user": user,
                "device": {"deviceId": "amzn1.ask.device.TESTDEVICE", "supportedInterfaces": {}},
                "apiEndpoint": "https://api.amazonalexa.com",
                "apiAccessToken": "test-access-token",
            }
        },
        "request": {
            "type": "LaunchRequest",
            "requestId": f"amzn1.echo-api.request.{uuid.uuid4()}",
            "timestamp": _alexa_timestamp(moment),
            "locale": locale,
            "shouldLinkResultBeReturned": False,
        },
    }


def encode_body(envelope: dict[str, Any]) -> bytes:
    """Serialise an envelope to the bytes that get signed and posted."""
    return json.dumps(envelope, separators=(",", ":")).encode("utf-8")
