"""Every Prometheus metric Clipforge exports, in one registry (names shared with deploy/).

Defined in core so each process updates its own: the api (HTTP, WebSocket, queue gauges on
scrape), the worker (jobs) and the credit ledger (charges, refunds). The api serves the
registry at /metrics; the worker serves it on CLIPFORGE_WORKER_METRICS_PORT.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

# `*_created` series are not part of the metric contract (and Prometheus ignores them).
disable_created_metrics()
REGISTRY = CollectorRegistry(auto_describe=True)

HTTP_REQUESTS = Counter(
    "clipforge_http_requests",
    "HTTP requests by GraphQL operation name (or route) and status (ok, error).",
    ["operation", "status"],
    registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "clipforge_http_request_duration_seconds",
    "HTTP request latency by GraphQL operation name (or route).",
    ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
WS_CONNECTIONS = Gauge(
    "clipforge_ws_connections", "Open GraphQL WebSocket connections.", registry=REGISTRY
)
WS_EVENTS_SENT = Counter(
    "clipforge_ws_events_sent", "Subscription events sent to sockets.", registry=REGISTRY
)
JOBS = Counter(
    "clipforge_jobs",
    "Job runs by outcome: success, retry (transient error, retried), failed (dead-lettered).",
    ["job", "outcome"],
    registry=REGISTRY,
)
JOB_DURATION = Histogram(
    "clipforge_job_duration_seconds",
    "Duration of one job run (any outcome).",
    ["job"],
    buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600),
    registry=REGISTRY,
)
JOB_FAILURES = Counter(
    "clipforge_job_failures",
    "Job runs that raised (retried or dead-lettered).",
    ["job"],
    registry=REGISTRY,
)
QUEUE_DEPTH = Gauge(
    "clipforge_queue_depth",
    "Jobs waiting (or deferred) per job queue.",
    ["queue"],
    registry=REGISTRY,
)
JOBS_IN_PROGRESS = Gauge(
    "clipforge_jobs_in_progress", "Jobs running per job queue.", ["queue"], registry=REGISTRY
)
DEAD_LETTERS = Gauge(
    "clipforge_dead_letters",
    "Dead-lettered jobs waiting for an operator per job queue.",
    ["queue"],
    registry=REGISTRY,
)
CREDIT_MINUTES_CHARGED = Counter(
    "clipforge_credit_minutes_charged", "Credit minutes charged for uploads.", registry=REGISTRY
)
CREDIT_MINUTES_REFUNDED = Counter(
    "clipforge_credit_minutes_refunded", "Credit minutes refunded.", registry=REGISTRY
)
EVENT_PUBLISH_ERRORS = Counter(
    "clipforge_event_publish_errors",
    "Pipeline events that could not be published (Redis unavailable).",
    registry=REGISTRY,
)
