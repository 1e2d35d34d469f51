"""Prometheus metrics shared by the api and the worker (names are a contract with deploy/).

Each metric is defined once per process here, so any module can import and update it
without registering it twice.
"""

from __future__ import annotations

from prometheus_client import Counter

CREDIT_MINUTES_CHARGED = Counter(
    "clipforge_credit_minutes_charged",
    "Minutes of credit charged for uploads.",
)
CREDIT_MINUTES_REFUNDED = Counter(
    "clipforge_credit_minutes_refunded",
    "Minutes of credit refunded after failed processing.",
)
