"""A real HTTPS receiver for notifications: a test CA (trustme), a thread, every request recorded.

`Receiver(ca).start()` listens on a loopback port (kept across stop/start, so a test can take the
receiver down and bring it back); `status` is what it answers; `requests` what it received.
"""

from __future__ import annotations

import hashlib
import hmac
import ssl
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import trustme


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    answered: bool = False


class Receiver:
    def __init__(self, ca: trustme.CA, port: int = 0) -> None:
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("localhost", "127.0.0.1").configure_cert(self._context)
        self.port = port
        self.status = 200
        self.secret: str | None = None  # set: answer 401 to a body whose HMAC signature does not verify
        self.hold = threading.Event()  # set: keep each request waiting, unanswered, until cleared or stopped
        self.requests: list[Received] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"https://localhost:{self.port}"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received = Received(self.path, dict(self.headers), body, time.time())
                receiver.requests.append(received)
                while receiver.hold.is_set() and receiver._server is not None:
                    time.sleep(0.05)
                if receiver.hold.is_set():
                    return  # stopped while holding: never answered
                status = receiver.status if receiver.verified(self.headers, body) else 401
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"bad signature" if status == 401 else b"receiver says no")
                received.answered = status < 300

            def log_message(self, format: str, *args: object) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.socket = self._context.wrap_socket(server.socket, server_side=True)
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="notification receiver", daemon=True)
        self._thread.start()
        return self

    def verified(self, headers: object, body: bytes) -> bool:
        """The X-SRE-Signature-256 check a receiver makes: HMAC-SHA256 of "<timestamp>.<body>", fresh."""
        if self.secret is None:
            return True
        get = headers.get  # type: ignore[attr-defined]
        timestamp, signature = get("X-SRE-Timestamp", ""), get("X-SRE-Signature-256", "")
        if not timestamp.isdigit() or abs(int(timestamp) - time.time()) > 300:
            return False
        digest = hmac.new(self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(signature, f"sha256={digest}")

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            assert time.monotonic() < deadline, f"{len(self.requests)} of {count} requests received"
            time.sleep(0.02)
        return self.requests


def ca_bundle(ca: trustme.CA, directory: Path) -> Path:
    path = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path
