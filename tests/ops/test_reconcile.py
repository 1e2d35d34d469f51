"""Reconciliation: rows in a working state whose job Redis lost get it back, once."""

from __future__ import annotations

from typing import Any

import pytest
from arq.constants import job_key_prefix

from core.pipeline import ExportStatus, Latency, UploadStatus
from jobs import reconcile
from jobs.reconcile import Expectation, Expected, reconcile_once
from jobs.schedule import get_pool, start
from orm.models import Export
from orm.models.enums import AspectRatio
from tests.ops.helpers import charged_upload, make_clip

pytestmark = pytest.mark.usefixtures("db")


async def queued_in(redis: Any, queue: str, job_id: str) -> bool:
    return await redis.zscore(queue, job_id) is not None and bool(
        await redis.exists(job_key_prefix + job_id)
    )


async def test_lost_jobs_are_started_again_and_live_ones_left_alone(redis: Any) -> None:
    user, transcribing = await charged_upload(status=UploadStatus.TRANSCRIBING)
    _, clipping = await charged_upload(status=UploadStatus.CLIPPING)
    _, live = await charged_upload(status=UploadStatus.CAPTIONING)
    _, ready = await charged_upload(status=UploadStatus.READY)
    export = await Export.create(
        user_id=ready.user_id,
        clip=await make_clip(ready),
        aspect_ratio=AspectRatio.VERTICAL_9_16,
        status=ExportStatus.RENDERING,
    )
    pool = await get_pool()
    assert await start("captions", live.id)
    await redis.delete(job_key_prefix + f"captions:{live.id}")  # still queued: it counts

    mine = {str(u.id) for u in (transcribing, clipping, live, ready)} | {str(export.id)}
    restarted = await reconcile_once(pool)  # (other tests' rows may be restarted too)
    assert {(r.kind, r.subject_id) for r in restarted if r.subject_id in mine} == {
        ("uploads", str(transcribing.id)),
        ("uploads", str(clipping.id)),
        ("exports", str(export.id)),
    }
    long, interactive = Latency.LONG.queue_name, Latency.INTERACTIVE.queue_name
    assert await queued_in(redis, long, f"transcribe:{transcribing.id}")
    assert await queued_in(redis, long, f"clip:{clipping.id}")
    assert await queued_in(redis, interactive, f"export:{export.id}")
    assert not await redis.exists(job_key_prefix + f"captions:{ready.id}")

    # Every job has a live copy now: a second pass (another worker's) starts nothing.
    assert await reconcile_once(pool) == []


async def test_a_row_that_moved_on_while_redis_was_read_is_left_alone(redis: Any) -> None:
    versions = iter(["TRANSCRIBING@1", "CLIPPING@2"])
    started: list[str] = []

    async def start_it(pool: Any) -> bool:
        started.append("moved")
        return True

    async def rows(ids: Any) -> dict[str, Expected]:
        return {"moved": Expected(next(versions), start_it)}

    async def steady(ids: Any) -> dict[str, Expected]:
        async def go(pool: Any) -> bool:
            started.append("steady")
            return True

        return {"steady": Expected("v1", go)}

    saved = dict(reconcile.EXPECTATIONS)
    reconcile.EXPECTATIONS.clear()
    try:
        reconcile.register(Expectation("moving", rows))
        reconcile.register(Expectation("deliveries", steady))
        restarted = await reconcile_once(await get_pool())
    finally:
        reconcile.EXPECTATIONS.clear()
        reconcile.EXPECTATIONS.update(saved)
    assert started == ["steady"]
    assert [(r.kind, r.subject_id) for r in restarted] == [("deliveries", "steady")]
