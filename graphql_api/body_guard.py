"""Request bodies checked before any handler reads them: size, and the shape of /graphql's.

POST bodies to /graphql and /webhooks/ are read up to `max_body_bytes` (413
PAYLOAD_TOO_LARGE beyond, from Content-Length or while reading) and handed on whole. A
/graphql body sent as JSON must be UTF-8, valid JSON, a JSON object nested at most
MAX_DEPTH levels, with `query` and `operationName` strings, `variables` and `extensions`
objects (or absent or null): anything else is a 400 BAD_REQUEST with a coded GraphQL error
naming the field, so no malformed body reaches a parser that would answer 500. The same
holds for the `variables` and `extensions` of a GET.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

BAD_REQUEST = "BAD_REQUEST"
TOO_LARGE = "PAYLOAD_TOO_LARGE"
GUARDED_PREFIXES = ("/graphql", "/webhooks/")
MAX_DEPTH = 64
# Members of a GraphQL request and the JSON type each must have when present.
_MEMBERS: dict[str, type] = {
    "query": str,
    "operationName": str,
    "variables": dict,
    "extensions": dict,
}


class Refusal(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field

    def body(self) -> bytes:
        extensions: dict[str, Any] = {"code": self.code}
        if self.field:
            extensions["field"] = self.field
        return json.dumps(
            {"errors": [{"message": self.message, "extensions": extensions}]}
        ).encode()


# Where a request names its document: the text, or a persisted document's id or hash.
_DOCUMENT_MEMBERS = ("query", "extensions", "documentId", "id")


def depth(value: Any) -> int:
    """How deeply a parsed JSON value nests (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level + 1)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, level + 1) for child in children)
    return deepest


def parse_json(text: str | bytes, what: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: thousands of nested arrays
        raise Refusal(400, BAD_REQUEST, f"{what} is not valid JSON.", None) from None


def check_request(request: Any, *, needs_document: bool = True) -> None:
    """A decoded GraphQL-over-HTTP request: an object whose members have the right types,
    naming a document (a GET without one is GraphiQL's page)."""
    if not isinstance(request, dict):
        raise Refusal(400, BAD_REQUEST, "The body must be a JSON object (one operation).")
    if depth(request) > MAX_DEPTH:
        raise Refusal(400, BAD_REQUEST, f"The body nests deeper than {MAX_DEPTH} levels.")
    for name, kind in _MEMBERS.items():
        value = request.get(name)
        if value is not None and not isinstance(value, kind):
            noun = "a string" if kind is str else "an object"
            raise Refusal(400, BAD_REQUEST, f"`{name}` must be {noun} or null.", name)
    if needs_document and not any(request.get(name) for name in _DOCUMENT_MEMBERS):
        raise Refusal(400, BAD_REQUEST, "The request has no `query`.", "query")


def check_graphql_body(raw: bytes) -> None:
    """Raise Refusal unless `raw` is a well-formed GraphQL-over-HTTP JSON request."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Refusal(400, BAD_REQUEST, "The body is not UTF-8 text.") from None
    check_request(parse_json(text, "The body"))


def check_graphql_query_string(query_string: bytes) -> None:
    """GET /graphql: `variables` and `extensions`, when given, must be JSON objects."""
    try:
        params = dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))
    except ValueError:
        raise Refusal(400, BAD_REQUEST, "The query string is malformed.") from None
    decoded: dict[str, Any] = {}
    for name in ("variables", "extensions"):
        if params.get(name):
            decoded[name] = parse_json(params[name], f"`{name}`")
    check_request(decoded, needs_document=False)


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return b"json" in value.lower()
    return True  # no content type: the view reads it as JSON


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyGuard:
    """ASGI middleware: the checks above on /graphql and /webhooks/ (HTTP only)."""

    def __init__(self, app: ASGIApp, max_bytes: Callable[[], int]) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(GUARDED_PREFIXES):
            await self.app(scope, receive, send)
            return
        graphql = scope["path"].rstrip("/") == "/graphql"
        try:
            if scope["method"] == "GET" and graphql:
                check_graphql_query_string(scope.get("query_string", b""))
            if scope["method"] != "POST":
                await self.app(scope, receive, send)
                return
            body = await self._read(scope, receive)
            if graphql and _is_json(scope):
                check_graphql_body(body)
        except Refusal as refusal:
            await self._refuse(refusal, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read(self, scope: Scope, receive: Receive) -> bytes:
        limit = self.max_bytes()
        too_large = Refusal(413, TOO_LARGE, f"The body is larger than {limit} bytes.")
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            raise too_large
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise too_large
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    @staticmethod
    async def _refuse(refusal: Refusal, send: Send) -> None:
        body = refusal.body()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        if refusal.status == 413:
            headers.append((b"connection", b"close"))  # the rest of the body is not read
        await send({"type": "http.response.start", "status": refusal.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the body on once, then waits for the disconnect as usual."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
