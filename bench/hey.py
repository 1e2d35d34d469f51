"""The load generator: `hey` (Debian's package, written in Go), closed loop.

A Go client spends far less CPU per request than a Python one, which matters when it
shares the two cores with the servers it measures. Each cell runs hey twice: a short
warm-up whose figures are dropped, then the measured run with `-o csv` (one line per
request), from which the percentiles are computed here the same way as everywhere else
in the bench (bench.stats). A request counts as an error when its status is not 200.
"""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
from typing import Any

from bench.stats import summary_ms

EXE = "hey"


def available() -> bool:
    return shutil.which(EXE) is not None


def argv(spec: dict[str, Any], seconds: float, output_csv: bool) -> list[str]:
    args = [EXE, "-z", f"{seconds:g}s", "-c", str(spec["concurrency"]), "-m", spec["method"]]
    args += ["-t", str(int(spec.get("timeout", 30)))]
    for name, value in spec.get("headers", {}).items():
        if name.lower() == "content-type":
            args += ["-T", value]
        else:
            args += ["-H", f"{name}: {value}"]
    if spec.get("body"):
        args += ["-d", spec["body"]]
    if output_csv:
        args += ["-o", "csv"]
    return [*args, spec["url"]]


async def _run(args: list[str]) -> str:
    proc = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"hey failed: {err.decode()[-1000:]}")
    return out.decode()


def parse_csv(text: str) -> tuple[list[float], int, float, str | None]:
    """(latencies of 200 answers in s, errors, elapsed s, first error) from hey's csv."""
    done: list[float] = []
    errors = 0
    first_error: str | None = None
    elapsed = 0.0
    for row in csv.DictReader(io.StringIO(text)):
        latency = float(row["response-time"])
        elapsed = max(elapsed, float(row["offset"]) + latency)
        if row["status-code"] == "200":
            done.append(latency)
        else:
            errors += 1
            first_error = first_error or f"HTTP {row['status-code']}"
    return done, errors, elapsed, first_error


async def load(spec: dict[str, Any]) -> dict[str, Any]:
    """The same figures as bench.load (the Python client) for one cell."""
    if spec.get("warmup", 0) > 0:
        await _run(argv(spec, spec["warmup"], output_csv=False))
    done, errors, elapsed, first_error = parse_csv(
        await _run(argv(spec, spec["duration"], output_csv=True))
    )
    seconds = max(elapsed, spec["duration"]) if done else spec["duration"]
    return {
        "concurrency": spec["concurrency"],
        "requests": len(done),
        "errors": errors,
        "unfinished": 0,
        "first_error": first_error,
        "seconds": round(seconds, 3),
        "rps": round(len(done) / seconds, 1) if seconds else 0.0,
        "client": "hey",
        "lower_bound": [],
        **summary_ms(done),
    }
