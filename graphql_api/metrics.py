"""The api's metrics: per-operation request count and latency, /metrics, and 503 on outages.

For the WebSocket code ("events"): import and update these two, nothing else is needed:

    from graphql_api.metrics import WS_CONNECTIONS, WS_EVENTS_SENT  # or from core.metrics
    WS_CONNECTIONS.inc()   # a GraphQL WebSocket connection opened (.dec() when it closes)
    WS_EVENTS_SENT.inc()   # one subscription event sent to a socket

Every metric is defined once in core.metrics (the worker and the ledger update theirs there).
HTTP requests are labelled with their GraphQL operation name (sanitised, bounded in number),
or the first path segment for other routes; status is "ok" or "error" (an HTTP status of
400 or more, or a GraphQL result with errors). Queue gauges are refreshed on each scrape.
Each request also writes one access log line (logger clipforge.access) with its request id.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from core.metrics import (
    DEAD_LETTERS,
    HTTP_LATENCY,
    HTTP_REQUESTS,
    JOBS_IN_PROGRESS,
    QUEUE_DEPTH,
    REGISTRY,
    WS_CONNECTIONS,
    WS_EVENTS_SENT,
)
from graphql_api import unavailable

__all__ = [
    "WS_CONNECTIONS",
    "WS_EVENTS_SENT",
    "MetricsExtension",
    "MetricsMiddleware",
    "metrics_endpoint",
]

log = logging.getLogger("clipforge.metrics")
access_log = logging.getLogger("clipforge.access")

OPERATION_KEY = "clipforge.operation"
ERRORS_KEY = "clipforge.graphql_errors"
MAX_OPERATION_NAMES = 200
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_seen_names: set[str] = set()


def operation_label(name: str | None) -> str:
    """Client-chosen names are bounded: odd or too many distinct names become "other"."""
    if not name:
        return "anonymous"
    if not _NAME.match(name):
        return "other"
    if name not in _seen_names:
        if len(_seen_names) >= MAX_OPERATION_NAMES:
            return "other"
        _seen_names.add(name)
    return name


class MetricsExtension(SchemaExtension):
    """Tells the middleware which operation ran over HTTP and whether it returned errors."""

    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context.context
        request = getattr(context, "request", None)
        scope = getattr(request, "scope", None)
        if not isinstance(scope, dict) or scope.get("type") != "http":
            return
        scope[OPERATION_KEY] = operation_label(self.execution_context.operation_name)
        result = self.execution_context.result
        scope[ERRORS_KEY] = bool(result is not None and getattr(result, "errors", None))


def route_label(scope: Scope, status: int) -> str:
    if status == 404:
        return "not_found"
    first = scope.get("path", "/").strip("/").split("/", 1)[0]
    return f"/{first}"


async def _unavailable_response(send: Send) -> None:
    body = json.dumps(
        {"errors": [{"message": unavailable.MESSAGE, "extensions": {"code": unavailable.CODE}}]}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", b"5"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class MetricsMiddleware:
    """Counts and times HTTP requests; a backing-service outage escaping a route becomes 503."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        started = False

        async def record_status(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                status = int(message["status"])
                started = True
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        except Exception as exc:
            if started or not unavailable.is_unavailable(exc):
                raise
            log.warning("backing service unavailable: %s", exc)
            status = 503
            await _unavailable_response(send)
        finally:
            elapsed = time.perf_counter() - start
            operation = scope.get(OPERATION_KEY) or route_label(scope, status)
            failed = status >= 400 or bool(scope.get(ERRORS_KEY))
            HTTP_REQUESTS.labels(operation, "error" if failed else "ok").inc()
            HTTP_LATENCY.labels(operation).observe(elapsed)
            access_log.info(
                "%s %s %s",
                scope.get("method"),
                scope.get("path"),
                status,
                extra={
                    "fields": {
                        "status": status,
                        "operation": operation,
                        "graphql_errors": bool(scope.get(ERRORS_KEY)),
                        "duration_ms": round(elapsed * 1000, 2),
                    }
                },
            )


async def refresh_queue_gauges() -> None:
    """Queue depth, in-progress and dead letters per queue, from Redis and the database."""
    from resolvers.admin import collect_queue_stats

    for stat in await collect_queue_stats():
        queue = stat.queue.value.lower()
        QUEUE_DEPTH.labels(queue).set(stat.queued)
        JOBS_IN_PROGRESS.labels(queue).set(stat.in_progress)
        DEAD_LETTERS.labels(queue).set(stat.dead_letters)


async def metrics_endpoint(request: Request) -> Response:
    """Prometheus text format. A scrape during an outage still answers (gauges keep their
    last values) rather than failing."""
    try:
        await asyncio.wait_for(refresh_queue_gauges(), timeout=3.0)
    except Exception as exc:  # noqa: BLE001 - serve what we have
        log.warning("queue gauges not refreshed: %s", exc)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


def metric_names() -> dict[str, Any]:
    """Exposed metric families and their types (for the contract test)."""
    return {m.name: m.type for m in REGISTRY.collect()}
