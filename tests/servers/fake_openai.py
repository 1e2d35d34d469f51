"""A local stand-in for an OpenAI-compatible server: POST /v1/chat/completions only.

Tests queue replies (canned content, HTTP errors) and read back the requests they got;
when the queue is empty a responder function answers. The real `openai` client talks to it
over HTTP on 127.0.0.1, so request encoding, status handling and parsing are all real.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    content: str | None = None  # the assistant message content for a 200
    error: str = ""
    headers: dict[str, str] = field(default_factory=dict)


def ok(content: str | dict[str, Any]) -> Reply:
    return Reply(content=content if isinstance(content, str) else json.dumps(content))


def fail(status: int, message: str = "") -> Reply:
    return Reply(status=status, error=message or f"fake error {status}")


Responder = Callable[[dict[str, Any]], Reply]


def prompt(body: dict[str, Any]) -> str:
    """A request's first user message: the task, before any follow-up corrections."""
    return str(next(m["content"] for m in body["messages"] if m["role"] == "user"))


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.queue: deque[Reply] = deque()
        self.responder: Responder | None = None
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.queue.clear()
            self.responder = None

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self.queue.extend(replies)

    def user_messages(self) -> list[str]:
        """The first user message (the prompt) of every request received, in order."""
        return [prompt(r) for r in self.requests]

    def _next(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(body)
            if self.queue:
                return self.queue.popleft()
            responder = self.responder
        if responder is None:
            return fail(400, "no reply scripted")
        try:
            return responder(body)
        except Exception as e:  # a broken test responder must fail loudly, not look transient
            return fail(400, f"test responder crashed: {e!r}")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet test output
                return

            def _send(self, status: int, payload: dict[str, Any], headers: dict[str, str]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(
                        404,
                        {"error": {"message": "not found", "type": "invalid_request_error"}},
                        {},
                    )
                    return
                body = json.loads(raw or b"{}")
                reply = fake._next(body)
                if reply.status != 200:
                    kind = "server_error" if reply.status >= 500 else "invalid_request_error"
                    err = {"error": {"message": reply.error, "type": kind, "code": None}}
                    self._send(reply.status, err, reply.headers)
                    return
                content = reply.content or ""
                self._send(
                    200,
                    {
                        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": body.get("model", "fake-model"),
                        "system_fingerprint": "fp_fake",
                        "choices": [
                            {
                                "index": 0,
                                "message": {
                                    "role": "assistant",
                                    "content": content,
                                    "refusal": None,
                                },
                                "logprobs": None,
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": {
                            "prompt_tokens": sum(
                                len(str(m.get("content", "")).split())
                                for m in body.get("messages", [])
                            ),
                            "completion_tokens": len(content.split()),
                            "total_tokens": 0,
                        },
                    },
                    reply.headers,
                )

        return Handler
