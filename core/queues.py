"""Job names, their dead-letter queues and how to read arq's Redis keys: shared by api and worker.

arq keeps one sorted set (`arq:queue`) of job ids for every function; a job's definition lives
at `arq:job:<id>` and a running job holds `arq:in-progress:<id>`. Per-job counts are read from
there, so the api can report queue health without importing the worker.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from arq.constants import default_queue_name, in_progress_key_prefix, job_key_prefix

JOBS = ("transcribe", "clip", "captions", "export")
"""Pipeline jobs, in pipeline order (the arq function names)."""

DEAD_QUEUES = {
    "transcribe": "transcribe_dead",
    "clip": "clip_dead",
    "captions": "caption_dead",
    "export": "export_dead",
}
"""The retry table's dead-letter queue per job: DeadLetter.queue and the Redis list name."""

JOB_FOR_DEAD_QUEUE = {dead: job for job, dead in DEAD_QUEUES.items()}

ALERT_STATE_PREFIX = "clipforge:alerts:dead:"
"""`<prefix><dead queue>` is set while that queue is above the alert threshold (one alert)."""


async def rearm_alert(redis: Any, queue: str) -> None:
    """Forget that `queue` was alerted: its next crossing of the threshold alerts again."""
    await redis.delete(ALERT_STATE_PREFIX + queue)


def dead_queue(job: str) -> str:
    """The dead-letter queue of a job (unknown jobs get `<job>_dead`)."""
    return DEAD_QUEUES.get(job, f"{job}_dead")


@dataclass
class QueueCount:
    queued: int = 0
    in_progress: int = 0


def _function_name(raw: bytes | None) -> str | None:
    """The function name from a stored arq job (JSON, as jobs.serialization writes it)."""
    if raw is None:
        return None
    try:
        data: Any = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    name = data.get("f") if isinstance(data, dict) else None
    return name if isinstance(name, str) else None


async def queue_counts(redis: Any, *, batch: int = 500) -> dict[str, QueueCount]:
    """Queued (waiting or deferred) and in-progress jobs per job name, from arq's keys."""
    counts = {job: QueueCount() for job in JOBS}
    ids: list[bytes] = await redis.zrange(default_queue_name, 0, -1)
    for start in range(0, len(ids), batch):
        chunk = [i.decode() for i in ids[start : start + batch]]
        async with redis.pipeline(transaction=False) as pipe:
            for job_id in chunk:
                pipe.get(job_key_prefix + job_id)
                pipe.exists(in_progress_key_prefix + job_id)
            replies = await pipe.execute()
        for raw, running in zip(replies[::2], replies[1::2], strict=True):
            name = _function_name(raw)
            if name is None:
                continue
            count = counts.setdefault(name, QueueCount())
            if running:
                count.in_progress += 1
            else:
                count.queued += 1
    return counts
