"""Starting jobs: the only module that builds job ids and talks to arq's queue.

Light on purpose (arq and core only): the api starts work through it and never imports media
code. Each job of a subject has one stable id, `<job>:<subject id>` (plus its key
arguments, core.pipeline.JobSpec.key_args), so a second start while the job is queued or
running is a no-op (no duplicates). Each job goes to the arq queue of its latency class.
arq also refuses an id while the *result* of a finished run is kept (an hour by default),
which would silently drop the next stage of a retried upload; a start therefore clears a
finished run's result first.

A queue that cannot be reached raises `QueueUnavailable` (SERVICE_UNAVAILABLE to clients),
whatever the caller.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.constants import in_progress_key_prefix, job_key_prefix, result_key_prefix
from redis.exceptions import RedisError

from core.errors import ServiceUnavailable
from core.pipeline import Job, queue_names, spec
from core.redis import redis_url
from jobs.serialization import deserialize, serialize

_pools: dict[str, ArqRedis] = {}
log = logging.getLogger("clipforge.schedule")


class QueueUnavailable(ServiceUnavailable):
    """The job queue (Redis) could not be reached; what was saved stays saved."""

    DEFAULT = "Work cannot be queued right now; try again shortly."

    def __init__(self, message: str = DEFAULT) -> None:
        super().__init__(message)


async def get_pool(url: str | None = None) -> ArqRedis:
    url = url or redis_url()
    pool = _pools.get(url)
    if pool is None:
        pool = await create_pool(
            RedisSettings.from_dsn(url), job_serializer=serialize, job_deserializer=deserialize
        )
        _pools[url] = pool
    return pool


async def close_pools() -> None:
    pools = list(_pools.values())
    _pools.clear()
    for pool in pools:
        await pool.aclose()


def job_id(job: Job | str, subject_id: object, *key: object) -> str:
    """The stable arq job id of a job for one upload, export or clip (and its key args)."""
    return ":".join(str(part) for part in (Job(job), subject_id, *key))


def subject_of_job_id(ident: str) -> str | None:
    """The subject id inside a job id built by `job_id` (None for other ids)."""
    parts = ident.split(":")
    return parts[1] if len(parts) >= 2 else None


async def start(
    job: Job | str,
    subject_id: object,
    *extra: Any,
    pool: ArqRedis | None = None,
    unavailable: str | None = None,
    **kwargs: Any,
) -> bool:
    """Enqueue `job` for its subject unless that job is queued or running already.

    Returns False when one is. `pool` is the worker's own connection when a job starts the
    next stage; `unavailable` is the message of the QueueUnavailable raised when Redis
    cannot be reached.
    """
    name = Job(job)
    row = spec(name)
    ident = job_id(name, subject_id, *extra[: row.key_args])
    try:
        redis = pool or await get_pool()
        await redis.delete(result_key_prefix + ident)
        queued = await redis.enqueue_job(
            name, str(subject_id), *extra, _job_id=ident, _queue_name=row.queue_name, **kwargs
        )
    except (RedisError, OSError) as exc:
        raise QueueUnavailable(unavailable or QueueUnavailable.DEFAULT) from exc
    return queued is not None


async def start_import(upload_id: uuid.UUID, *, pool: ArqRedis | None = None) -> bool:
    return await start(
        Job.IMPORT,
        upload_id,
        pool=pool,
        unavailable="Imports cannot be queued right now; try again shortly.",
    )


async def start_transcribe(upload_id: uuid.UUID, *, pool: ArqRedis | None = None) -> bool:
    return await start(
        Job.TRANSCRIBE,
        upload_id,
        pool=pool,
        unavailable=(
            "Your upload is saved and paid for, but processing could not start; "
            "complete it again in a moment."
        ),
    )


async def start_transcribe_chunk(
    upload_id: uuid.UUID, index: int, *, pool: ArqRedis | None = None
) -> bool:
    """One chunk of a long transcription (any worker with a long slot takes it)."""
    return await start(Job.TRANSCRIBE_CHUNK, upload_id, index, pool=pool)


async def start_clip(upload_id: uuid.UUID, *, pool: ArqRedis | None = None) -> bool:
    return await start(Job.CLIP, upload_id, pool=pool)


async def start_captions(upload_id: uuid.UUID, *, pool: ArqRedis | None = None) -> bool:
    return await start(Job.CAPTIONS, upload_id, pool=pool)


async def start_export(export_id: uuid.UUID) -> bool:
    """The export job reads everything it renders from the Export row."""
    return await start(
        Job.EXPORT,
        export_id,
        unavailable="Exports cannot be queued right now; try again shortly.",
    )


async def start_regenerate_captions(clip_id: uuid.UUID) -> bool:
    return await start(
        Job.REGENERATE_CAPTIONS,
        clip_id,
        unavailable="Captions cannot be queued right now; try again shortly.",
    )


async def start_reclip(upload_id: uuid.UUID, request: str, options: dict[str, Any]) -> bool:
    """Find clips again on a READY upload with new options (ClipOptions.to_json());
    `request` makes each reclip's job its own."""
    return await start(
        Job.RECLIP,
        upload_id,
        request,
        options,
        unavailable="Clips cannot be found again right now; try again shortly.",
    )


