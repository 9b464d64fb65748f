"""The HTTP edge end to end: real sockets, a real verifier with a private chain, a small fake skill."""

from __future__ import annotations

import http.client
import json
import logging
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from skill.local.server import MAX_BODY_BYTES, NO_VERIFY_WARNING, SkillHTTPServer, make_server
from skill.local.testing_certs import TEST_SKILL_ID, SigningChain, encode_body, launch_request, make_chain
from skill.local.verify import AlexaRequestVerifier

JSON_TYPE = "application/json;charset=UTF-8"


@dataclass
class EchoSkill:
    """Answers with the request type and id it received; remembers every event that reached it."""

    events: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        self.events.append(event)
        request = event["request"]
        return {
            "version": "1.0",
            "sessionAttributes": {"echo": request["requestId"]},
            "response": {
                "outputSpeech": {"type": "PlainText", "text": f"You sent a {request['type']}. Über gut."},
                "shouldEndSession": True,
            },
        }


def failing_skill(event: dict[str, Any]) -> dict[str, Any]:
    raise RuntimeError("database password is hunter2")


@dataclass(frozen=True)
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@pytest.fixture(scope="module")
def chain() -> SigningChain:
    return make_chain()


def start(handle: Any, verifier: AlexaRequestVerifier | None) -> tuple[SkillHTTPServer, threading.Thread]:
    server = make_server(handle, host="127.0.0.1", port=0, verifier=verifier)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    return server, thread


def stop(server: SkillHTTPServer, thread: threading.Thread) -> None:
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def skill() -> EchoSkill:
    return EchoSkill()


@pytest.fixture
def server(chain: SigningChain, skill: EchoSkill) -> Iterator[SkillHTTPServer]:
    verifier = AlexaRequestVerifier(skill_id=TEST_SKILL_ID, fetch_chain=chain.fetch, trust_roots=[chain.root])
    running, thread = start(skill, verifier)
    yield running
    stop(running, thread)


@pytest.fixture
def unverified_server(skill: EchoSkill) -> Iterator[SkillHTTPServer]:
    running, thread = start(skill, None)
    yield running
    stop(running, thread)


def connect(server: SkillHTTPServer) -> http.client.HTTPConnection:
    host, port = server.server_address[0], server.server_address[1]
    return http.client.HTTPConnection(str(host), port, timeout=10)


def send(
    server: SkillHTTPServer,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    *,
    method: str = "POST",
    path: str = "/",
) -> Reply:
    conn = connect(server)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        conn.close()


def signed_launch(chain: SigningChain) -> tuple[bytes, dict[str, str]]:
    body = encode_body(launch_request())
    return body, {**chain.sign(body), "Content-Type": "application/json"}


def test_a_signed_request_reaches_the_skill_and_its_answer_comes_back(
    server: SkillHTTPServer, chain: SigningChain, skill: EchoSkill
) -> None:
    body, headers = signed_launch(chain)
    reply = send(server, body, headers)
    assert reply.status == 200
    assert reply.headers["Content-Type"] == JSON_TYPE
    answer = reply.json()
    assert answer["response"]["outputSpeech"]["text"] == "You sent a LaunchRequest. Über gut."
    assert answer["sessionAttributes"]["echo"] == json.loads(body)["request"]["requestId"]
    assert len(skill.events) == 1


def test_requests_on_one_kept_alive_connection_all_pass(server: SkillHTTPServer, chain: SigningChain) -> None:
    conn = connect(server)
    try:
        for _ in range(3):
            body, headers = signed_launch(chain)
            conn.request("POST", "/", body=body, headers=headers)
            response = conn.getresponse()
            assert response.status == 200
            response.read()
    finally:
        conn.close()


def test_an_unsigned_request_gets_400_saying_why_and_one_log_line(
    server: SkillHTTPServer, skill: EchoSkill, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="skill.local.server"):
        reply = send(server, encode_body(launch_request()), {"Content-Type": "application/json"})
    assert reply.status == 400
    assert reply.headers["Content-Type"] == JSON_TYPE
    assert reply.json() == {
        "error": "request is not signed: missing SignatureCertChainUrl and Signature-256 headers"
    }
    refusals = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(refusals) == 1
    assert "missing SignatureCertChainUrl" in refusals[0].getMessage()
    assert skill.events == []


def test_a_body_changed_after_signing_never_reaches_the_skill(
    server: SkillHTTPServer, chain: SigningChain, skill: EchoSkill
) -> None:
    body, headers = signed_launch(chain)
    reply = send(server, body.replace(b"LaunchRequest", b"IntentRequest"), headers)
    assert reply.status == 400
    assert reply.json() == {"error": "signature does not match the body"}
    assert skill.events == []


