"""The arq worker: which tasks it runs and how (JSON payloads, retries only on Retry)."""

from __future__ import annotations

import importlib
from typing import Any

from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.worker import Function, func

from core.config import get_settings
from core.redis import redis_url
from jobs.serialization import deserialize, serialize
from jobs.tasks import Task
from orm.database import close_db, init_db

_metrics_started = False


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
        coroutine, name=task.name, max_tries=arq_max_tries(task.name), timeout=arq_timeout(task)
    )


def all_tasks() -> list[Task]:
    """The pipeline's tasks plus those of CLIPFORGE_WORKER_EXTRA_TASKS modules (their TASKS)."""
    from jobs.tasks import TASKS

    tasks = list(TASKS)
    for name in get_settings().worker_extra_tasks.split(","):
        if name.strip():
            tasks += importlib.import_module(name.strip()).TASKS
    return tasks


def functions() -> list[Function]:
    """Every task the worker knows, each inside the retry/dead-letter policy (jobs.policy)."""
    return [function(t) for t in all_tasks()]


def cron_jobs() -> list[CronJob]:
    from jobs.tasks import CRON_JOBS

    return list(CRON_JOBS)


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
