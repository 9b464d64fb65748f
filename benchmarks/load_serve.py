"""Load check for ``serve``: concurrent signed LaunchRequests on loopback with verification on; never off-host.

Starts ``skill.local.server.serve`` in a child process on a free loopback port, trusting a throwaway test chain
(the fetcher is injected, nothing goes to Amazon), then drives it with N client threads for a bounded time, each
posting freshly signed, real-shaped LaunchRequests over a kept-alive connection. Prints requests per second,
p50/p99 latency and the error count; exits non-zero on any error or if the server does not stop cleanly.

    .venv/bin/python benchmarks/load_serve.py [--seconds 20] [--clients 8]
"""

from __future__ import annotations

import argparse
import http.client
import importlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509

from skill.local.server import Handle, serve
from skill.local.testing_certs import TEST_SKILL_ID, SigningChain, encode_body, launch_request, make_chain
from skill.local.verify import AlexaRequestVerifier

__all__ = ["main"]

LOOPBACK = "127.0.0.1"
MAX_REQUESTS_PER_CLIENT = 1_000_000
STARTUP_SECONDS = 30.0
STOP_SECONDS = 10.0


def _trivial_handle(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "1.0",
        "response": {"outputSpeech": {"type": "PlainText", "text": "Hello."}, "shouldEndSession": True},
    }


def _pick_handle() -> tuple[Handle, str]:
    try:
        app = importlib.import_module("skill.app")
    except ImportError:
        return _trivial_handle, "trivial built-in handle (skill.app is not importable yet)"
    handle: Handle | None = getattr(app, "handle_event", None)
    if handle is None:
        return _trivial_handle, "trivial built-in handle (skill.app has no handle_event yet)"
    return handle, "skill.app.handle_event"


def _serve_child(port: int, root_file: Path, chain_file: Path) -> int:
    """The server side: the real ``serve`` with verification on, trusting only the test root."""
    logging.basicConfig(level=logging.WARNING, format="server: %(levelname)s %(message)s")
    handle, name = _pick_handle()
    print(name, flush=True)
    chain_pem = chain_file.read_bytes()
    verifier = AlexaRequestVerifier(
        skill_id=TEST_SKILL_ID,
        fetch_chain=lambda url: chain_pem,
        trust_roots=x509.load_pem_x509_certificates(root_file.read_bytes()),
    )
    serve(handle, host=LOOPBACK, port=port, verifier=verifier)
    return 0


@dataclass
class ClientStats:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None

    def fail(self, reason: str) -> None:
        self.errors += 1
        if self.first_error is None:
            self.first_error = reason


def _client(port: int, chain: SigningChain, deadline: float, stats: ClientStats) -> None:
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=10)
    try:
        for _ in range(MAX_REQUESTS_PER_CLIENT):
            if time.monotonic() >= deadline:
                break
            body = encode_body(launch_request())  # fresh timestamp and ids each time
            headers = {**chain.sign(body), "Content-Type": "application/json"}
            started = time.perf_counter()
            try:
                conn.request("POST", "/", body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                elapsed_ms = (time.perf_counter() - started) * 1000
                if response.status != 200:
                    stats.fail(f"HTTP {response.status}: {payload[:200]!r}")
                    continue
                answer = json.loads(payload)
                if not isinstance(answer, dict) or "response" not in answer:
                    stats.fail(f"not a skill response: {payload[:200]!r}")
                    continue
                stats.latencies_ms.append(elapsed_ms)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                stats.fail(f"{type(exc).__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection(LOOPBACK, port, timeout=10)
    finally:
        conn.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_listening(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited early with code {process.returncode}")
        try:
            socket.create_connection((LOOPBACK, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"the server did not listen on port {port} within {STARTUP_SECONDS:.0f} s")


def _percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, round(fraction * len(sorted_values) + 0.5))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def _run(seconds: float, clients: int) -> int:
    chain = make_chain()
    with tempfile.TemporaryDirectory(prefix="muscle-coach-load-") as scratch:
        root_file, chain_file = Path(scratch, "root.pem"), Path(scratch, "chain.pem")
        root_file.write_bytes(chain.root_pem())
        chain_file.write_bytes(chain.chain_pem())
        port = _free_port()
        env = {**os.environ, "MUSCLE_COACH_HOME": str(Path(scratch, "home"))}
        command = [sys.executable, str(Path(__file__).resolve()), "--serve-child", str(port)]
        command += ["--root", str(root_file), "--chain", str(chain_file)]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
        try:
            assert process.stdout is not None
            print(f"skill handle: {process.stdout.readline().strip() or '(server printed nothing)'}")
            _wait_until_listening(port, process)
            stats = [ClientStats() for _ in range(clients)]
            started = time.monotonic()
            deadline = started + seconds
            threads = [
                threading.Thread(target=_client, args=(port, chain, deadline, s), daemon=True) for s in stats
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=seconds + 30)
            elapsed = time.monotonic() - started
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            try:
                exit_code = process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                exit_code = -1
    return _report(stats, elapsed, clients, exit_code)


def _report(stats: list[ClientStats], elapsed: float, clients: int, exit_code: int) -> int:
    latencies = sorted(ms for s in stats for ms in s.latencies_ms)
    errors = sum(s.errors for s in stats)
    print(f"clients: {clients} on {LOOPBACK}, verification on, {elapsed:.1f} s")
    print(f"requests: {len(latencies)} ok, {len(latencies) / elapsed:.1f} requests/s")
    print(f"latency: p50 {_percentile(latencies, 0.50):.2f} ms, p99 {_percentile(latencies, 0.99):.2f} ms")
    print(f"errors: {errors}")
    first_error = next((s.first_error for s in stats if s.first_error), None)
    if first_error:
        print(f"first error: {first_error}")
    clean = exit_code == 0
    print(f"server stopped cleanly: {'yes' if clean else f'no (exit code {exit_code})'}")
    return 0 if errors == 0 and clean and latencies else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--seconds", type=float, default=20.0, help="how long to load the server (default 20)"
    )
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads (default 8)")
    parser.add_argument("--serve-child", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--chain", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_child is not None:
        return _serve_child(args.serve_child, args.root, args.chain)
    if not 0 < args.seconds <= 600 or not 0 < args.clients <= 64:
        parser.error("--seconds must be in (0, 600] and --clients in 1..64")
    return _run(args.seconds, args.clients)


if __name__ == "__main__":
    sys.exit(main())
