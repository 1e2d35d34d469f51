"""captions: per clip and platform, ready-to-post text and hashtags; then the upload is READY.

regenerate_captions rewrites one clip's captions (the regenerateCaptions mutation). It is a
job of its own so that its failure never fails the READY upload it belongs to: the clip keeps
its old captions and the owner gets a FAILED event naming the clip.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from tortoise.transactions import in_transaction

from core.config import get_settings
from core.pipeline import Stage, UploadStatus
from jobs import schedule
from jobs.errors import PermanentError, StageError
from jobs.media.types import PlatformCaption, TranscriptResult
from jobs.pipeline import results, steps
from jobs.pipeline.job import begin_stage, find_upload
from jobs.pipeline.progress import StageReporter
from orm.lifecycle import move_upload
from orm.models import Clip


async def captions(ctx: dict[str, Any], upload_id: str) -> dict[str, Any]:
    upload = await find_upload(upload_id)
    if upload is None:
        return {"skipped": "upload not found"}
    clips = await results.clips_of(upload.id)
    if upload.status == UploadStatus.READY and {c.id for c in clips} <= (
        await results.clips_with_captions(upload.id)
    ):
        return {"skipped": "already captioned"}
    transcript = await _transcript(upload.id)
    if not await begin_stage(upload, UploadStatus.CAPTIONING):
        return {"skipped": f"upload is {upload.status}"}
    report = StageReporter(upload.user_id, Stage.CAPTIONS, upload_id=upload.id)
    await report.started()
    await write_for(clips, transcript, report)
    deliveries = await move_upload(upload, UploadStatus.READY)  # with its webhook events
    await report.completed(f"captions written for {len(clips)} clips")
    await schedule.start_deliveries(deliveries, pool=ctx.get("redis"))
    return {"upload_id": str(upload.id), "clips": len(clips)}


async def regenerate_captions(ctx: dict[str, Any], clip_id: str) -> dict[str, Any]:
    try:
        pk = uuid.UUID(str(clip_id))
    except ValueError:
        return {"skipped": "malformed clip id"}
    clip = await Clip.filter(id=pk).select_related("upload").first()
    if clip is None:
        return {"skipped": "clip not found"}
    report = StageReporter(
        clip.upload.user_id, Stage.CAPTIONS, upload_id=clip.upload_id, clip_id=clip.id
    )
    await report.started()
    try:
        await write_for([clip], await _transcript(clip.upload_id), report)
    except StageError as exc:
        await report.failed(exc.user_message)
        raise
    await report.completed("captions rewritten")
    return {"clip_id": str(clip.id)}


async def _transcript(upload_id: uuid.UUID) -> TranscriptResult:
    transcript = await results.load_transcript(upload_id)
    if transcript is None:
        raise PermanentError("The transcript is missing; retry the upload.")
    return transcript


async def write_for(
    clips: Sequence[Clip], transcript: TranscriptResult, report: StageReporter
) -> None:
    """Write every clip's captions, then replace them all in one transaction."""
    written = await steps.write_captions(
        [(c.title, steps.spoken_text(transcript, c.start_seconds, c.end_seconds)) for c in clips],
        get_settings(),
        on_progress=report.within(0.0, 0.95),
    )
    await _save(clips, written)


async def _save(clips: Sequence[Clip], written: Sequence[Sequence[PlatformCaption]]) -> None:
    async with in_transaction():
        for clip_row, caps in zip(clips, written, strict=True):
            await results.save_captions(clip_row.id, caps)
