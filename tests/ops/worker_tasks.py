"""Test-only tasks a worker subprocess loads through CLIPFORGE_WORKER_EXTRA_TASKS."""

from __future__ import annotations

import asyncio
from typing import Any

from core.pipeline import Latency
from core.redis import get_redis
from jobs.tasks import Task


async def ops_sleep(ctx: dict[str, Any], key: str, seconds: float) -> str:
    """Marks its start and end in Redis (`<key>:started`, `<key>:done`, counting runs)."""
    redis = get_redis()
    await redis.incr(f"{key}:started")
    await asyncio.sleep(seconds)
    await redis.incr(f"{key}:done")
    return "slept"


TASKS = [Task("ops_sleep", ops_sleep, timeout=120, tries=3)]


async def ops_finish(ctx: dict[str, Any], upload_id: str, seconds: float) -> str:
    """Works `seconds`, then marks the upload READY (Postgres) and publishes COMPLETED."""
    from core.events import StageEvent, publish
    from orm.models import Upload
    from orm.models.enums import UploadStatus

    upload = await Upload.get(id=upload_id)
    await asyncio.sleep(seconds)
    await Upload.filter(id=upload_id).update(status=UploadStatus.READY)
    event = StageEvent(
        upload_id=upload_id, stage="CAPTIONS", status="COMPLETED", progress=1.0, message="done"
    )
    await publish(upload.user_id, event)
    return "finished"


TASKS.append(Task("ops_finish", ops_finish, timeout=120, tries=3))


async def ops_block(ctx: dict[str, Any], key: str, seconds: float) -> str:
    """Busy-loops on the event loop (CPU-bound work done wrong) for `seconds`, counting runs."""
    import time

    redis = get_redis()
    await redis.incr(f"{key}:started")
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        sum(range(1000))  # holds the GIL and the loop, as pure-Python work does
    await redis.incr(f"{key}:done")
    return "blocked"


TASKS.append(Task("ops_block", ops_block, timeout=120, tries=3))


async def ops_quick(ctx: dict[str, Any], key: str, seconds: float) -> str:
    """ops_sleep on the interactive queue (slots long work cannot take)."""
    return await ops_sleep(ctx, key, seconds)


TASKS.append(Task("ops_quick", ops_quick, timeout=120, tries=3, latency=Latency.INTERACTIVE))
