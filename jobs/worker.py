"""The arq worker: which tasks it runs and how (JSON payloads, retries only on Retry)."""

from __future__ import annotations

from typing import Any

from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.worker import Function, func

from core.config import get_settings
from core.redis import redis_url
from jobs.serialization import deserialize, serialize
from orm.database import close_db, init_db


async def startup(ctx: dict[str, Any]) -> None:
    await init_db()


async def shutdown(ctx: dict[str, Any]) -> None:
    await close_db()


def functions() -> list[Function]:
    """Every task the worker knows. Stages register here as they are built."""
    from jobs.tasks import TASKS

    return [
        func(t.coroutine, name=t.name, max_tries=t.max_tries, timeout=t.timeout)  # type: ignore[arg-type]
        for t in TASKS
    ]


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
    }


def __getattr__(name: str) -> Any:
    """`arq jobs.worker.WorkerSettings` works too: built from settings when first asked for."""
    if name == "WorkerSettings":
        return type("WorkerSettings", (), worker_settings())
    raise AttributeError(name)
