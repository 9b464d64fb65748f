"""A fake Alexa Settings API (System.timeZone) over HTTPS on 127.0.0.1, for the skill's ask-sdk client to ask.

The SDK's client refuses plain HTTP, so the fake has a self-signed certificate for 127.0.0.1; a caller makes
`requests` trust it with REQUESTS_CA_BUNDLE=`ca_bundle` (and NO_PROXY=127.0.0.1).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

__all__ = ["SLOW_SECONDS", "FakeSettingsApi", "fake_settings_api"]

SLOW_SECONDS = 10.0


@dataclass
class FakeSettingsApi:
    """What the fake answers (`zone`, `status`, or a stall of SLOW_SECONDS) and what it was asked."""

    url: str = ""
    ca_bundle: Path = Path()
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


@contextmanager
def fake_settings_api(directory: Path) -> Iterator[FakeSettingsApi]:
    """Serve the fake until the block ends; its certificate and key are written to `directory`."""
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

    cert_path, key_path = _self_signed_localhost(directory)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    fake.url = f"https://127.0.0.1:{server.server_address[1]}"
    fake.ca_bundle = cert_path
    try:
        yield fake
    finally:
        fake.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
