"""Serves the skill over HTTP (POST /) the way Alexa calls a web-service skill; owns no skill logic.

Every request is checked by an ``AlexaRequestVerifier`` before its body is deserialised or reaches the skill.
Clients only ever get short JSON answers: refusals say why, skill failures say nothing more than that they
happened, and tracebacks stay in the server's log.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from skill.errors import RequestVerificationError
from skill.local.verify import AlexaRequestVerifier

__all__ = [
    "MAX_BODY_BYTES",
    "NO_VERIFY_WARNING",
    "Handle",
    "SkillHTTPServer",
    "make_server",
    "serve",
]

MAX_BODY_BYTES = 128 * 1024
NO_VERIFY_WARNING = "request verification is OFF: use only with local tools"
JSON_CONTENT_TYPE = "application/json;charset=UTF-8"

Handle = Callable[[dict[str, Any]], dict[str, Any]]

logger = logging.getLogger(__name__)

_DIGITS = re.compile(r"[0-9]{1,12}")
_IDLE_CONNECTION_SECONDS = 30


class SkillHTTPServer(ThreadingHTTPServer):
    """A threaded HTTP server holding the skill's handle and the verifier (None means verification is off)."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], handle: Handle, verifier: AlexaRequestVerifier | None
    ) -> None:
        self.skill_handle = handle
        self.verifier = verifier
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _AlexaRequestHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[0], self.server_address[1]
        shown = f"[{host!s}]" if self.address_family == socket.AF_INET6 else str(host)
        return f"http://{shown}:{port}/"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A connection that fails mid-request is logged in one line (no traceback unless unexpected)."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            logger.debug("connection from %s dropped: %s", client_address, error)
        else:
            logger.exception("unexpected error while serving %s", client_address)


