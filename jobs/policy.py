"""The retry and dead-letter policy wrapped around every task (tasks hold no retry logic).

arq retries only on `arq.Retry`, so the policy maps errors to the retry table:
- PermanentError (invalid media and the like): dead-lettered at once, no tries burned;
- anything else (TransientError, storage and network errors, timeouts, a database or Redis
  restart, and unexpected errors): `Retry(defer=<the table's back-off for this try>)` while
  tries remain, then dead-lettered (jobs.deadletter).

Jobs without a dead-letter queue in core.pipeline (and test tasks outside the table) get one
try and no dead letter: arq's max_tries is 1 for them, so a lost worker does not re-run them.

For the others arq's max_tries is the table's tries plus BOOKKEEPING_TRIES: a run beyond the
table's tries never calls the task again. It finishes the dead-letter bookkeeping of a job
whose last try was lost (worker killed, in-progress key expired) or whose bookkeeping failed
(database down), so no job can end in arq's "max retries exceeded" with its upload stuck
mid-pipeline.

Each run counts into the job metrics and carries its arq job id in every log line.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

from arq.worker import Retry

from core.config import get_settings
from core.events import StageEvent, publish
from core.logs import job_id as job_id_var
from core.metrics import JOB_DURATION, JOB_FAILURES, JOBS
from core.pipeline import EventStatus, Job, JobSpec, find_spec
from core.pipeline import Subject as SubjectKind
from core.redis import get_redis
from jobs.deadletter import FailedJob, Subject, dead_letter
from jobs.errors import PermanentError, StageError
from jobs.tasks import Task
from orm.models import Export, Upload

log = logging.getLogger("clipforge.jobs")

BOOKKEEPING_TRIES = 3
BOOKKEEPING_DEFER_SECONDS = 15
LAST_ERROR_PREFIX = "clipforge:job-last-error:"
DEFAULT_USER_MESSAGE = (
    "We could not process this video because of a problem on our side. "
    "Your minutes were refunded; please try again later."
)
DEFAULT_EXPORT_MESSAGE = (
    "We could not render this export because of a problem on our side; please try again later."
)
LOST_ERROR = "the worker running the job's last try was lost (killed or timed out)"

TaskCoroutine = Callable[..., Awaitable[Any]]


def dead_lettered(job: str) -> JobSpec | None:
    """The table row of a job that is retried and dead-lettered (None: one try only)."""
    row = find_spec(job)
    return row if row is not None and row.queue is not None else None


def retry_delays(job: str) -> tuple[int, ...]:
    """The table's back-off per retry (seconds); a job without a dead-letter queue gets none."""
    return get_settings().retries(job) if dead_lettered(job) else ()


def tries(job: str) -> int:
    return len(retry_delays(job)) + 1


def arq_max_tries(task: Task) -> int:
    """arq's limit: the table's tries plus the bookkeeping runs; a job of the table without
    a dead-letter queue gets one try, a task outside the table its own `tries`."""
    if dead_lettered(task.name):
        return tries(task.name) + BOOKKEEPING_TRIES
    return 1 if find_spec(task.name) else task.tries


def job_timeout(task: Task) -> int:
    """The task's own time limit (CLIPFORGE_JOB_TIMEOUTS may override it per job)."""
    return get_settings().job_timeouts.get(task.name, task.timeout)


