"""transcribe: the original's audio through Whisper; transcript rows and files; then clip."""

from __future__ import annotations

from typing import Any

from core.clip_options import ClipOptions
from core.config import get_settings
from core.pipeline import Stage, UploadStatus, is_past
from jobs import schedule
from jobs.pipeline import results, steps
from jobs.pipeline.errors import classified
from jobs.pipeline.job import begin_stage, find_upload, scratch
from jobs.pipeline.progress import StageReporter
from orm.models import Transcript


async def transcribe(ctx: dict[str, Any], upload_id: str) -> dict[str, Any]:
    upload = await find_upload(upload_id)
    if upload is None:
        return {"skipped": "upload not found"}
    if is_past(upload.status, UploadStatus.TRANSCRIBING) and await Transcript.exists(
        upload_id=upload.id
    ):
        return {"skipped": "already transcribed"}
    if not await begin_stage(upload, UploadStatus.TRANSCRIBING):
        return {"skipped": f"upload is {upload.status}"}
    settings = get_settings()
    options = ClipOptions.from_json(upload.clip_options, settings)
    report = StageReporter(upload.user_id, Stage.TRANSCRIBE, upload_id=upload.id)
    await report.started()
    async with scratch("transcribe") as work:
        video = await results.fetch_original(upload, work)
        result = await steps.transcribe_video(
            video, work, settings, language=options.language, on_progress=report.progress
        )
        await results.save_transcript(upload, result)
    words = len(result.transcript.words)
    await report.completed(f"{words} words transcribed")
    with classified("start finding clips"):
        await schedule.start_clip(upload.id, pool=ctx.get("redis"))
    return {"upload_id": str(upload.id), "words": words, "language": result.transcript.language}
