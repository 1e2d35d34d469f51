"""Start the next stage of an upload: one job id per stage and upload, re-runnable.

arq refuses an enqueue while a job with that id is queued or running (what we want: no
duplicates) but also while its *result* is kept (an hour by default), which would silently
drop the next stage of a retried upload. A finished job's result is therefore cleared first.
"""

from __future__ import annotations

from typing import Any

from arq.connections import ArqRedis
from arq.constants import result_key_prefix

from jobs.enqueue import get_pool


def stage_job_id(stage: str, target_id: object) -> str:
    return f"{stage}:{target_id}"


async def enqueue_stage(
    ctx: dict[str, Any] | None, stage: str, target_id: object, *args: Any, **kwargs: Any
) -> bool:
    """Enqueue `stage` for `target_id` with job id "<stage>:<id>"; False if one is pending."""
    pool: ArqRedis = (ctx or {}).get("redis") or await get_pool()
    job_id = stage_job_id(stage, target_id)
    await pool.delete(result_key_prefix + job_id)
    job = await pool.enqueue_job(stage, str(target_id), *args, _job_id=job_id, **kwargs)
    return job is not None
