"""The admin API: queue stats from arq's keys, dead letters, retry and purge; admins only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from arq.constants import default_queue_name, in_progress_key_prefix

from core.pipeline import Latency
from jobs.errors import PermanentError
from jobs.schedule import get_pool
from orm.models import DeadLetter, Upload
from orm.models.enums import UploadStatus
from tests.factories import gid
from tests.ops.helpers import charged_upload, enqueue, make_task, run_burst

pytestmark = pytest.mark.usefixtures("db")

HEALTH = """query QueueHealth {
  queueStats { queue queued inProgress deadLetters }
  deadLetters(first: 50) {
    edges { node { id queue jobName uploadId attempts error failedAt } }
    pageInfo { hasNextPage endCursor }
  }
}"""
RETRY = """mutation RetryDeadLetter($id: ID!) {
  retryDeadLetter(id: $id) { deadLetter { id } errors { code field message } }
}"""
PURGE = """mutation Purge($queue: JobQueue) {
  purgeDeadLetters(queue: $queue) { purged errors { code message } }
}"""


async def dead_letter_for(job: str, upload_id: str, message: str = "Broken file.") -> DeadLetter:
    async def fail(ctx: dict[str, Any], upload_id: str) -> None:
        raise PermanentError(message)

    await enqueue(job, upload_id)
    await run_burst([make_task(job, fail)])
    return await DeadLetter.get(upload_id=upload_id, job_name=job)


async def test_only_admins_see_and_change_queues(gql: Any, make_user: Any) -> None:
    body = await gql(HEALTH, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    _, token = await make_user()
    body = await gql(HEALTH, token=token, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body["data"] is None
    body = await gql(
        RETRY, {"id": gid("DeadLetter", "00000000-0000-0000-0000-000000000000")}, token
    )
    assert body["data"]["retryDeadLetter"]["errors"][0]["code"] == "FORBIDDEN"
    body = await gql(PURGE, {}, token)
    assert body["data"]["purgeDeadLetters"]["errors"][0]["code"] == "FORBIDDEN"


async def test_queue_stats_count_arq_jobs_per_function(
    gql: Any, make_user: Any, redis: Any
) -> None:
    await DeadLetter.all().delete()
    _, admin = await make_user(is_admin=True)
    _, upload = await charged_upload()
    await dead_letter_for("captions", str(upload.id))
    pool = await get_pool()
    for n in range(3):
        await pool.enqueue_job("transcribe", f"u{n}")
    running = await pool.enqueue_job("clip", "u9")
    await pool.enqueue_job("clip", "u8", _defer_by=600)  # a retry waiting out its back-off
    await pool.enqueue_job("export", "e1")  # queued before the latency classes existed
    await pool.enqueue_job("export", "e2", _queue_name=Latency.INTERACTIVE.queue_name)
    assert running is not None
    await redis.set(in_progress_key_prefix + running.job_id, b"1")

    body = await gql(HEALTH, token=admin)
    stats = {s["queue"]: s for s in body["data"]["queueStats"]}
    assert list(stats) == ["IMPORT", "TRANSCRIBE", "TRANSCRIBE_CHUNK", "CLIP", "CAPTIONS", "EXPORT"]
    assert stats["TRANSCRIBE"] == {
        "queue": "TRANSCRIBE",
        "queued": 3,
        "inProgress": 0,
        "deadLetters": 0,
    }
    assert (stats["CLIP"]["queued"], stats["CLIP"]["inProgress"]) == (1, 1)
    assert (stats["EXPORT"]["queued"], stats["CAPTIONS"]["deadLetters"]) == (2, 1)
    assert await redis.zcard(default_queue_name) == 6


async def test_dead_letter_listed_then_retried_with_its_arguments(
    gql: Any, make_user: Any, redis: Any
) -> None:
    _, admin = await make_user(is_admin=True)
    _, upload = await charged_upload()
    row = await dead_letter_for("transcribe", str(upload.id), "This file has no audio track.")
    assert (await Upload.get(id=upload.id)).status == UploadStatus.FAILED

    body = await gql(HEALTH, token=admin)
    nodes = [e["node"] for e in body["data"]["deadLetters"]["edges"]]
    node = next(n for n in nodes if n["id"] == gid("DeadLetter", row.id))
    assert node["queue"] == "TRANSCRIBE" and node["jobName"] == "transcribe"
    assert node["uploadId"] == gid("Upload", upload.id)
    assert node["attempts"] == 1 and "no audio track" in node["error"]
    assert await redis.llen("transcribe_dead") == 1

    body = await gql(RETRY, {"id": node["id"]}, admin)
    assert body["data"]["retryDeadLetter"] == {"deadLetter": {"id": node["id"]}, "errors": []}
    assert not await DeadLetter.filter(id=row.id).exists()
    assert await redis.llen("transcribe_dead") == 0
    fresh = await Upload.get(id=upload.id)
    assert (fresh.status, fresh.error) == (UploadStatus.QUEUED, None)
    jobs = await (await get_pool()).queued_jobs()
    assert [(j.function, list(j.args), j.kwargs) for j in jobs] == [
        ("transcribe", [str(upload.id)], {})
    ]
    again = await gql(RETRY, {"id": node["id"]}, admin)
    assert again["data"]["retryDeadLetter"]["errors"][0]["code"] == "NOT_FOUND"
    bad = await gql(RETRY, {"id": "nonsense"}, admin)
    assert bad["data"]["retryDeadLetter"]["errors"][0]["code"] == "INVALID_ID"


async def test_purge_one_queue(gql: Any, make_user: Any, redis: Any) -> None:
    await DeadLetter.all().delete()
    _, admin = await make_user(is_admin=True)
    rows = []
    for job in ("clip", "clip", "captions"):
        _, upload = await charged_upload()
        rows.append(await dead_letter_for(job, str(upload.id)))
    assert await redis.llen("clip_dead") == 2
    body = await gql(PURGE, {"queue": "CLIP"}, admin)
    assert body["data"]["purgeDeadLetters"] == {"purged": 2, "errors": []}
    assert await redis.llen("clip_dead") == 0
    assert [r.id for r in await DeadLetter.all()] == [rows[2].id]
    assert json.loads((await redis.lrange("captions_dead", 0, -1))[0])["id"] == str(rows[2].id)
    body = await gql(PURGE, {}, admin)
    assert body["data"]["purgeDeadLetters"]["purged"] == 1
    assert await DeadLetter.all().count() == 0