async def start_cut_clip(clip_id: uuid.UUID, cut: dict[str, Any]) -> bool:
    """Cut (or re-cut) one clip the user made or trimmed: `cut` holds upload_id, start, end
    and title. False when that clip is being cut already."""
    return await start(
        Job.CUT_CLIP,
        clip_id,
        cut,
        unavailable="The clip cannot be cut right now; try again shortly.",
    )


async def start_correct_transcript(
    upload_id: uuid.UUID, request: str, spans: list[tuple[float, float]]
) -> bool:
    """Rewrite the transcript's files and the subtitles and captions of the clips overlapping
    the corrected `spans`; `request` makes each correction's job its own."""
    return await start(
        Job.CORRECT_TRANSCRIPT,
        upload_id,
        request,
        [list(span) for span in spans],
        unavailable="The corrected transcript is saved, but its files cannot be rewritten "
        "right now; correct it again shortly.",
    )


async def start_webhook_delivery(
    delivery_id: uuid.UUID,
    attempt: int,
    *,
    defer_seconds: float = 0.0,
    pool: ArqRedis | None = None,
) -> bool:
    """One attempt of a webhook delivery, `defer_seconds` from now. Each attempt is its own
    job (`deliver_webhook:<delivery>:<attempt>`), so a running attempt can queue the next."""
    return await start(
        Job.DELIVER_WEBHOOK,
        delivery_id,
        attempt,
        pool=pool,
        _defer_by=defer_seconds if defer_seconds > 0 else None,
    )


async def start_deliveries(
    delivery_ids: Iterable[uuid.UUID], *, pool: ArqRedis | None = None
) -> None:
    """First attempts of webhook deliveries just recorded (after their transaction committed).

    Never raises for the queue: an event whose job could not start is pending in PostgreSQL,
    and the worker's recovery sweep (jobs.outbox) starts it.
    """
    for delivery_id in delivery_ids:
        try:
            await start_webhook_delivery(delivery_id, 1, pool=pool)
        except QueueUnavailable:
            log.warning("webhook delivery %s not queued; the recovery sweep will", delivery_id)


async def requeue(job: str, args: list[Any], kwargs: dict[str, Any]) -> bool:
    """A dead-lettered job again, with the arguments it failed with."""
    if not args:
        raise ValueError(f"a dead-lettered {job} job has no subject to run on")
    return await start(Job(job), args[0], *args[1:], **kwargs)


# ---------------------------------------------------------------- reading the queue


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


async def queued_ids(redis: Any) -> list[bytes]:
    """Ids of every job in the queues: waiting, deferred or running (arq keeps a running job
    in its queue until it finishes)."""
    ids: list[bytes] = []
    for name in queue_names():
        ids += await redis.zrange(name, 0, -1)
    return ids


async def live_subjects(redis: Any) -> set[str]:
    """Subject ids (uploads, exports, clips) that have a job queued, running or leased."""
    subjects = {subject_of_job_id(i.decode()) for i in await queued_ids(redis)}
    return {s for s in subjects if s}


async def queue_counts(redis: Any, *, batch: int = 500) -> dict[Job, QueueCount]:
    """Queued (waiting or deferred) and in-progress jobs per job, from arq's keys."""
    counts = {job: QueueCount() for job in Job}
    ids = await queued_ids(redis)
    for begin in range(0, len(ids), batch):
        chunk = [i.decode() for i in ids[begin : begin + batch]]
        async with redis.pipeline(transaction=False) as pipe:
            for ident in chunk:
                pipe.get(job_key_prefix + ident)
                pipe.exists(in_progress_key_prefix + ident)
            replies = await pipe.execute()
        for raw, running in zip(replies[::2], replies[1::2], strict=True):
            name = _function_name(raw)
            if name not in counts:
                continue
            count = counts[Job(name)]
            if running:
                count.in_progress += 1
            else:
                count.queued += 1
    return counts
