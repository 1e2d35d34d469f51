"""The retry table and dead letters, through a real arq worker on the test Redis and Postgres."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from arq.worker import Retry

from core.metrics import JOB_FAILURES, JOBS, REGISTRY
from core.storage.base import StorageError
from jobs.errors import PermanentError, TransientError
from jobs.policy import LOST_ERROR, JobDeadLettered, arq_max_tries, wrap
from orm.ledger import ledger_sum
from orm.models import CreditTransaction, DeadLetter, Upload, User
from orm.models.enums import CreditKind, UploadStatus
from tests.ops.helpers import (
    EventTap,
    charged_upload,
    enqueue,
    make_clip,
    make_task,
    overridden,
    run_burst,
)

pytestmark = pytest.mark.usefixtures("db")


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_table_back_off_per_try_and_tries_from_settings(redis: Any) -> None:
    """clip: 2 retries (10 s, 2 min); the third failure dead-letters; arq gets spare tries."""
    _, upload = await charged_upload()
    calls: list[int] = []

    async def flaky(ctx: dict[str, Any], upload_id: str) -> None:
        calls.append(ctx["job_try"])
        raise TransientError("Storage is not answering.")

    run = wrap(make_task("clip", flaky))
    ctx = {"job_id": "clip-table-test", "job_try": 1}
    with pytest.raises(Retry) as first:
        await run(ctx, str(upload.id))
    assert first.value.defer_score == 10_000
    with pytest.raises(Retry) as second:
        await run({**ctx, "job_try": 2}, str(upload.id))
    assert second.value.defer_score == 120_000
    with pytest.raises(JobDeadLettered):
        await run({**ctx, "job_try": 3}, str(upload.id))
    assert calls == [1, 2, 3]
    assert arq_max_tries(make_task("clip", flaky)) > 3
    assert arq_max_tries(make_task("transcribe", flaky)) > 4
    assert arq_max_tries(make_task("regenerate_captions", flaky)) == 1
    transcribe = wrap(make_task("transcribe", flaky))
    delays = []
    for job_try in (1, 2, 3):
        with pytest.raises(Retry) as retry:
            await transcribe({"job_id": f"t-{job_try}", "job_try": job_try}, str(upload.id))
        delays.append(retry.value.defer_score)
    assert delays == [5_000, 30_000, 300_000]
    with overridden(retry_delays={"export": [7]}):
        export = wrap(make_task("export", flaky))
        with pytest.raises(Retry) as retry:
            await export({"job_id": "e-1", "job_try": 1}, "not-a-uuid")
        assert retry.value.defer_score == 7_000


async def test_transient_errors_retry_then_dead_letter_with_refund(redis: Any) -> None:
    user, upload = await charged_upload(minutes=5, balance=30)
    assert (await User.get(id=user.id)).minutes_balance == 25
    attempts: list[int] = []

    async def clip(ctx: dict[str, Any], upload_id: str) -> None:
        attempts.append(ctx["job_try"])
        raise StorageError("connection refused by the object store")

    failures_before = sample("clipforge_job_failures_total", job="clip")
    with overridden(retry_delays={"clip": [0, 0]}):
        async with EventTap(redis, user.id) as tap:
            await enqueue("clip", str(upload.id), _job_id=f"clip:{upload.id}")
            await run_burst([make_task("clip", clip)])
            events = await tap.drain()

    assert attempts == [1, 2, 3]
    (row,) = await DeadLetter.filter(upload_id=upload.id)
    assert row.queue == "clip_dead" and row.job_name == "clip" and row.attempts == 3
    assert row.job_id == f"clip:{upload.id}"
    assert "StorageError" in row.error and "connection refused" in row.error
    assert row.job_args == {"args": [str(upload.id)], "kwargs": {}}
    entries = [json.loads(e) for e in await redis.lrange("clip_dead", 0, -1)]
    assert [e["id"] for e in entries] == [str(row.id)]
    assert entries[0]["args"] == [str(upload.id)]

    fresh = await Upload.get(id=upload.id)
    assert fresh.status == UploadStatus.FAILED
    assert fresh.error and "refunded" in fresh.error and "Traceback" not in fresh.error
    refunds = await CreditTransaction.filter(upload_id=upload.id, kind=CreditKind.REFUND)
    assert [r.minutes for r in refunds] == [5]
    assert (await User.get(id=user.id)).minutes_balance == 30 == await ledger_sum(user.id)

    statuses = [(e["stage"], e["status"]) for e in events]
    assert statuses == [("CLIP", "RETRYING"), ("CLIP", "RETRYING"), ("CLIP", "FAILED")]
    assert "try 2 of 3" in events[0]["message"] and "try 3 of 3" in events[1]["message"]
    assert events[0]["next_attempt_at"] and events[0]["seq"] < events[1]["seq"]
    assert events[-1]["upload_id"] == str(upload.id) and events[-1]["message"] == fresh.error
    assert sample("clipforge_job_failures_total", job="clip") == failures_before + 3
    assert JOBS.labels("clip", "failed")._value.get() >= 1
    assert JOB_FAILURES.labels("clip")._value.get() >= 3


async def test_permanent_error_fails_at_once_with_its_message(redis: Any) -> None:
    user, upload = await charged_upload(minutes=3, balance=10)
    attempts: list[int] = []

    async def transcribe(ctx: dict[str, Any], upload_id: str) -> None:
        attempts.append(ctx["job_try"])
        raise PermanentError("This file has no audio track.", detail="ffprobe: 0 audio streams")

    async with EventTap(redis, user.id) as tap:
        await enqueue("transcribe", upload_id=str(upload.id))
        await run_burst([make_task("transcribe", transcribe)])
        events = await tap.drain()

    assert attempts == [1]
    (row,) = await DeadLetter.filter(upload_id=upload.id)
    assert row.queue == "transcribe_dead" and row.attempts == 1
    assert row.error == "PermanentError: ffprobe: 0 audio streams"
    assert row.job_args == {"args": [], "kwargs": {"upload_id": str(upload.id)}}
    fresh = await Upload.get(id=upload.id)
    assert (fresh.status, fresh.error) == (UploadStatus.FAILED, "This file has no audio track.")
    assert (await User.get(id=user.id)).minutes_balance == 10
    assert [(e["status"], e["message"]) for e in events] == [
        ("FAILED", "This file has no audio track.")
    ]


async def test_success_after_a_retry_leaves_no_dead_letter(redis: Any) -> None:
    user, upload = await charged_upload()
    attempts: list[int] = []

    async def captions(ctx: dict[str, Any], upload_id: str) -> str:
        attempts.append(ctx["job_try"])
        if ctx["job_try"] == 1:
            raise TimeoutError("LLM did not answer")
        await Upload.filter(id=upload_id).update(status=UploadStatus.READY)
        return "done"

    before = sample("clipforge_jobs_total", job="captions", outcome="success")
    with overridden(retry_delays={"captions": [0, 0]}):
        await enqueue("captions", str(upload.id))
        await run_burst([make_task("captions", captions)])
    assert attempts == [1, 2]
    assert await DeadLetter.filter(upload_id=upload.id).count() == 0
    assert (await Upload.get(id=upload.id)).status == UploadStatus.READY
    assert sample("clipforge_jobs_total", job="captions", outcome="success") == before + 1
    assert sample("clipforge_job_duration_seconds_count", job="captions") >= 2
    assert (await User.get(id=user.id)).minutes_balance == 25


async def test_a_task_over_its_time_limit_is_retried_like_a_transient_error(redis: Any) -> None:
    _, upload = await charged_upload()
    attempts: list[int] = []

    async def clip(ctx: dict[str, Any], upload_id: str) -> None:
        attempts.append(ctx["job_try"])
        if ctx["job_try"] == 1:
            await asyncio.sleep(30)

    with overridden(retry_delays={"clip": [0, 0]}, job_timeouts="clip=1"):
        await enqueue("clip", str(upload.id))
        await run_burst([make_task("clip", clip)])
    assert attempts == [1, 2]
    assert await DeadLetter.filter(upload_id=upload.id).count() == 0


async def test_a_job_lost_on_its_last_try_is_dead_lettered_without_running(redis: Any) -> None:
    """A worker killed during the last try: the spare arq try records the dead letter."""
    user, upload = await charged_upload(minutes=4, balance=4)
    ran: list[int] = []

    async def clip(ctx: dict[str, Any], upload_id: str) -> None:
        ran.append(ctx["job_try"])

    run = wrap(make_task("clip", clip))
    with pytest.raises(JobDeadLettered):
        await run({"job_id": "lost-clip", "job_try": 4}, str(upload.id))
    assert ran == []
    (row,) = await DeadLetter.filter(job_id="lost-clip")
    assert row.error == LOST_ERROR and row.attempts == 3
    assert (await Upload.get(id=upload.id)).status == UploadStatus.FAILED
    assert (await User.get(id=user.id)).minutes_balance == 4
    # Repeating the bookkeeping (a crash right after it) adds nothing and refunds nothing.
    with pytest.raises(JobDeadLettered):
        await run({"job_id": "lost-clip", "job_try": 5}, str(upload.id))
    assert await DeadLetter.filter(job_id="lost-clip").count() == 1
    assert await CreditTransaction.filter(upload_id=upload.id, kind=CreditKind.REFUND).count() == 1
    assert await redis.llen("clip_dead") == 1


async def test_export_failure_fails_the_export_not_the_upload_and_refunds_nothing(
    redis: Any,
) -> None:
    from orm.models import Export
    from orm.models.enums import AspectRatio, ExportStatus

    user, upload = await charged_upload(minutes=2, balance=10)
    await Upload.filter(id=upload.id).update(status=UploadStatus.READY)
    clip = await make_clip(upload)
    export = await Export.create(user=user, clip=clip, aspect_ratio=AspectRatio.SQUARE_1_1)

    async def render(ctx: dict[str, Any], export_id: str) -> None:
        raise TransientError("Rendering is temporarily unavailable.")

    with overridden(retry_delays={"export": [0]}):
        async with EventTap(redis, user.id) as tap:
            await enqueue("export", str(export.id))
            await run_burst([make_task("export", render)])
            events = await tap.drain()
    fresh = await Export.get(id=export.id)
    assert fresh.status == ExportStatus.FAILED
    assert fresh.error == "Rendering is temporarily unavailable."
    assert (await Upload.get(id=upload.id)).status == UploadStatus.READY
    (row,) = await DeadLetter.filter(upload_id=upload.id)
    assert row.upload_id == upload.id and row.attempts == 2
    assert (await User.get(id=user.id)).minutes_balance == 8
    assert [(e["stage"], e["status"], e["export_id"]) for e in events] == [
        ("EXPORT", "RETRYING", str(export.id)),
        ("EXPORT", "FAILED", str(export.id)),
    ]


async def test_a_job_outside_the_table_fails_alone(redis: Any) -> None:
    """E.g. regenerating captions of a READY upload: no retry, no dead letter, no refund."""
    user, upload = await charged_upload(minutes=5, balance=30)
    await Upload.filter(id=upload.id).update(status=UploadStatus.READY)
    attempts: list[int] = []

    async def regenerate_captions(ctx: dict[str, Any], clip_id: str) -> None:
        attempts.append(ctx["job_try"])
        raise TransientError("The AI service was unavailable.")

    before = sample("clipforge_jobs_total", job="regenerate_captions", outcome="failed")
    await enqueue("regenerate_captions", str(upload.id))
    await run_burst([make_task("regenerate_captions", regenerate_captions)])
    assert attempts == [1]
    assert await DeadLetter.filter(upload_id=upload.id).count() == 0
    assert (await Upload.get(id=upload.id)).status == UploadStatus.READY
    assert (await User.get(id=user.id)).minutes_balance == 25
    assert sample("clipforge_jobs_total", job="regenerate_captions", outcome="failed") == before + 1
