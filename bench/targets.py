"""The issue's targets, checked against the figures (met / missed / not measured)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass
class Check:
    target: str
    figure: str
    met: bool | None  # None: not measured (feature not available yet, or undetermined)
    why_none: str = "not available yet"

    @property
    def verdict(self) -> str:
        return {True: "met", False: "**missed**", None: self.why_none}[self.met]


def _num(x: Any) -> float:
    return float(x) if isinstance(x, (int, float)) else math.nan


def _cell(api: dict[str, Any], query: str, clients: int) -> dict[str, Any] | None:
    q = api.get("queries", {}).get(query, {})
    cell: dict[str, Any] | None = q.get("cells", {}).get(str(clients))
    return cell


def api_checks(api: dict[str, Any] | None) -> list[Check]:
    """Issue 17's targets, from one run's cells and in-process CPU figures."""
    api = api or {}
    out = []
    for name, clients, limit in (
        ("Me", 64, 200.0),
        ("Uploads", 64, 200.0),
        ("UploadDetail", 16, 200.0),
        ("Me", 16, 50.0),
    ):
        label = f"{name}: p95 < {limit:g} ms at {clients} clients"
        cell = _cell(api, name, clients)
        if not cell:
            out.append(Check(label, "-", None))
            continue
        p95 = _num(cell["graphql"]["p95"])
        lb = ">= " if "p95" in cell["graphql"].get("lower_bound", []) else ""
        out.append(Check(label, f"{lb}{p95:,.1f} ms", p95 < limit))
    cell = _cell(api, "Me", 64)
    label = "Me: req/s >= the bare Strawberry app's (64 clients)"
    if cell and cell.get("strawberry"):
        g, s = _num(cell["graphql"]["rps"]), _num(cell["strawberry"]["rps"])
        out.append(Check(label, f"{g:,.0f} vs {s:,.0f} req/s", g >= s))
    else:
        out.append(Check(label, "-", None))
    for name in ("Me", "Uploads"):
        cell = _cell(api, name, 64)
        label = f"{name}: within 3x of the bare Starlette baseline's req/s (64 clients)"
        if not cell:
            out.append(Check(label, "-", None))
            continue
        g, b = _num(cell["graphql"]["rps"]), _num(cell["baseline"]["rps"])
        factor = b / g if g else math.inf
        out.append(Check(label, f"{factor:.2f}x ({g:,.0f} vs {b:,.0f} req/s)", factor <= 3))
    cpu = api.get("cpu_ms_per_request", {}).get("clipforge", {})
    for name, limit in (("Me", 1.5), ("UploadDetail", 15.0)):
        label = f"{name}: CPU per request < {limit:g} ms (in-process)"
        value = cpu.get(name)
        if value is None:
            out.append(Check(label, "-", None))
        else:
            out.append(Check(label, f"{value:.2f} ms", float(value) < limit))
    return out


def events_checks(ev: dict[str, Any] | None) -> list[Check]:
    if not ev or not ev.get("available"):
        return [Check("events: p99 publish-to-receive < 100 ms at 1,000 sockets", "-", None)]
    p99 = _num(ev["latency_ms"]["p99"])
    label = (
        f"events: p99 publish-to-receive < 100 ms at {ev['sockets']:,} sockets "
        f"({ev['publish_rate']:g} events/s)"
    )
    late = ev["expected"] - ev["delivered"]
    figure = f"{p99:,.1f} ms" + (
        f" ({late:,} of {ev['expected']:,} not delivered 10 s after the step)" if late > 0 else ""
    )
    return [Check(label, figure, p99 < 100 and late <= 0)]


def pipeline_checks(pl: dict[str, Any] | None) -> list[Check]:
    if not pl or not pl.get("available"):
        return [
            Check("pipeline: 10-min talk to READY >= 5x real time", "-", None),
            Check("pipeline: orchestration overhead < 10 %", "-", None),
        ]
    rtf = _num(pl["real_time_factor"])
    over = _num(pl["overhead_pct"])
    return [
        Check("pipeline: 10-min talk to READY >= 5x real time", f"{rtf:.2f}x", rtf >= 5),
        Check("pipeline: orchestration overhead < 10 %", f"{over:.1f} %", over < 10),
    ]


def queue_checks(q: dict[str, Any] | None) -> list[Check]:
    d = (q or {}).get("default")
    if not d:
        return [
            Check("queue: pick-up median < 50 ms", "-", None),
            Check("queue: 1,000 no-op jobs < 3 s", "-", None),
        ]
    med = _num(d["pickup_ms"]["p50"])
    tp = d["throughput"]
    total = _num(tp["total_seconds"])
    ok = tp["completed"] == tp["jobs"] and total < 3
    return [
        Check("queue: pick-up median < 50 ms", f"{med:.1f} ms", med < 50),
        Check(f"queue: {tp['jobs']:,} no-op jobs < 3 s", f"{total:.2f} s", ok),
    ]


SPEAKER_OVER_CENTER = 1.5  # "SPEAKER costs little more than CENTER" (issue 12)


def export_checks(ex: dict[str, Any] | None) -> list[Check]:
    label = f"export: SPEAKER / CENTER cost <= {SPEAKER_OVER_CENTER:g} (1080x1920 from 720p)"
    figures = (ex or {}).get("exports") or {}
    if not ex or not ex.get("available") or "speaker_over_center" not in figures:
        return [Check(label, "-", None)]
    ratio = _num(figures["speaker_over_center"])
    return [Check(label, f"{ratio:.2f}x", ratio <= SPEAKER_OVER_CENTER)]


def all_checks(results: dict[str, Any]) -> list[Check]:
    b = results.get("benchmarks", {})
    return (
        api_checks(b.get("api"))
        + events_checks(b.get("events"))
        + pipeline_checks(b.get("pipeline"))
        + queue_checks(b.get("queue"))
        + export_checks(b.get("export"))
    )
