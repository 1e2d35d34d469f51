"""Operator use cases (admins only): queue health, dead letters, retrying and purging them.

Queue counts come from arq's Redis keys (jobs.schedule); dead letters from their database
rows, which are the record (the Redis lists named like the queues mirror them). Retrying
starts the job again with its original arguments (jobs.schedule.requeue) and puts its upload
or export back in the status of that job, so the reconciler and the stage agree on where it
stands. A retried upload was refunded when it failed; its reprocessing is not charged again.
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
from core.pipeline import (
    ExportStatus,
    Job,
    JobQueue,
    Subject,
    UploadStatus,
    dead_letter_queues,
    spec,
)
from core.redis import get_redis
from jobs import schedule
from jobs.alerts import rearm_alert
from orm.lifecycle import move_export, move_upload
from orm.models import DeadLetter, Export, Upload
from resolvers.pagination import Page, decode_time_cursor, page_size, time_cursor
from resolvers.viewer import Viewer, require_admin

SYSTEM = Viewer(user_id=uuid.UUID(int=0), is_admin=True)
"""The operator CLI acts as this viewer."""


def queue_of_dead_letter(row: DeadLetter) -> JobQueue:
    job = dead_letter_queues().get(row.queue)
    queue = spec(job).queue if job else None
    return queue or JobQueue.TRANSCRIBE


@dataclass
class QueueStat:
    queue: JobQueue
    queued: int
    in_progress: int
    dead_letters: int


async def collect_queue_stats() -> list[QueueStat]:
    """Per queue: waiting/deferred and running jobs (Redis), dead letters (database)."""
    counts = await schedule.queue_counts(get_redis())
    rows = await DeadLetter.annotate(n=Count("id")).group_by("queue").values("queue", "n")
    dead = {str(r["queue"]): int(r["n"]) for r in rows}
    return [
        QueueStat(
            queue=queue,
            queued=counts[queue.job].queued,
            in_progress=counts[queue.job].in_progress,
            dead_letters=dead.get(queue.dead_letter_queue, 0),
        )
        for queue in JobQueue
    ]


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
        query = query.filter(queue=queue.dead_letter_queue)
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


def _subject_id(args: dict[str, Any], kind: Subject) -> uuid.UUID | None:
    raw = args.get("kwargs", {}).get(f"{kind}_id") or next(iter(args.get("args", [])), None)
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return None


async def _back_to_work(row: DeadLetter) -> None:
    """A FAILED upload or export back in the status of the job about to run again."""
    job = spec(row.job_name)
    if job.subject == Subject.EXPORT:
        export_id = _subject_id(row.job_args, Subject.EXPORT)
        exists = export_id and await Export.exists(id=export_id, status=ExportStatus.FAILED)
        if export_id is not None and exists:
            await move_export(export_id, ExportStatus.QUEUED)
    elif row.upload_id is not None and isinstance(job.status, UploadStatus):
        failed = await Upload.exists(id=row.upload_id, status=UploadStatus.FAILED)
        if failed:  # an upload waiting for its transcription is QUEUED, as after completion
            first = job.job == Job.TRANSCRIBE
            await move_upload(row.upload_id, UploadStatus.QUEUED if first else job.status)


async def retry_dead_letter(viewer: Viewer | None, dead_letter_id: uuid.UUID) -> DeadLetter:
    """Start the job again with its arguments, drop the entry, its subject back to work."""
    require_admin(viewer)
    async with in_transaction():
        row = await DeadLetter.filter(id=dead_letter_id).select_for_update().first()
        if row is None:
            raise NotFound("dead letter")
        await _back_to_work(row)
        await row.delete()
        # Last in the transaction: if enqueueing fails, the entry and the statuses stay.
        args = row.job_args
        await schedule.requeue(row.job_name, args.get("args", []), args.get("kwargs", {}))
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
        query = query.filter(queue=queue.dead_letter_queue)
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
