"""Done when: a real upload goes from completeUpload to READY through a real arq worker
(burst mode), and its clips, subtitles and captions are queryable through the contract."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from arq.worker import Worker

from orm.models import Caption, Clip
from tests.pipeline.conftest import subscribe
from tests.pipeline.contract import operation
from tests.uploads.ops import complete, create_and_put, upload_pk


async def burst(options: dict[str, Any]) -> Worker:
    worker = Worker(**options)
    try:
        await worker.main()
    finally:
        await worker.close()
    return worker


async def test_complete_upload_to_ready_through_the_worker(
    gql: Any, client: httpx.AsyncClient, make_user: Any, short_talk: Path
) -> None:
    from jobs.worker import worker_settings

    user, token = await make_user(minutes=10)
    upload_id = await create_and_put(gql, client, token, short_talk, filename="short.mp4")
    completed = await complete(gql, token, upload_id)
    assert completed["errors"] == [] and completed["upload"]["status"] == "QUEUED"
    events = await subscribe(user.id)
    options = worker_settings()
    # The test session owns the database connections; the worker must not reopen or close them.
    options.update(
        on_startup=None, on_shutdown=None, handle_signals=False, burst=True, cron_jobs=None
    )
    worker = await burst(options)
    seen = await events.drain()
    await events.pubsub.aclose()
    assert (worker.jobs_complete, worker.jobs_failed, worker.jobs_retried) == (3, 0, 0)
    finished = [e["stage"] for e in seen if e["status"] == "COMPLETED"]
    assert finished == ["TRANSCRIBE", "CLIP", "CAPTIONS"]

    body = await gql(operation("UploadDetail"), {"id": upload_id}, token)
    upload = body["data"]["upload"]
    assert upload["status"] == "READY" and upload["error"] is None
    assert "one small habit today" in upload["transcript"]["text"].lower()
    clips = [e["node"] for e in upload["clips"]["edges"]]
    # Less speech than the shortest clip length: the whole talk becomes the one clip.
    assert len(clips) == 1 and clips[0]["videoUrl"] and clips[0]["subtitles"]["assUrl"]
    assert len(clips[0]["captions"]) == 5

    # The chain again: every stage finds its results and leaves them alone.
    pk = upload_pk(upload_id)
    rows = {c.id for c in await Clip.filter(upload_id=pk)}
    captions = {c.id for c in await Caption.filter(clip__upload_id=pk)}
    from jobs.schedule import start

    for stage in ("transcribe", "clip", "captions"):
        assert await start(stage, pk)
    again = await burst(options)
    assert (again.jobs_complete, again.jobs_failed) == (3, 0)
    assert {c.id for c in await Clip.filter(upload_id=pk)} == rows
    assert {c.id for c in await Caption.filter(clip__upload_id=pk)} == captions
