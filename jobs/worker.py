"""The arq worker: which tasks it runs and how (JSON payloads, retries only on Retry)."""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import logging
from typing import Any

from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.worker import Function, Worker, func
from redis.exceptions import RedisError

from core.config import check_for_start, get_settings
from core.redis import redis_url
from jobs.serialization import deserialize, serialize
from jobs.tasks import Task
from orm.database import close_db, init_db

_metrics_started = False
log = logging.getLogger("clipforge.worker")
REDIS_DOWN_PAUSE_SECONDS = 1.0
# Connection errors, timeouts, and WatchError (redis-py's report of a connection lost during
# WATCH); arq itself handles the WatchError of a job taken by another worker.
REDIS_DOWN = (RedisError, OSError)


async def startup(ctx: dict[str, Any]) -> None:
    await init_db()
    start_metrics_server()


def start_metrics_server() -> None:
    """Job metrics for Prometheus on CLIPFORGE_WORKER_METRICS_PORT (0: off), once per process."""
    global _metrics_started
    port = get_settings().worker_metrics_port
    if port and not _metrics_started:
        from prometheus_client import start_http_server

        from core.metrics import REGISTRY

        start_http_server(port, registry=REGISTRY)
        _metrics_started = True


async def shutdown(ctx: dict[str, Any]) -> None:
    await close_db()


def function(task: Task) -> Function:
    """The arq function for a task: the policy around it, tries from the retry table."""
    from jobs.policy import arq_max_tries, arq_timeout, wrap

    coroutine: Any = wrap(task)  # arq's WorkerCoroutine protocol is narrower than it checks
    return func(
        coroutine, name=task.name, max_tries=arq_max_tries(task), timeout=arq_timeout(task)
    )


def all_tasks() -> list[Task]:
    """The pipeline's tasks plus those of CLIPFORGE_WORKER_EXTRA_TASKS modules (their TASKS)."""
    from jobs.tasks import TASKS

    tasks = list(TASKS)
    for name in get_settings().worker_extra_tasks:
        tasks += importlib.import_module(name).TASKS
    return tasks


def functions() -> list[Function]:
    """Every task the worker knows, each inside the retry/dead-letter policy (jobs.policy)."""
    return [function(t) for t in all_tasks()]


def cron_jobs() -> list[CronJob]:
    """Periodic jobs; CLIPFORGE_JOB_TIMEOUTS applies to them too (by name), because arq
    waits for the largest timeout of all before it re-runs a job whose worker died."""
    from jobs.tasks import CRON_JOBS

    overrides = get_settings().job_timeouts
    return [
        dataclasses.replace(job, timeout_s=overrides[job.name]) if job.name in overrides else job
        for job in CRON_JOBS
    ]


def worker_settings() -> dict[str, Any]:
    settings = get_settings()
    return {
        "functions": functions(),
        "cron_jobs": cron_jobs(),
        "redis_settings": RedisSettings.from_dsn(redis_url()),
        "job_serializer": serialize,
        "job_deserializer": deserialize,
        "on_startup": startup,
        "on_shutdown": shutdown,
        "poll_delay": settings.worker_poll_delay,
        "max_jobs": settings.worker_max_jobs,
        "handle_signals": True,
        # SIGTERM: stop taking jobs, let running ones finish this long, then cancel them;
        # arq leaves a cancelled job in its queue, so another worker runs it again.
        "job_completion_wait": settings.worker_shutdown_grace_seconds,
    }


def __getattr__(name: str) -> Any:
    """`arq jobs.worker.WorkerSettings` works too: built from settings when first asked for."""
    if name == "WorkerSettings":
        return type("WorkerSettings", (), worker_settings())
    raise AttributeError(name)


class ResilientWorker(Worker):
    """An arq worker that rides out a Redis restart instead of exiting.

    arq's poll loop ends the process on the first Redis error; this one logs, waits and
    polls again, so running jobs carry on. A job whose completion could not be recorded
    while Redis was away stays queued and runs again (jobs are idempotent).
    """

    async def start_jobs(self, job_ids: list[bytes]) -> None:
        for job_id in job_ids:
            try:
                await super().start_jobs([job_id])
            except REDIS_DOWN:
                # arq had taken a slot for the job before Redis failed: give it back.
                self.job_counter -= 1
                self.sem.release()
                raise

    async def _poll_iteration(self) -> None:
        try:
            await super()._poll_iteration()
        except REDIS_DOWN as exc:
            log.warning("Redis unavailable, the worker waits for it: %s", exc)
            await asyncio.sleep(REDIS_DOWN_PAUSE_SECONDS)


def run_worker() -> None:
    """`clipforge worker`: run until SIGTERM/SIGINT (see worker_settings for the grace time).

    Refuses unsafe production settings (core.config.check_for_start) before it starts."""
    check_for_start(get_settings())
    ResilientWorker(**worker_settings()).run()
