"""The worker's tasks, one module per pipeline stage.

TASKS is the single registry the worker reads (jobs.worker.functions): one task per Job of
core.pipeline, with the time limit of its table row. How many tries a job gets and what
happens when they run out is the retry policy's business (jobs.policy), read from the same
table; tasks hold no retry logic.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from arq.cron import CronJob, cron

from core.config import get_settings
from core.pipeline import Job, Latency, spec


@dataclass(frozen=True)
class Task:
    """A coroutine the worker runs under a name; `timeout` bounds one try (seconds).

    `tries` and `latency` count only for a task outside core.pipeline's table (an extra task
    loaded with CLIPFORGE_WORKER_EXTRA_TASKS): the table decides them for the pipeline's jobs.
    """

    name: str
    coroutine: Callable[..., Awaitable[Any]]
    timeout: int
    tries: int = 1
    latency: Latency = Latency.LONG


def _tasks() -> list[Task]:
    from jobs.tasks.captions import captions, regenerate_captions
    from jobs.tasks.clip import clip
    from jobs.tasks.correct_transcript import correct_transcript
    from jobs.tasks.cut_clip import cut_clip
    from jobs.tasks.export import export
    from jobs.tasks.imports import import_video
    from jobs.tasks.reclip import reclip
    from jobs.tasks.transcribe import transcribe, transcribe_chunk
    from jobs.tasks.webhooks import deliver_webhook

    coroutines: dict[Job, Callable[..., Awaitable[Any]]] = {
        Job.IMPORT: import_video,
        Job.TRANSCRIBE: transcribe,
        Job.TRANSCRIBE_CHUNK: transcribe_chunk,
        Job.CLIP: clip,
        Job.CAPTIONS: captions,
        Job.EXPORT: export,
        Job.REGENERATE_CAPTIONS: regenerate_captions,
        Job.RECLIP: reclip,
        Job.CUT_CLIP: cut_clip,
        Job.CORRECT_TRANSCRIPT: correct_transcript,
        Job.DELIVER_WEBHOOK: deliver_webhook,
    }
    if set(coroutines) != set(Job):
        raise RuntimeError(f"jobs without a task: {sorted(set(Job) - set(coroutines))}")
    return [
        Task(job, run, spec(job).timeout, latency=spec(job).latency)
        for job, run in coroutines.items()
    ]


TASKS: list[Task] = _tasks()


def _cron_jobs() -> list[CronJob]:
    from jobs.tasks.cleanup import cleanup_abandoned_uploads

    every = max(1, min(60, get_settings().upload_cleanup_every_minutes))
    return [
        cron(
            cleanup_abandoned_uploads,
            name="cleanup_abandoned_uploads",
            minute=set(range(0, 60, every)),
            timeout=600,
        )
    ]


# Periodic jobs the worker runs (arq cron_jobs).
CRON_JOBS: list[CronJob] = _cron_jobs()
