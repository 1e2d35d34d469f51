"""Done when: the edits go through a real arq worker (burst mode) with their events: a clip
made by hand and a correction, then a reclip that keeps the hand-made clip."""

from __future__ import annotations

from typing import Any

from arq.worker import Worker

from orm.models import Clip, Upload
from orm.models.enums import ClipOrigin, UploadStatus
from tests.factories import gid
from tests.pipeline.conftest import Talk, subscribe
from tests.pipeline.contract import operation
from tests.steering.conftest import Ready


async def _burst() -> Worker:
    """The interactive queue's worker, where edits run (never behind a transcription)."""
    from core.pipeline import Latency
    from jobs.worker import worker_settings

    options = worker_settings(Latency.INTERACTIVE)
    options.update(
        on_startup=None, on_shutdown=None, handle_signals=False, burst=True, cron_jobs=None
    )
    worker = Worker(**options)
    try:
        await worker.main()
    finally:
        await worker.close()
    return worker


async def test_edits_through_the_worker(gql: Any, ready: Ready, fresh: Any, talk: Talk) -> None:
    upload_id = gid("Upload", fresh.id)
    made = await gql(
        operation("CreateClip"),
        {
            "input": {
                "uploadId": upload_id,
                "startSeconds": talk.onsets[4],
                "endSeconds": talk.onsets[5] - 0.5,
                "title": "Double your audience",
            }
        },
        ready.token,
    )
    clip_id = made["data"]["createClip"]["clip"]["id"]
    fixed = await gql(
        operation("CorrectTranscript"),
        {
            "input": {
                "uploadId": upload_id,
                "corrections": [
                    {
                        "startSeconds": talk.onsets[6] - 0.2,
                        "endSeconds": talk.onsets[6] + 1.2,
                        "text": "And then we had brunch",
                    }
                ],
            }
        },
        ready.token,
    )
    assert fixed["data"]["correctTranscript"]["errors"] == []
    events = await subscribe(ready.user.id)
    worker = await _burst()
    seen = await events.drain()
    assert (worker.jobs_complete, worker.jobs_failed) == (2, 0)
    done = {(e["stage"], e["clip_id"]) for e in seen if e["status"] == "COMPLETED"}
    assert ("CLIP", _pk(clip_id)) in done and ("TRANSCRIBE", None) in done

    detail = await gql(operation("ClipDetail"), {"id": clip_id}, ready.token)
    clip = detail["data"]["clip"]
    assert clip["origin"] == "MANUAL" and clip["title"] == "Double your audience"
    assert clip["videoUrl"] and len(clip["captions"]) == 5 and clip["scoreBreakdown"]

    again = await gql(
        operation("ReclipUpload"), {"id": upload_id, "options": {"count": 1}}, ready.token
    )
    assert again["data"]["reclipUpload"]["upload"]["status"] == "CLIPPING"
    worker = await _burst()
    seen = await events.drain()
    await events.pubsub.aclose()
    assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
    finished = [e["stage"] for e in seen if e["status"] == "COMPLETED"][-2:]
    assert finished == ["CLIP", "CAPTIONS"]
    assert (await Upload.get(id=fresh.id)).status == UploadStatus.READY
    clips = await Clip.filter(upload_id=fresh.id)
    assert {c.origin for c in clips} == {ClipOrigin.MANUAL, ClipOrigin.AUTO}
    assert str(next(c for c in clips if c.origin == ClipOrigin.MANUAL).id) == _pk(clip_id)
    assert len(clips) == 2


def _pk(global_id: str) -> str:
    from graphql_api.common.relay import from_global_id

    return from_global_id(global_id)[1]
