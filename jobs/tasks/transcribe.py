"""transcribe: the original's audio through Whisper; transcript rows and files; then clip."""

from __future__ import annotations

from typing import Any

from core.config import get_settings
from jobs.pipeline import core, store
from jobs.pipeline.chain import enqueue_stage
from jobs.pipeline.errors import classified
from jobs.pipeline.job import find_upload, is_past, scratch
from jobs.pipeline.progress import StageReporter
from orm.models import Transcript
from orm.models.enums import UploadStatus

STAGE = "TRANSCRIBE"


async def transcribe(ctx: dict[str, Any], upload_id: str) -> dict[str, Any]:
    upload = await find_upload(upload_id)
    if upload is None:
        return {"skipped": "upload not found"}
    if is_past(upload.status, UploadStatus.TRANSCRIBING) and await Transcript.exists(
        upload_id=upload.id
    ):
        return {"skipped": "already transcribed"}
    settings = get_settings()
    report = StageReporter(upload.user_id, STAGE, upload_id=upload.id)
    await store.set_status(upload, UploadStatus.TRANSCRIBING)
    await report.started()
    async with scratch("transcribe") as work:
        video = await store.fetch_original(upload, work)
        result = await core.transcribe_video(
            video, work, settings, language=upload.language, on_progress=report.progress
        )
        await store.save_transcript(upload, result)
    words = len(result.transcript.words)
    await report.completed(f"{words} words transcribed")
    with classified("start finding clips"):
        await enqueue_stage(ctx, "clip", upload.id)
    return {"upload_id": str(upload.id), "words": words, "language": result.transcript.language}
