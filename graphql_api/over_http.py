"""GraphQL over HTTP as the current spec says it, on top of Strawberry's ASGI view.

- The response media type follows the `Accept` header: `application/graphql-response+json`
  when the client prefers it (Apollo Client 4 does), else `application/json` (also for
  `*/*`, no header, or nothing we support: the spec lets a server fall back to it).
- Under `application/graphql-response+json`, a request that never reached execution (a
  parse, validation or variable-coercion error: no `data`) answers 400 without a `data`
  entry. Under `application/json` every GraphQL result answers 200, as before, which is
  what older clients (Apollo Client 3) expect.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.http.typevars import Context, RootValue
from strawberry.types import ExecutionResult

from graphql_api.ide import page as ide_page

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
MEDIA_KEY = "clipforge.response_media"
STATUS_KEY = "clipforge.response_status"


def _quality(params: list[str]) -> float | None:
    """The q value of one Accept entry, or None if its charset is not UTF-8."""
    q = 1.0
    for param in params:
        name, _, value = param.partition("=")
        name, value = name.strip().lower(), value.strip().strip('"').lower()
        if name == "q":
            try:
                q = float(value)
            except ValueError:
                q = 0.0
        elif name == "charset" and value not in ("utf-8", "utf8"):
            return None
    return q


def negotiate(accept: str | None) -> str:
    """The media type to answer with: the acceptable one with the highest q (the first
    listed on a tie); application/json when nothing listed is supported."""
    if not accept:
        return JSON
    best, best_q = JSON, 0.0
    for entry in accept.split(","):
        media, *params = entry.split(";")
        media = media.strip().lower()
        if media == GRAPHQL_RESPONSE:
            candidate = GRAPHQL_RESPONSE
        elif media in (JSON, "application/*", "*/*"):
            candidate = JSON
        else:
            continue
        q = _quality(params)
        if q is not None and q > best_q:
            best, best_q = candidate, q
    return best


def is_request_error(result: ExecutionResult) -> bool:
    """True when the operation never executed: no data, and no error has a field path."""
    return (
        result.data is None
        and bool(result.errors)
        and all(error.path is None for error in result.errors or ())
    )


def _state(scope: Scope) -> dict[str, Any]:
    state: dict[str, Any] = scope.setdefault("state", {})
    return state


class SpecGraphQL(GraphQL[Context, RootValue]):
    """Strawberry's view with the spec's media types and status codes."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        media = negotiate(headers.get(b"accept", b"").decode("latin-1"))
        state = _state(scope)
        state[MEDIA_KEY] = media
        await super().__call__(scope, receive, self._send_as(media, state, send))

    def _send_as(
        self, media: str, state: dict[str, Any], send: Send
    ) -> Callable[[Message], Awaitable[None]]:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                is_json = any(
                    k.lower() == b"content-type" and v.startswith(JSON.encode()) for k, v in headers
                )
                if is_json:
                    headers = [(k, v) for k, v in headers if k.lower() != b"content-type"]
                    headers.append((b"content-type", f"{media}; charset=utf-8".encode()))
                headers.append((b"vary", b"Accept, Authorization"))
                message = {**message, "headers": headers}
                status = state.pop(STATUS_KEY, None)
                if is_json and status is not None:
                    message["status"] = status
            await send(message)

        return wrapped

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from this origin (graphql_api.ide), not Strawberry's CDN page."""
        return ide_page.page()

    def should_render_graphql_ide(self, request: Any) -> bool:
        """Not for a GET that carries a persisted query's hash (it has no `query`)."""
        params = request.query_params
        return super().should_render_graphql_ide(request) and params.get("extensions") is None

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        state = _state(request.scope)
        if state.get(MEDIA_KEY) == GRAPHQL_RESPONSE and is_request_error(result):
            response.pop("data", None)
            state[STATUS_KEY] = 400
        return response
