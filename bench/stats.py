"""Percentiles and summaries, shared by every benchmark (and the load clients)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); NaN for no data."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return float(ordered[min(rank, len(ordered)) - 1])


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/mean/max in milliseconds, rounded for the report."""
    if not seconds:
        return {
            "p50": math.nan,
            "p95": math.nan,
            "p99": math.nan,
            "mean": math.nan,
            "max": math.nan,
        }
    ms = [s * 1000 for s in seconds]
    return {
        "p50": round(percentile(ms, 50), 2),
        "p95": round(percentile(ms, 95), 2),
        "p99": round(percentile(ms, 99), 2),
        "mean": round(sum(ms) / len(ms), 2),
        "max": round(max(ms), 2),
    }


def ratio(a: float, b: float) -> float:
    if not b or math.isnan(a) or math.isnan(b):
        return math.nan
    return round(a / b, 2)


def censored_summary_ms(done: Sequence[float], unfinished: Sequence[float]) -> dict[str, Any]:
    """Like summary_ms over finished + unfinished requests, where an unfinished request's
    elapsed time is only a lower bound: a percentile that lands on one is flagged in
    `lower_bound` (the report prints it as ">= x")."""
    values = sorted([(d, False) for d in done] + [(u, True) for u in unfinished])
    out: dict[str, Any] = summary_ms([v for v, _ in values])
    flagged = []
    for name, p in (("p50", 50), ("p95", 95), ("p99", 99)):
        if values:
            rank = max(1, math.ceil(p / 100 * len(values)))
            if values[min(rank, len(values)) - 1][1]:
                flagged.append(name)
    if values and values[-1][1]:
        flagged.append("max")
    out["lower_bound"] = flagged
    return out
