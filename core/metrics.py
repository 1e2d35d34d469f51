"""Prometheus metrics shared by the api and the worker (names are a contract with deploy/).

Each metric is defined once per process here, so any module can import and update it
without registering it twice.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge

CREDIT_MINUTES_CHARGED = Counter(
    "clipforge_credit_minutes_charged",
    "Minutes of credit charged for uploads.",
)
CREDIT_MINUTES_REFUNDED = Counter(
    "clipforge_credit_minutes_refunded",
    "Minutes of credit refunded after failed processing.",
)

# Live progress: the event bus and the WebSocket subscriptions.
EVENT_PUBLISH_ERRORS = Counter(
    "clipforge_event_publish_errors",
    "Pipeline events that could not be published (Redis unavailable, invalid event).",
)
WS_CONNECTIONS = Gauge("clipforge_ws_connections", "Open GraphQL WebSockets.")
WS_EVENTS_SENT = Counter(
    "clipforge_ws_events_sent", "Pipeline events sent to WebSocket subscribers."
)
