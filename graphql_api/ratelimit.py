"""Rate limits: a token bucket per user (or per client IP when anonymous) in Redis.

One Lua script reads, refills and spends the bucket atomically, so every api replica shares
the same budget: `rate_limit_per_minute` tokens, refilled continuously. HTTP requests over
the limit get 429 with Retry-After and a RATE_LIMITED GraphQL error; on a WebSocket a new
operation over the limit gets the protocol's error message and the socket stays open.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError, ValidationContext, ValidationRule
from redis.asyncio import Redis
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.extensions import SchemaExtension

from core.redis import get_redis
from graphql_api.auth import request_viewer
from graphql_api.client_ip import scope_client_ip
from resolvers.viewer import Viewer

log = logging.getLogger("clipforge.ratelimit")

CODE = "RATE_LIMITED"
LIMITED_PATHS = ("/graphql", "/auth/")

# KEYS[1] the bucket; ARGV: capacity (tokens per window), window (ms), now (ms), cost (tokens).
# Integer arithmetic only: one token is `window` units and a millisecond refills `capacity`
# units, so the boundary is exact (no float drift between "just not yet" and "now").
# Returns {allowed (0/1), whole tokens left, ms until `cost` tokens are back}.
TOKEN_BUCKET = """
local capacity = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local cost = tonumber(ARGV[4]) * window
local full = capacity * window
local state = redis.call('HMGET', KEYS[1], 'units', 'ts')
local units = tonumber(state[1])
local ts = tonumber(state[2])
if units == nil or ts == nil then
  units = full
  ts = now
end
if now > ts then
  units = math.min(full, units + (now - ts) * capacity)
  ts = now
end
local allowed = 0
local wait = 0
if units >= cost then
  units = units - cost
  allowed = 1
else
  wait = math.ceil((cost - units) / capacity)
end
redis.call('HSET', KEYS[1], 'units', string.format('%d', units), 'ts', string.format('%d', ts))
redis.call('PEXPIRE', KEYS[1], window + 1000)
return {allowed, math.floor(units / window), wait}
"""
WINDOW_MS = 60_000


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # whole seconds until a request would pass (0 when allowed)

    def headers(self) -> list[tuple[bytes, bytes]]:
        found = [
            (b"x-ratelimit-limit", str(self.limit).encode()),
            (b"x-ratelimit-remaining", str(self.remaining).encode()),
        ]
        if not self.allowed:
            found.append((b"retry-after", str(self.retry_after).encode()))
        return found

    def error(self) -> GraphQLError:
        return GraphQLError(
            f"Too many requests: retry in {self.retry_after} s.",
            extensions={"code": CODE, "retryAfter": self.retry_after},
        )


class RateLimiter:
    """Shared by the HTTP middleware and WebSocket operations of one app instance."""

    def __init__(
        self,
        per_minute: int,
        redis: Callable[[], Redis] = get_redis,
        clock: Callable[[], float] = time.time,
        prefix: str = "ratelimit:",
    ) -> None:
        self.per_minute = per_minute  # the app's settings.rate_limit_per_minute; 0: no limit
        self.redis = redis
        self.clock = clock
        self.prefix = prefix
        self._scripts: dict[int, Any] = {}

    def _script(self, client: Redis) -> Any:
        script = self._scripts.get(id(client))
        if script is None:
            script = self._scripts[id(client)] = client.register_script(TOKEN_BUCKET)
        return script

    async def hit(self, identity: str, cost: int = 1) -> Decision:
        """Spend `cost` tokens of the identity's bucket. Fails open if Redis is down."""
        limit = self.per_minute
        if limit <= 0:
            return Decision(True, 0, 0, 0)
        client = self.redis()
        now_ms = int(self.clock() * 1000)
        try:
            allowed, left, wait_ms = await self._script(client)(
                keys=[self.prefix + identity], args=[limit, WINDOW_MS, now_ms, cost]
            )
        except Exception:
            log.warning("rate limiter unavailable; letting the request through", exc_info=True)
            return Decision(True, limit, limit, 0)
        retry = 0 if allowed else max(1, math.ceil(int(wait_ms) / 1000))
        return Decision(bool(allowed), limit, int(left), retry)


def identity(viewer: Viewer | None, client_ip: str) -> str:
    return f"user:{viewer.user_id}" if viewer is not None else f"ip:{client_ip}"


class RateLimitMiddleware:
    """HTTP: spend a token per request to /graphql and /auth/; 429 when the bucket is empty."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(LIMITED_PATHS):
            await self.app(scope, receive, send)
            return
        viewer = await request_viewer(scope)
        decision = await self.limiter.hit(identity(viewer, scope_client_ip(scope)))
        if not decision.allowed:
            await self._refuse(decision, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *decision.headers()]}
            await send(message)

        await self.app(scope, receive, send_with_headers)

    @staticmethod
    async def _refuse(decision: Decision, send: Send) -> None:
        body = json.dumps({"data": None, "errors": [decision.error().formatted]}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *decision.headers(),
        ]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class WebSocketRateLimit(SchemaExtension):
    """WebSocket: each new operation spends a token; over the limit it fails validation with
    RATE_LIMITED, which both protocols report as that operation's error (socket stays open)."""

    async def on_operation(self) -> Any:
        context = self.execution_context.context
        request = getattr(context, "request", None)
        limiter = _limiter_of(request)
        viewer = getattr(context, "viewer", None)
        if isinstance(request, WebSocket) and limiter is not None and viewer is not None:
            decision = await limiter.hit(identity(viewer, ""))
            if not decision.allowed:
                self.execution_context.validation_rules = (
                    *self.execution_context.validation_rules,
                    _refusing_rule(decision.error()),
                )
        yield


def _limiter_of(request: Any) -> RateLimiter | None:
    app = getattr(request, "app", None) if request is not None else None
    limiter = getattr(getattr(app, "state", None), "rate_limiter", None)
    return limiter if isinstance(limiter, RateLimiter) else None


def _refusing_rule(error: GraphQLError) -> type[ValidationRule]:
    class RateLimited(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            context.report_error(error)

    return RateLimited
