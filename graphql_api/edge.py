"""The middleware at the edge of the app, around the existing stack.

CORS goes outermost, so a browser gets its preflight answered and can read every answer,
429s and 413s included (only for `cors_origins`; none by default, and never with
credentials: tokens travel in headers, not cookies). The body guard goes innermost, after
the rate limiter has counted the request, so refused bodies still spend the caller's budget.
"""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from core.config import Settings, get_settings
from graphql_api.body_guard import BodyGuard

CORS_HEADERS = [
    "Authorization",
    "Content-Type",
    "If-None-Match",  # storage PUTs (the local backend's URLs are on this origin)
    "X-Request-ID",
    "Apollo-Require-Preflight",
    "apollographql-client-name",
    "apollographql-client-version",
]
CORS_EXPOSED = ["ETag", "Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-Request-ID"]


def _max_body() -> int:
    return get_settings().max_body_bytes  # read per request: a change applies at once


def with_edge(settings: Settings, stack: list[Middleware]) -> list[Middleware]:
    """`stack` with CORS (when origins are configured) before it and the body guard after."""
    outer: list[Middleware] = []
    if settings.cors_origins:
        outer.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST", "PUT", "HEAD"],
                allow_headers=CORS_HEADERS,
                expose_headers=CORS_EXPOSED,
                allow_credentials=False,
                max_age=600,
            )
        )
    return [*outer, *stack, Middleware(BodyGuard, max_bytes=_max_body)]
