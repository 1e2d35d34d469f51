"""A real arq worker (burst mode) takes an upload from transcribe to READY."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from arq.worker import Worker

from core.config import Settings
from orm.models import Caption, Clip, Transcript
from orm.models.enums import UploadStatus
from tests.media.fixtures_media import make_talk
from tests.pipeline.conftest import Talk, clip_count, make_upload, subscribe

SHORT = (
    "What would you do with three extra hours every week?",
    "Most people waste them scrolling, and that is a real shame.",
    "Start with one small habit today and keep it for a month.",
)


@pytest.fixture(scope="module")
def short_talk(tmp_path_factory: pytest.TempPathFactory) -> Talk:
    video, onsets = make_talk(tmp_path_factory.mktemp("short-talk"), SHORT, silence=0.8)
    return Talk(video=Path(video), onsets=onsets, sentences=SHORT)


async def test_worker_runs_the_chain_to_ready(
    db: None, settings: Settings, short_talk: Talk, redis: Any
) -> None:
    from jobs.pipeline.chain import enqueue_stage
    from jobs.worker import worker_settings
    from tests.factories import create_user

    user, _ = await create_user()
    upload = await make_upload(user, short_talk)
    events = await subscribe(user.id)
    assert await enqueue_stage(None, "transcribe", upload.id)
    assert not await enqueue_stage(None, "transcribe", upload.id), "queued twice"
    options = worker_settings()
    # The test session owns the database connections; the worker must not reopen or close them.
    options.update(
        on_startup=None, on_shutdown=None, handle_signals=False, burst=True, cron_jobs=None
    )
    worker = Worker(**options)
    try:
        with clip_count(2):
            await worker.main()
    finally:
        await worker.close()
    seen = await events.drain()
    await events.pubsub.aclose()
    assert (worker.jobs_complete, worker.jobs_failed, worker.jobs_retried) == (3, 0, 0)
    await upload.refresh_from_db()
    assert upload.status == UploadStatus.READY and upload.error is None
    assert await Transcript.exists(upload_id=upload.id)
    clips = await Clip.filter(upload_id=upload.id)
    assert 1 <= len(clips) <= 2
    assert await Caption.filter(clip__upload_id=upload.id).count() == 5 * len(clips)
    finished = [e["stage"] for e in seen if e["status"] == "COMPLETED"]
    assert finished == ["TRANSCRIBE", "CLIP", "CAPTIONS"]
    # A second run of the whole chain is a no-op: every stage sees its results and READY.
    assert await enqueue_stage(None, "transcribe", upload.id)
    worker = Worker(**options)
    try:
        await worker.main()
    finally:
        await worker.close()
    assert worker.jobs_complete == 1
    assert await Clip.filter(upload_id=upload.id).count() == len(clips)