def test_a_request_for_another_skill_is_refused(server: SkillHTTPServer, chain: SigningChain) -> None:
    body = encode_body(launch_request(skill_id="amzn1.ask.skill.someone-else"))
    reply = send(server, body, chain.sign(body))
    assert reply.status == 400
    assert reply.json() == {"error": "request is for another skill (amzn1.ask.skill.someone-else)"}


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_methods_other_than_post_get_405_with_allow_post(server: SkillHTTPServer, method: str) -> None:
    reply = send(server, method=method)
    assert reply.status == 405
    assert reply.headers["Allow"] == "POST"
    assert reply.headers["Content-Type"] == JSON_TYPE
    assert "use POST" in reply.json()["error"]


def test_head_gets_405_without_a_body(server: SkillHTTPServer) -> None:
    reply = send(server, method="HEAD")
    assert reply.status == 405
    assert reply.headers["Allow"] == "POST"
    assert reply.body == b""


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/skill"), ("POST", "/favicon.ico"), ("GET", "/admin")]
)
def test_other_paths_get_404(server: SkillHTTPServer, chain: SigningChain, method: str, path: str) -> None:
    body, headers = signed_launch(chain)
    reply = send(server, body if method == "POST" else b"", headers, method=method, path=path)
    assert reply.status == 404
    assert reply.json() == {"error": "not found: the skill answers POST / only"}


def test_a_query_string_on_root_still_reaches_the_skill(server: SkillHTTPServer, chain: SigningChain) -> None:
    body, headers = signed_launch(chain)
    assert send(server, body, headers, path="/?source=tunnel").status == 200


def announce(server: SkillHTTPServer, headers: dict[str, str]) -> tuple[int, str | None, dict[str, Any]]:
    """POST only headers announcing a body, and send none of it: the answer must not wait for the body.

    Writing a body after headers the server refuses would race its answer-and-close (a broken pipe on a busy
    machine). Returns the status, the Connection header and the JSON body.
    """
    conn = connect(server)
    try:
        conn.putrequest("POST", "/")
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.headers["Connection"], json.loads(response.read())
    finally:
        conn.close()


def test_an_oversized_body_gets_413_before_it_is_read(server: SkillHTTPServer) -> None:
    status, connection, answer = announce(server, {"Content-Length": str(MAX_BODY_BYTES + 1)})
    assert status == 413
    assert connection == "close"
    assert str(MAX_BODY_BYTES) in answer["error"]


def test_a_body_at_the_limit_is_read(unverified_server: SkillHTTPServer) -> None:
    padding = " " * (MAX_BODY_BYTES - len(encode_body(launch_request())))
    body = encode_body(launch_request())[:-1] + padding.encode() + b"}"
    assert len(body) == MAX_BODY_BYTES
    assert send(unverified_server, body).status == 200


def test_a_body_without_content_length_gets_411(server: SkillHTTPServer) -> None:
    status, _, answer = announce(server, {})
    assert status == 411
    assert answer == {"error": "Content-Length header required"}


def test_a_chunked_body_gets_411(server: SkillHTTPServer) -> None:
    status, connection, answer = announce(server, {"Transfer-Encoding": "chunked"})
    assert status == 411
    assert connection == "close"
    assert "Content-Length" in answer["error"]


def test_a_garbled_content_length_gets_400(server: SkillHTTPServer) -> None:
    status, _, answer = announce(server, {"Content-Length": "-5"})
    assert status == 400
    assert answer == {"error": "Content-Length is not a single number"}


def test_a_signed_body_that_is_not_json_gets_400(server: SkillHTTPServer, chain: SigningChain) -> None:
    body = b"<xml>hello</xml>"
    reply = send(server, body, chain.sign(body))
    assert reply.status == 400
    assert reply.json() == {"error": "body is not JSON"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"{not json", "body is not JSON"),
        (b"\xff\xfe\x00", "body is not JSON"),
        (b"[1, 2]", "body is not a JSON object"),
    ],
)
def test_without_verification_a_body_that_is_not_a_json_object_gets_400(
    unverified_server: SkillHTTPServer, skill: EchoSkill, body: bytes, expected: str
) -> None:
    reply = send(unverified_server, body)
    assert reply.status == 400
    assert reply.json() == {"error": expected}
    assert skill.events == []


def test_without_verification_an_unsigned_request_reaches_the_skill(
    unverified_server: SkillHTTPServer,
) -> None:
    assert send(unverified_server, encode_body(launch_request())).status == 200


def test_make_server_warns_loudly_when_verification_is_off(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="skill.local.server"):
        running, thread = start(EchoSkill(), None)
        stop(running, thread)
    assert NO_VERIFY_WARNING in caplog.text