class _AlexaRequestHandler(BaseHTTPRequestHandler):
    server: SkillHTTPServer
    protocol_version = "HTTP/1.1"  # keep-alive, as Alexa and most clients use
    server_version = "MuscleCoach"
    timeout = _IDLE_CONNECTION_SECONDS
    # headers and body leave in two writes: without TCP_NODELAY each answer waits on a delayed ACK (~40 ms)
    disable_nagle_algorithm = True

    def version_string(self) -> str:
        return self.server_version

    # ---- routing -------------------------------------------------------------------------------------------

    def _at_root(self) -> bool:
        return urlsplit(self.path).path == "/"

    def _refuse_method(self) -> None:
        if not self._at_root():
            self._send_json(404, {"error": "not found: the skill answers POST / only"})
            return
        self._send_json(
            405, {"error": f"method {self.command} not allowed: use POST"}, extra_headers=[("Allow", "POST")]
        )

    do_GET = do_HEAD = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _refuse_method

    def do_POST(self) -> None:
        if not self._at_root():
            self._send_json(404, {"error": "not found: the skill answers POST / only"})
            return
        body = self._read_body()
        if body is None:
            return
        verifier = self.server.verifier
        if verifier is not None:
            try:
                verifier.verify(dict(self.headers.items()), body)
            except RequestVerificationError as exc:
                cause = f" ({exc.__cause__})" if exc.__cause__ is not None else ""
                logger.warning("refused request from %s: %s%s", self.client_address[0], exc, cause)
                self._send_json(400, {"error": str(exc)})
                return
            except Exception:  # a fault in verification is still a refusal, never a 500
                logger.exception("could not verify a request from %s", self.client_address[0])
                self._send_json(400, {"error": "request could not be verified"})
                return
        try:
            event = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            self._send_json(400, {"error": "body is not JSON"})
            return
        except RecursionError:
            self._send_json(400, {"error": "body is nested too deeply"})
            return
        if not isinstance(event, dict):
            self._send_json(400, {"error": "body is not a JSON object"})
            return
        try:
            payload = _encode(self.server.skill_handle(event))
        except Exception:
            logger.exception("the skill failed on a request from %s", self.client_address[0])
            self._send_json(500, {"error": "the skill failed to handle this request"})
            return
        self._send(200, payload)

    def _read_body(self) -> bytes | None:
        """The exact body bytes, or None after answering 411/413/400 (and closing: the body was not read)."""
        if self.headers.get("Transfer-Encoding") is not None:
            self._send_json(411, {"error": "send the body with a Content-Length, not chunked"}, close=True)
            return None
        lengths = {value.strip() for value in self.headers.get_all("Content-Length") or []}
        if not lengths:
            self._send_json(411, {"error": "Content-Length header required"}, close=True)
            return None
        length_text = lengths.pop()
        if lengths or not _DIGITS.fullmatch(length_text):
            self._send_json(400, {"error": "Content-Length is not a single number"}, close=True)
            return None
        length = int(length_text)
        if length > MAX_BODY_BYTES:
            self._send_json(
                413, {"error": f"body is {length} bytes; the limit is {MAX_BODY_BYTES}"}, close=True
            )
            return None
        body = self.rfile.read(length)
        if len(body) < length:  # the client went away mid-body
            self.close_connection = True
            return None
        return body

    # ---- responses -----------------------------------------------------------------------------------------

    def _send_json(
        self,
        status: int,
        payload: dict[str, Any],
        *,
        extra_headers: Iterable[tuple[str, str]] = (),
        close: bool = False,
    ) -> None:
        self._send(status, _encode(payload), extra_headers=extra_headers, close=close)

    def _send(
        self,
        status: int,
        body: bytes,
        *,
        extra_headers: Iterable[tuple[str, str]] = (),
        close: bool = False,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", JSON_CONTENT_TYPE)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra_headers:
            self.send_header(name, value)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol errors the standard library finds (bad request line, unknown method) answer JSON too."""
        reason = message or self.responses.get(code, ("error",))[0]
        body = b"" if code < 200 or code in (204, 304) else _encode({"error": reason})
        self.send_response(code, message)
        self.send_header("Content-Type", JSON_CONTENT_TYPE)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.close_connection = True
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    # ---- logging: one concise line per request, through logging, never straight to stderr ---------------

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        logger.info('%s "%s %s" %s', self.client_address[0], self.command, getattr(self, "path", "-"), code)

    def log_message(self, format: str, *args: Any) -> None:
        logger.info("%s %s", self.client_address[0], format % args)


def _encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def make_server(
    handle: Handle,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    verifier: AlexaRequestVerifier | None,
) -> SkillHTTPServer:
    """Bind (port 0 picks a free port) and return the server; call ``serve_forever`` to start answering."""
    if verifier is None:
        logger.warning("%s", NO_VERIFY_WARNING)
    server = SkillHTTPServer((host, port), handle, verifier)
    if not _is_loopback(host):
        logger.warning("listening on %s, which is reachable from other machines", host)
    return server


def _ensure_log_output() -> None:
    """Make serve's own lines visible when the program configured no logging at all."""
    server_logger = logging.getLogger(__name__)
    if logging.getLogger().handlers or server_logger.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    server_logger.addHandler(handler)
    server_logger.setLevel(logging.INFO)


def serve(
    handle: Handle,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    verifier: AlexaRequestVerifier | None,
) -> None:
    """Serve until Ctrl-C or SIGTERM, then stop accepting, close the socket and return."""
    _ensure_log_output()
    server = make_server(handle, host=host, port=port, verifier=verifier)
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        del frame
        logger.info("received %s, shutting down", signal.Signals(signum).name)
        stop.set()

    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, request_stop)
    worker = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="muscle-coach-http", daemon=True
    )
    worker.start()
    logger.info("serving the skill on %s (POST /); press Ctrl-C to stop", server.url)
    try:
        while worker.is_alive() and not stop.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        started = time.monotonic()
        server.shutdown()
        server.server_close()
        worker.join(timeout=5)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        logger.info("stopped in %.0f ms", (time.monotonic() - started) * 1000)