def arq_timeout(task: Task) -> int:
    """arq's limit is a bit longer: the policy's own timeout fires first and is retried.

    arq also keeps a running job's in-progress key for the largest of these plus 10 s: a job
    whose worker died is picked up again after that, so the timeouts stay in minutes.
    """
    timeout = job_timeout(task)
    return timeout + max(5, min(60, timeout // 10))


def subject_of(job: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Subject:
    """The upload (or export) id: the `upload_id`/`export_id` kwarg or the first argument."""
    row = dead_lettered(job)
    kind = row.subject if row else SubjectKind.UPLOAD
    raw = kwargs.get(f"{kind}_id", args[0] if args else None)
    try:
        value = uuid.UUID(str(raw))
    except ValueError:
        return Subject()
    return Subject(export_id=value) if kind == SubjectKind.EXPORT else Subject(upload_id=value)


async def owner_of(subject: Subject) -> uuid.UUID | None:
    if subject.export_id is not None:
        export = await Export.filter(id=subject.export_id).only("id", "user_id").first()
        return export.user_id if export else None
    if subject.upload_id is not None:
        upload = await Upload.filter(id=subject.upload_id).only("id", "user_id").first()
        return upload.user_id if upload else None
    return None


def describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def default_message(job: str) -> str:
    return DEFAULT_EXPORT_MESSAGE if job == Job.EXPORT else DEFAULT_USER_MESSAGE


def user_message(exc: BaseException, job: str) -> str:
    if isinstance(exc, StageError):
        return exc.user_message
    return default_message(job)


async def publish_retrying(job: str, subject: Subject, job_try: int, delay: int) -> None:
    try:
        owner = await owner_of(subject)
    except Exception:  # noqa: BLE001 - the event is informative; the retry matters
        log.warning("could not find the owner for a RETRYING event", exc_info=True)
        return
    if owner is None:
        return
    at = datetime.now(UTC) + timedelta(seconds=delay)
    row = dead_lettered(job)
    if row is None:
        return
    await publish(
        owner,
        StageEvent(
            upload_id=str(subject.upload_id) if subject.upload_id else None,
            stage=row.event_stage,
            status=EventStatus.RETRYING,
            message=(
                f"Hit a temporary problem; trying again at {at.isoformat(timespec='seconds')} "
                f"(try {job_try + 1} of {tries(job)})."
            ),
            export_id=str(subject.export_id) if subject.export_id else None,
            next_attempt_at=at.isoformat(),
        ),
    )


async def remember_error(job_id: str | None, error: str, message: str) -> None:
    """Kept for the bookkeeping runs, should recording the dead letter fail now."""
    if not job_id:
        return
    try:
        payload = json.dumps({"error": error, "user_message": message})
        await get_redis().set(LAST_ERROR_PREFIX + job_id, payload, ex=2 * 24 * 3600)
    except Exception:  # noqa: BLE001 - best effort
        log.warning("could not remember the job's error", exc_info=True)


async def recall_error(job: str, job_id: str | None) -> tuple[str, str]:
    if job_id:
        raw = await get_redis().get(LAST_ERROR_PREFIX + job_id)
        if raw:
            data = json.loads(raw)
            return str(data["error"]), str(data["user_message"])
    return LOST_ERROR, default_message(job)


class JobDeadLettered(Exception):
    """Raised to arq after the dead-letter bookkeeping, so arq records the job as failed."""


async def give_up(
    task: Task,
    ctx: dict[str, Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    error: str,
    message: str,
) -> NoReturn:
    """Dead-letter the job; if that fails, retry the bookkeeping (not the task) shortly."""
    job_id: str | None = ctx.get("job_id")
    await remember_error(job_id, error, message)
    failed = FailedJob(
        job=task.name,
        job_id=job_id,
        args=list(args),
        kwargs=dict(kwargs),
        attempts=min(int(ctx.get("job_try", 1)), tries(task.name)),
        error=error,
        user_message=message,
        subject=subject_of(task.name, args, kwargs),
    )
    try:
        await dead_letter(failed)
    except Exception as exc:
        log.error("dead-letter bookkeeping failed; will retry it", exc_info=True)
        raise Retry(defer=BOOKKEEPING_DEFER_SECONDS) from exc
    JOBS.labels(task.name, "failed").inc()
    raise JobDeadLettered(f"{task.name} dead-lettered: {error}")


async def run_untabled(task: Task, ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
    """A job outside the retry table (e.g. regenerating captions of a READY upload): one try,
    and a failure touches neither the upload nor the credits; it is logged and counted."""
    job = task.name
    start = time.perf_counter()
    try:
        async with asyncio.timeout(job_timeout(task)):
            result = await task.coroutine(ctx, *args, **kwargs)
    except Exception as exc:
        JOB_DURATION.labels(job).observe(time.perf_counter() - start)
        JOB_FAILURES.labels(job).inc()
        JOBS.labels(job, "failed").inc()
        log.warning("job failed", extra={"fields": {"job": job, "error": describe(exc)}})
        raise
    JOB_DURATION.labels(job).observe(time.perf_counter() - start)
    JOBS.labels(job, "success").inc()
    return result


async def run_policy(task: Task, ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
    job = task.name
    if dead_lettered(job) is None:
        return await run_untabled(task, ctx, *args, **kwargs)
    job_try = int(ctx.get("job_try", 1))
    delays = retry_delays(job)
    if job_try > len(delays) + 1:
        error, message = await recall_error(job, ctx.get("job_id"))
        log.error("job has no tries left; dead-lettering", extra={"fields": {"try": job_try}})
        await give_up(task, ctx, args, kwargs, error, message)
    start = time.perf_counter()
    log.info("job started", extra={"fields": {"job": job, "try": job_try}})
    try:
        async with asyncio.timeout(job_timeout(task)):
            result = await task.coroutine(ctx, *args, **kwargs)
    except Exception as exc:
        JOB_DURATION.labels(job).observe(time.perf_counter() - start)
        JOB_FAILURES.labels(job).inc()
        error = describe(exc)
        if isinstance(exc, PermanentError):
            log.warning("job failed permanently", extra={"fields": {"job": job, "error": error}})
            await give_up(task, ctx, args, kwargs, error, user_message(exc, job))
        if job_try > len(delays):
            log.error("job failed on its last try", extra={"fields": {"job": job, "error": error}})
            await give_up(task, ctx, args, kwargs, error, user_message(exc, job))
        delay = delays[job_try - 1]
        expected = isinstance(exc, StageError)
        log.warning(
            "job failed; retrying in %ss",
            delay,
            exc_info=None if expected else exc,
            extra={"fields": {"job": job, "try": job_try, "error": error}},
        )
        JOBS.labels(job, "retry").inc()
        await publish_retrying(job, subject_of(job, args, kwargs), job_try, delay)
        raise Retry(defer=delay) from exc
    JOB_DURATION.labels(job).observe(time.perf_counter() - start)
    JOBS.labels(job, "success").inc()
    log.info("job finished", extra={"fields": {"job": job, "try": job_try}})
    return result


def wrap(task: Task) -> TaskCoroutine:
    """The coroutine arq runs for `task`: the policy around it, with the job id in the logs."""

    async def run(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        token = job_id_var.set(ctx.get("job_id"))
        try:
            return await run_policy(task, ctx, *args, **kwargs)
        finally:
            job_id_var.reset(token)

    run.__qualname__ = run.__name__ = task.name
    return run