def test_a_failing_skill_gets_500_without_a_traceback_and_the_log_keeps_it(
    chain: SigningChain, caplog: pytest.LogCaptureFixture
) -> None:
    verifier = AlexaRequestVerifier(fetch_chain=chain.fetch, trust_roots=[chain.root])
    running, thread = start(failing_skill, verifier)
    try:
        with caplog.at_level(logging.ERROR, logger="skill.local.server"):
            body, headers = signed_launch(chain)
            reply = send(running, body, headers)
    finally:
        stop(running, thread)
    assert reply.status == 500
    assert reply.headers["Content-Type"] == JSON_TYPE
    assert reply.json() == {"error": "the skill failed to handle this request"}
    assert b"Traceback" not in reply.body
    assert b"hunter2" not in reply.body
    logged = [r for r in caplog.records if r.exc_info]
    assert len(logged) == 1
    assert "hunter2" in caplog.text


@pytest.mark.parametrize(
    "raw", [b"BREW / HTTP/1.1\r\nHost: x\r\n\r\n", b"GET / extra words HTTP/1.1\r\nHost: x\r\n\r\n"]
)
def test_protocol_errors_answer_json_not_html(server: SkillHTTPServer, raw: bytes) -> None:
    host, port = server.server_address[0], server.server_address[1]
    with socket.create_connection((str(host), port), timeout=5) as sock:
        sock.sendall(raw)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] in (b"400", b"501")
    assert f"Content-Type: {JSON_TYPE}".encode() in head
    assert "error" in json.loads(body)
    assert b"<html" not in body.lower()


def test_shutdown_stops_answering_and_releases_the_port(chain: SigningChain) -> None:
    running, thread = start(EchoSkill(), None)
    host, port = running.server_address[0], running.server_address[1]
    assert send(running, encode_body(launch_request())).status == 200
    stop(running, thread)
    assert not thread.is_alive()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((str(host), port), timeout=2).close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


_SERVE_SCRIPT = textwrap.dedent(
    """
    import sys
    from skill.local.server import serve
    serve(lambda event: {"version": "1.0", "response": {}}, host="127.0.0.1", port=int(sys.argv[1]), verifier=None)
    """
)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_serve_runs_until_a_signal_then_exits_cleanly(signum: signal.Signals) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", _SERVE_SCRIPT, str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("POST", "/", body=b"{}")
                assert conn.getresponse().status == 200
                conn.close()
                break
            except ConnectionRefusedError:
                assert process.poll() is None, process.communicate()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.05)
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert NO_VERIFY_WARNING in stderr
    assert "stopped" in stderr
    assert "Traceback" not in stderr


class BrokenVerifier(AlexaRequestVerifier):
    def verify(self, headers: Mapping[str, str], body: bytes) -> None:
        raise RuntimeError("bug inside verification")


def test_a_fault_inside_verification_is_a_400_refusal_not_a_500(
    chain: SigningChain, skill: EchoSkill, caplog: pytest.LogCaptureFixture
) -> None:
    running, thread = start(skill, BrokenVerifier(fetch_chain=chain.fetch, trust_roots=[chain.root]))
    try:
        with caplog.at_level(logging.ERROR, logger="skill.local.server"):
            body, headers = signed_launch(chain)
            reply = send(running, body, headers)
    finally:
        stop(running, thread)
    assert reply.status == 400
    assert reply.json() == {"error": "request could not be verified"}
    assert skill.events == []
    assert "bug inside verification" in caplog.text


@pytest.mark.parametrize("body", [b"[" * 100_000, b"[" * 60_000 + b"]" * 60_000, b'{"a":' * 20_000])
def test_json_nested_too_deeply_gets_400_without_verification(
    unverified_server: SkillHTTPServer, skill: EchoSkill, body: bytes
) -> None:
    reply = send(unverified_server, body)
    assert reply.status == 400
    assert reply.json() == {"error": "body is nested too deeply"}
    assert skill.events == []


def test_signed_json_nested_too_deeply_gets_400(
    server: SkillHTTPServer, chain: SigningChain, skill: EchoSkill
) -> None:
    body = b"[" * 100_000
    reply = send(server, body, chain.sign(body))
    assert reply.status == 400
    assert reply.json() == {"error": "body is nested too deeply"}
    assert skill.events == []


def test_a_refusal_over_a_failed_chain_fetch_keeps_the_fetch_error_in_the_log(
    chain: SigningChain, skill: EchoSkill, caplog: pytest.LogCaptureFixture
) -> None:
    def unreachable(url: str) -> bytes:
        raise OSError("[Errno 111] Connection refused by proxy 10.9.8.7:3128")

    verifier = AlexaRequestVerifier(skill_id=TEST_SKILL_ID, fetch_chain=unreachable, trust_roots=[chain.root])
    running, thread = start(skill, verifier)
    try:
        with caplog.at_level(logging.WARNING):
            body, headers = signed_launch(chain)
            reply = send(running, body, headers)
    finally:
        stop(running, thread)
    assert reply.status == 400
    assert reply.json() == {"error": "could not fetch the signing certificate chain"}
    assert "10.9.8.7" in caplog.text
    assert skill.events == []
