"""Operator use cases (admins only): queue health, dead letters, retrying and purging them.

Queue counts come from arq's Redis keys (core.queues); dead letters from their database rows,
which are the record (the Redis lists named like the queues mirror them). Retrying re-enqueues
the job with its original arguments under a new arq job id: the old id may still hold arq's
result, which would make a same-id enqueue a no-op. A retried upload was refunded when it
failed; its reprocessing is not charged again.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from core.config import get_settings
from core.errors import NotFound
from core.queues import DEAD_QUEUES, JOB_FOR_DEAD_QUEUE, queue_counts, rearm_alert
from core.redis import get_redis
from jobs.enqueue import enqueue
from orm.models import DeadLetter, Export, Upload
from orm.models.enums import ExportStatus, JobQueue, UploadStatus
from resolvers.pagination import Page, decode_time_cursor, page_size, time_cursor
from resolvers.viewer import Viewer, require_admin

SYSTEM = Viewer(user_id=uuid.UUID(int=0), is_admin=True)
"""The operator CLI acts as this viewer."""


def job_of(queue: JobQueue) -> str:
    return queue.value.lower()


def queue_of_job(job: str) -> JobQueue | None:
    try:
        return JobQueue(job.upper())
    except ValueError:
        return None


def queue_of_dead_letter(row: DeadLetter) -> JobQueue:
    job = JOB_FOR_DEAD_QUEUE.get(row.queue, row.job_name)
    return queue_of_job(job) or JobQueue.TRANSCRIBE


@dataclass
class QueueStat:
    queue: JobQueue
    queued: int
    in_progress: int
    dead_letters: int


async def collect_queue_stats() -> list[QueueStat]:
    """Per queue: waiting/deferred and running jobs (Redis), dead letters (database)."""
    counts = await queue_counts(get_redis())
    rows = await DeadLetter.annotate(n=Count("id")).group_by("queue").values("queue", "n")
    dead = {str(r["queue"]): int(r["n"]) for r in rows}
    stats = []
    for queue in JobQueue:
        job = job_of(queue)
        count = counts.get(job)
        stats.append(
            QueueStat(
                queue=queue,
                queued=count.queued if count else 0,
                in_progress=count.in_progress if count else 0,
                dead_letters=dead.get(DEAD_QUEUES[job], 0),
            )
        )
    return stats


async def queue_stats(viewer: Viewer | None) -> list[QueueStat]:
    require_admin(viewer)
    return await collect_queue_stats()


async def dead_letters_page(
    viewer: Viewer | None, first: int | None, after: str | None, queue: JobQueue | None = None
) -> Page[DeadLetter]:
    """Newest first."""
    require_admin(viewer)
    limit = page_size(first, default=50)
    query = DeadLetter.all()
    if queue is not None:
        query = query.filter(queue=DEAD_QUEUES[job_of(queue)])
    if after:
        stamp, pk = decode_time_cursor(after)
        query = query.filter(Q(failed_at__lt=stamp) | Q(failed_at=stamp, id__lt=pk))
    rows = await query.order_by("-failed_at", "-id").limit(limit + 1)
    return Page(rows, [time_cursor(r.failed_at, r.id) for r in rows], limit)


async def recent_failures(viewer: Viewer | None, first: int | None) -> list[Upload]:
    """Uploads that failed most recently (including ones whose dead letter was purged)."""
    require_admin(viewer)
    limit = page_size(first, default=20)
    return await Upload.filter(status=UploadStatus.FAILED).order_by("-updated_at").limit(limit)


async def remove_from_redis_list(queue: str, ids: set[str]) -> int:
    """Drop the Redis list items of these dead letters (matched by their JSON `id`)."""
    redis: Any = get_redis()  # redis-py types its async methods as sync-or-async
    removed = 0
    for raw in await redis.lrange(queue, 0, -1):
        try:
            item_id = json.loads(raw).get("id")
        except (ValueError, AttributeError):
            continue
        if item_id in ids:
            removed += await redis.lrem(queue, 0, raw)
    return removed


async def rearm_if_below(queue: str) -> None:
    """Once operators bring a queue back to the threshold, its next crossing alerts again
    (even if several jobs then fail at once and jump straight past it)."""
    if await DeadLetter.filter(queue=queue).count() <= get_settings().dead_letter_alert_threshold:
        await rearm_alert(get_redis(), queue)


def _export_id(args: dict[str, Any]) -> uuid.UUID | None:
    raw = args.get("kwargs", {}).get("export_id") or next(iter(args.get("args", [])), None)
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return None


async def retry_dead_letter(viewer: Viewer | None, dead_letter_id: uuid.UUID) -> DeadLetter:
    """Re-enqueue the job with its arguments, drop the entry, put its upload back in QUEUED."""
    require_admin(viewer)
    async with in_transaction():
        row = await DeadLetter.filter(id=dead_letter_id).select_for_update().first()
        if row is None:
            raise NotFound("dead letter")
        if row.job_name == "export":
            export_id = _export_id(row.job_args)
            if export_id is not None:
                await Export.filter(id=export_id, status=ExportStatus.FAILED).update(
                    status=ExportStatus.QUEUED, error=None
                )
        elif row.upload_id is not None:
            await Upload.filter(id=row.upload_id, status=UploadStatus.FAILED).update(
                status=UploadStatus.QUEUED, error=None
            )
        await row.delete()
        # Last in the transaction: if enqueueing fails, the entry and the statuses stay.
        args = row.job_args
        await enqueue(row.job_name, *args.get("args", []), **args.get("kwargs", {}))
    await remove_from_redis_list(row.queue, {str(row.id)})
    await rearm_if_below(row.queue)
    return row


async def purge_dead_letters(
    viewer: Viewer | None, queue: JobQueue | None = None, before: datetime | None = None
) -> int:
    """Delete dead letters (of one queue, failed before a time) without retrying them."""
    require_admin(viewer)
    query = DeadLetter.all()
    if queue is not None:
        query = query.filter(queue=DEAD_QUEUES[job_of(queue)])
    if before is not None:
        query = query.filter(failed_at__lt=before)
    rows = await query.values_list("id", "queue")
    by_queue: dict[str, set[str]] = {}
    for row_id, row_queue in rows:
        by_queue.setdefault(str(row_queue), set()).add(str(row_id))
    deleted = await DeadLetter.filter(id__in=[r[0] for r in rows]).delete()
    for name, ids in by_queue.items():
        await remove_from_redis_list(name, ids)
        await rearm_if_below(name)
    return int(deleted)
