"""The worker's tasks, one module per pipeline stage."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from arq.cron import CronJob, cron


@dataclass(frozen=True)
class Task:
    name: str
    coroutine: Callable[..., Awaitable[Any]]
    max_tries: int
    timeout: int


TASKS: list[Task] = []


def _cron_jobs() -> list[CronJob]:
    from core.config import get_settings
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
