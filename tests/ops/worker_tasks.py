"""Test-only tasks a worker subprocess loads through CLIPFORGE_WORKER_EXTRA_TASKS."""

from __future__ import annotations

import asyncio
from typing import Any

from core.redis import get_redis
from jobs.tasks import Task


async def ops_sleep(ctx: dict[str, Any], key: str, seconds: float) -> str:
    """Marks its start and end in Redis (`<key>:started`, `<key>:done`, counting runs)."""
    redis = get_redis()
    await redis.incr(f"{key}:started")
    await asyncio.sleep(seconds)
    await redis.incr(f"{key}:done")
    return "slept"


TASKS = [Task("ops_sleep", ops_sleep, max_tries=1, timeout=120)]
