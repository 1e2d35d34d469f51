"""What happens once a job has no tries left: the dead-letter entry and the user-facing failure.

In order, each step safe to repeat (a crash in between re-runs the whole thing):
1. one transaction: the DeadLetter row (one per arq job id and queue) and the Upload (or, for
   export, the Export) moved to FAILED with a message the creator can read (orm.lifecycle:
   a READY upload or export stays READY, e.g. after a duplicate run failed);
2. the charge of an upload that is FAILED refunded once (orm.ledger.refund_upload is
   exactly-once; not for export);
3. the entry pushed to the Redis list named like the queue (for tools that watch Redis);
4. a FAILED pipeline event to the owner;
5. the dead-letter alert check (jobs.alerts).
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core.events import StageEvent, publish
from core.pipeline import EventStatus, ExportStatus, UploadStatus, spec
from core.redis import get_redis
from jobs import schedule
from jobs.alerts import check_dead_letter_queue
from orm.lifecycle import MoveRefused, move_export, move_upload
from orm.models import DeadLetter, Export, Upload

log = logging.getLogger("clipforge.deadletter")


@dataclass(frozen=True)
class Subject:
    """What a job works on: an upload (transcribe, clip, captions) or an export."""

    upload_id: uuid.UUID | None = None
    export_id: uuid.UUID | None = None


@dataclass(frozen=True)
class FailedJob:
    job: str
    job_id: str | None
    args: list[Any]
    kwargs: dict[str, Any]
    attempts: int
    error: str
    user_message: str
    subject: Subject


def redis_entry(row: DeadLetter, failed: FailedJob) -> str:
    return json.dumps(
        {
            "id": str(row.id),
            "job": failed.job,
            "job_id": failed.job_id,
            "upload_id": str(row.upload_id) if row.upload_id else None,
            "export_id": str(failed.subject.export_id) if failed.subject.export_id else None,
            "attempts": failed.attempts,
            "error": failed.error,
            "args": failed.args,
            "kwargs": failed.kwargs,
            "failed_at": row.failed_at.isoformat(),
        },
        default=str,
    )


def dead_queue(job: str) -> str:
    """The dead-letter queue of a job of the retry table."""
    queue = spec(job).dead_letter_queue
    if queue is None:
        raise ValueError(f"{job} has no dead-letter queue")
    return queue


@dataclass(frozen=True)
class Marked:
    row: DeadLetter
    owner: uuid.UUID | None
    created: bool
    failed: bool  # the upload or export is FAILED now (not READY after a duplicate run)
    deliveries: list[uuid.UUID]  # webhook events recorded with the FAILED status


async def _fail_export(
    export_id: uuid.UUID, message: str, conn: BaseDBAsyncClient, deliveries: list[uuid.UUID]
) -> tuple[uuid.UUID, uuid.UUID, bool] | None:
    """FAILED unless it is READY; returns (owner, upload id, is FAILED), None when gone."""
    export = (
        await Export.filter(id=export_id)
        .select_for_update()
        .using_db(conn)
        .prefetch_related("clip")
        .first()
    )
    if export is None:
        return None
    if export.status != ExportStatus.READY:
        deliveries += await move_export(export, ExportStatus.FAILED, error=message, conn=conn)
    return export.user_id, export.clip.upload_id, export.status == ExportStatus.FAILED


async def _fail_upload(
    upload_id: uuid.UUID, message: str, conn: BaseDBAsyncClient, deliveries: list[uuid.UUID]
) -> tuple[uuid.UUID, bool] | None:
    """FAILED when the lifecycle allows it; returns (owner, is FAILED), None when gone."""
    upload = await Upload.filter(id=upload_id).select_for_update().using_db(conn).first()
    if upload is None:
        return None
    try:
        deliveries += await move_upload(upload, UploadStatus.FAILED, error=message, conn=conn)
    except MoveRefused as exc:
        log.warning("upload not failed: %s", exc)
    return upload.user_id, upload.status == UploadStatus.FAILED


async def _mark_failed(failed: FailedJob) -> Marked:
    """The transaction: the dead letter row and the FAILED status."""
    queue = dead_queue(failed.job)
    upload_id = failed.subject.upload_id
    owner: uuid.UUID | None = None
    is_failed = False
    deliveries: list[uuid.UUID] = []
    async with in_transaction() as conn:
        if failed.subject.export_id is not None:
            found = await _fail_export(
                failed.subject.export_id, failed.user_message, conn, deliveries
            )
            if found is not None:
                owner, upload_id, is_failed = found
        elif upload_id is not None:
            result = await _fail_upload(upload_id, failed.user_message, conn, deliveries)
            if result is None:
                upload_id = None
            else:
                owner, is_failed = result
        existing = None
        if failed.job_id:
            existing = await DeadLetter.filter(job_id=failed.job_id, queue=queue).first()
        if existing is not None:
            # The same arq job id failed again (a stage id like "clip:<upload>" after the
            # upload was retried from an earlier stage): one entry, with the latest failure.
            existing.attempts = failed.attempts
            existing.error = failed.error[:10_000]
            existing.job_args = {"args": failed.args, "kwargs": failed.kwargs}
            await existing.save(update_fields=["attempts", "error", "job_args"])
            return Marked(existing, owner, False, is_failed, deliveries)
        row = await DeadLetter.create(
            queue=queue,
            job_name=failed.job,
            job_id=failed.job_id,
            upload_id=upload_id,
            job_args={"args": failed.args, "kwargs": failed.kwargs},
            attempts=failed.attempts,
            error=failed.error[:10_000],
        )
    return Marked(row, owner, True, is_failed, deliveries)


async def _refund(upload_id: uuid.UUID, reason: str) -> bool:
    from orm.ledger import refund_upload

    return await refund_upload(upload_id, reason)


async def dead_letter(failed: FailedJob) -> DeadLetter:
    """Record a job that will not be retried; see the module docstring for the steps."""
    queue = dead_queue(failed.job)
    marked = await _mark_failed(failed)
    row, owner = marked.row, marked.owner
    await schedule.start_deliveries(marked.deliveries)
    is_upload = failed.subject.export_id is None
    if marked.failed and is_upload and row.upload_id is not None:
        refunded = await _refund(row.upload_id, f"{failed.job} failed: {failed.user_message}")
        log.info("refund after dead letter", extra={"fields": {"refunded": refunded}})
    if marked.created:
        try:
            await get_redis().rpush(queue, redis_entry(row, failed))  # type: ignore[misc]
        except Exception:  # noqa: BLE001 - the database row is the record; Redis is a mirror
            log.warning("could not push dead letter to Redis list %s", queue, exc_info=True)
    if owner is not None and marked.failed:
        await publish(
            owner,
            StageEvent(
                upload_id=str(row.upload_id) if row.upload_id else None,
                stage=spec(failed.job).event_stage,
                status=EventStatus.FAILED,
                progress=0.0,
                message=failed.user_message,
                export_id=str(failed.subject.export_id) if failed.subject.export_id else None,
            ),
        )
    log.error(
        "job dead-lettered",
        extra={
            "fields": {
                "job": failed.job,
                "queue": queue,
                "attempts": failed.attempts,
                "error": failed.error,
                "upload_id": str(row.upload_id) if row.upload_id else None,
            }
        },
    )
    count = await DeadLetter.filter(queue=queue).count()
    latest = f"{failed.job} of upload {row.upload_id} after {failed.attempts} tries: {failed.error}"
    try:
        await check_dead_letter_queue(queue, count, latest[:500])
    except Exception:  # noqa: BLE001 - an alerting problem must not undo the dead letter
        log.warning("dead-letter alert check failed", exc_info=True)
    return row
