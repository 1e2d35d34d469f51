"""A partner's webhook endpoint: verifies every delivery with the `standardwebhooks` package.

Tests script its answers (``plan``: status codes, or ``HANG`` to answer only after the
sender gave up) and read back what arrived: headers, body, and whether the signature
verified with the secret the receiver was given.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

HANG = -1  # in a plan: hold the request until released (at most hang_seconds)


@dataclass(frozen=True)
class Delivery:
    headers: dict[str, str]
    body: bytes
    verified: bool
    payload: Any  # the parsed JSON when verified
    error: str
    answered: int


class WebhookReceiver:
    def __init__(self, secret: str, *, hang_seconds: float = 5.0) -> None:
        self.secret = secret
        self.plan: deque[int] = deque()
        self.deliveries: list[Delivery] = []
        self.hang_seconds = hang_seconds
        self.release = threading.Event()
        self.lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks/clipforge"

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def receive(self, headers: dict[str, str], body: bytes) -> int:
        try:
            payload = Webhook(self.secret).verify(body, headers)
            verified, error = True, ""
        except WebhookVerificationError as exc:
            payload, verified, error = None, False, str(exc)
        with self.lock:
            answer = self.plan.popleft() if self.plan else 200
            self.deliveries.append(Delivery(headers, body, verified, payload, error, answer))
        return answer

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                status = receiver.receive(headers, body)
                if status == HANG:
                    receiver.release.wait(receiver.hang_seconds)
                    status = 200
                reply = b"ok" if status < 300 else b"try again"
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

        return Handler
