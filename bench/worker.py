"""The real worker (jobs.worker.ResilientWorker, leases included, with the real settings)
plus the bench's no-op job: `python -m bench.worker`.

BENCH_MAX_JOBS overrides max_jobs for a what-if run; nothing else differs from
jobs.worker.worker_settings().
"""

from __future__ import annotations

import os
import time
from typing import Any

from arq.worker import func

NOOP = "bench_noop"


async def bench_noop(ctx: dict[str, Any], sent_at: float) -> float:
    """Returns when it started (epoch seconds), so the client can compute pick-up latency."""
    return time.time()


def worker_settings() -> dict[str, Any]:
    from jobs.worker import worker_settings as real_settings

    settings = real_settings()
    settings["functions"] = [*settings["functions"], func(bench_noop, name=NOOP)]  # type: ignore[arg-type]
    if os.environ.get("BENCH_MAX_JOBS"):
        settings["max_jobs"] = int(os.environ["BENCH_MAX_JOBS"])
    return settings


def main() -> None:
    from jobs.worker import ResilientWorker

    ResilientWorker(**worker_settings()).run()


if __name__ == "__main__":
    main()
