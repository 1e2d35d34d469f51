"""The Prometheus metrics Clipforge exports: the contract between the code and deploy/.

Dashboards and alert rules may use only these names (tests/deploy checks them). The code's
registry must export exactly these, with these types and labels: check it against METRICS.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

MetricType = Literal["counter", "gauge", "histogram"]


class Metric(NamedTuple):
    """One metric as exposed on /metrics (counters already end in _total)."""

    type: MetricType
    labels: frozenset[str]


def _m(kind: MetricType, *labels: str) -> Metric:
    return Metric(kind, frozenset(labels))


METRICS: dict[str, Metric] = {
    "clipforge_http_requests_total": _m("counter", "operation", "status"),
    "clipforge_http_request_duration_seconds": _m("histogram", "operation"),
    "clipforge_ws_connections": _m("gauge"),
    "clipforge_ws_events_sent_total": _m("counter"),
    "clipforge_jobs_total": _m("counter", "job", "outcome"),
    "clipforge_job_duration_seconds": _m("histogram", "job"),
    "clipforge_job_failures_total": _m("counter", "job"),
    "clipforge_queue_depth": _m("gauge", "queue"),
    "clipforge_jobs_in_progress": _m("gauge", "queue"),
    "clipforge_dead_letters": _m("gauge", "queue"),
    "clipforge_credit_minutes_charged_total": _m("counter"),
    "clipforge_credit_minutes_refunded_total": _m("counter"),
    "clipforge_event_publish_errors_total": _m("counter"),
}

HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def exposed_series_names() -> dict[str, str]:
    """Every series name a query may select, mapped to the metric it belongs to."""
    names: dict[str, str] = {}
    for name, metric in METRICS.items():
        if metric.type == "histogram":
            names.update({name + suffix: name for suffix in HISTOGRAM_SUFFIXES})
        else:
            names[name] = name
    return names
