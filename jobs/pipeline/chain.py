"""Start a stage as an arq job with a stable job id, re-runnable after an earlier run.

arq refuses an enqueue while a job with that id is queued or running (what we want: no
duplicates) but also while its *result* is kept (an hour by default), which would silently
drop the next stage of a retried upload or a second regenerateCaptions. A finished job's
result is therefore cleared first. Light on purpose: the api uses it too (arq only).
"""

from __future__ import annotations

from typing import Any

from arq.connections import ArqRedis
from arq.constants import result_key_prefix

from jobs.enqueue import get_pool


def stage_job_id(stage: str, target_id: object) -> str:
    return f"{stage}:{target_id}"


async def enqueue_fresh(
    ctx: dict[str, Any] | None, name: str, *args: Any, job_id: str, **kwargs: Any
) -> bool:
    """Enqueue `name` unless a job with `job_id` is queued or running; False if one is."""
    pool: ArqRedis = (ctx or {}).get("redis") or await get_pool()
    await pool.delete(result_key_prefix + job_id)
    job = await pool.enqueue_job(name, *args, _job_id=job_id, **kwargs)
    return job is not None


async def enqueue_stage(ctx: dict[str, Any] | None, stage: str, upload_id: object) -> bool:
    """The upload's next stage, job id "<stage>:<upload id>"."""
    return await enqueue_fresh(ctx, stage, str(upload_id), job_id=stage_job_id(stage, upload_id))
