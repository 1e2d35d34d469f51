"""The worker's tasks, one module per pipeline stage.

TASKS is the single registry the worker reads (jobs.worker.functions). max_tries follows the
retry table (retries + 1; the back-off lives in the retry policy, not in the tasks). The
timeout bounds one try; arq also uses the largest timeout to decide when a job whose worker
died is picked up again, so they stay in minutes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from arq.cron import CronJob, cron

from core.config import get_settings


@dataclass(frozen=True)
class Task:
    name: str
    coroutine: Callable[..., Awaitable[Any]]
    max_tries: int
    timeout: int


def _tries(job: str) -> int:
    """Retries in the table plus the first try (jobs.policy applies the back-off)."""
    return len(get_settings().retry_delays(job)) + 1


def _tasks() -> list[Task]:
    from jobs.tasks.captions import captions, regenerate_captions
    from jobs.tasks.clip import clip
    from jobs.tasks.export import export
    from jobs.tasks.transcribe import transcribe

    return [
        Task("transcribe", transcribe, _tries("transcribe"), timeout=20 * 60),
        Task("clip", clip, _tries("clip"), timeout=15 * 60),
        Task("captions", captions, _tries("captions"), timeout=5 * 60),
        Task("export", export, _tries("export"), timeout=10 * 60),
        # Not in the retry table: one try; a failure leaves the clip's old captions.
        Task("regenerate_captions", regenerate_captions, 1, timeout=5 * 60),
    ]


TASKS: list[Task] = _tasks()


def _cron_jobs() -> list[CronJob]:
    from jobs.tasks.cleanup import cleanup_abandoned_uploads

    every = max(1, min(60, get_settings().upload_cleanup_every_minutes))
    return [
        cron(
            cleanup_abandoned_uploads,  # type: ignore[arg-type]
            name="cleanup_abandoned_uploads",
            minute=set(range(0, 60, every)),
            timeout=600,
        )
    ]


# Periodic jobs the worker runs (arq cron_jobs).
CRON_JOBS: list[CronJob] = _cron_jobs()
