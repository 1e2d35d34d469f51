"""A local stand-in for Stripe's API (Checkout Sessions) and Stripe-style webhook signing.

stripe-mock cannot be installed here and localstripe has no Checkout, so this small HTTP
server answers ``POST /v1/checkout/sessions`` and ``GET /v1/checkout/sessions/{id}`` the way
Stripe's API reference documents them (form-encoded parameters with bracket nesting, bearer
secret key, Idempotency-Key replays, ``{"error": {...}}`` bodies), and the real ``stripe``
library talks to it through its API base setting.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

API_VERSION = "2025-09-30.clover"
_TOKEN = re.compile(r"[^\[\]]+")


def parse_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding: ``line_items[0][price_data][currency]=usd`` and the like."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        path = _TOKEN.findall(key)
        node = root
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {k: _lists(v) for k, v in node.items()}
    if converted and all(k.isdigit() for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted


class StripeApiError(Exception):
    def __init__(self, status: int, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.param = status, message, param

    def body(self) -> dict[str, Any]:
        kind = "invalid_request_error"
        error = {"type": kind, "message": self.message}
        if self.param:
            error["param"] = self.param
        return {"error": error}


@dataclass
class FakeStripe:
    """The server's state; tests read ``sessions`` and ``requests`` and may set ``fail_next``."""

    api_key: str = field(default_factory=lambda: "sk_test_" + secrets.token_hex(12))
    base_url: str = ""
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    idempotent: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    fail_next: int | None = None  # answer the next request with this HTTP status
    lock: threading.Lock = field(default_factory=threading.Lock)

    def create_session(self, params: dict[str, Any]) -> dict[str, Any]:
        mode = params.get("mode")
        if mode not in {"payment", "setup", "subscription"}:
            raise StripeApiError(
                400, "Invalid mode: must be payment, setup or subscription", "mode"
            )
        if not params.get("success_url"):
            raise StripeApiError(400, "Missing required param: success_url.", "success_url")
        items = params.get("line_items")
        if mode == "payment" and not items:
            raise StripeApiError(400, "Missing required param: line_items.", "line_items")
        total, currency = 0, None
        for i, item in enumerate(items or []):
            price = item.get("price_data")
            if not isinstance(price, dict):
                raise StripeApiError(400, "Missing price_data.", f"line_items[{i}][price_data]")
            try:
                amount, quantity = int(price["unit_amount"]), int(item.get("quantity", 1))
            except (KeyError, ValueError):
                raise StripeApiError(
                    400, "Invalid integer", f"line_items[{i}][price_data][unit_amount]"
                ) from None
            if not (price.get("product_data") or {}).get("name"):
                raise StripeApiError(
                    400, "Missing product name.", f"line_items[{i}][price_data][product_data]"
                )
            currency = currency or str(price.get("currency", "")).lower()
            total += amount * quantity
        sid = "cs_test_" + secrets.token_hex(16)
        now = int(time.time())
        session = {
            "id": sid,
            "object": "checkout.session",
            "amount_subtotal": total,
            "amount_total": total,
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"),
            "created": now,
            "currency": currency,
            "customer": None,
            "expires_at": now + 24 * 3600,
            "livemode": False,
            "metadata": params.get("metadata") or {},
            "mode": mode,
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params.get("success_url"),
            "ui_mode": "hosted",
            "url": f"https://checkout.stripe.com/c/pay/{sid}",
        }
        self.sessions[sid] = session
        return session

    def handle(self, method: str, path: str, headers: dict[str, str], body: str) -> tuple[int, Any]:
        with self.lock:
            params = parse_form(body) if body else {}
            self.requests.append({"method": method, "path": path, "params": params})
            if headers.get("authorization") != f"Bearer {self.api_key}":
                return 401, StripeApiError(401, "Invalid API Key provided.").body()
            if self.fail_next is not None:
                status, self.fail_next = self.fail_next, None
                return status, StripeApiError(status, "Something went wrong.").body()
            key = headers.get("idempotency-key")
            if method == "POST" and key and key in self.idempotent:
                return self.idempotent[key]
            try:
                if method == "POST" and path == "/v1/checkout/sessions":
                    result: tuple[int, Any] = (200, self.create_session(params))
                elif method == "GET" and path.startswith("/v1/checkout/sessions/"):
                    sid = path.rsplit("/", 1)[1]
                    if sid not in self.sessions:
                        raise StripeApiError(404, f"No such checkout.session: '{sid}'", "id")
                    result = (200, self.sessions[sid])
                else:
                    raise StripeApiError(404, f"Unrecognized request URL ({method}: {path}).")
            except StripeApiError as exc:
                result = (exc.status, exc.body())
            if method == "POST" and key:
                self.idempotent[key] = result
            return result

    # ------------------------------------------------------------------ events
    def paid_event(
        self, session_id: str, event_type: str = "checkout.session.completed", **changes: Any
    ) -> dict[str, Any]:
        """A webhook event for a session, as if the customer paid (fields overridable)."""
        session = dict(self.sessions[session_id])
        session.update(status="complete", payment_status="paid")
        session.update(changes)
        return make_event(event_type, session)


def make_event(event_type: str, obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "evt_" + secrets.token_hex(12),
        "object": "event",
        "api_version": API_VERSION,
        "created": int(time.time()),
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The Stripe-Signature header Stripe sends: t=<unix time>,v1=HMAC-SHA256("{t}.{payload}")."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def _handler(state: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self, method: str) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            path, _, query = self.path.partition("?")
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, payload = state.handle(method, path, headers, body or query)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", "req_" + secrets.token_hex(8))
            self.send_header("Stripe-Version", API_VERSION)
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802
            self._serve("POST")

        def do_GET(self) -> None:  # noqa: N802
            self._serve("GET")

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler


@contextmanager
def fake_stripe_server() -> Iterator[FakeStripe]:
    state = FakeStripe()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
