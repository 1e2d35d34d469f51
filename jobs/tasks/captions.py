"""captions: per clip and platform, ready-to-post text and hashtags; then the upload is READY.

With a clip id, only that clip's captions are rewritten (regenerateCaptions) and the upload's
status is left alone.
"""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from core.config import get_settings
from jobs.errors import PermanentError
from jobs.pipeline import core, store
from jobs.pipeline.job import find_upload
from jobs.pipeline.progress import StageReporter
from orm.models import Clip
from orm.models.enums import UploadStatus

STAGE = "CAPTIONS"


async def captions(
    ctx: dict[str, Any], upload_id: str, clip_id: str | None = None
) -> dict[str, Any]:
    upload = await find_upload(upload_id)
    if upload is None:
        return {"skipped": "upload not found"}
    clips = await store.clips_of(upload.id)
    if clip_id is not None:
        clips = [c for c in clips if str(c.id) == str(clip_id)]
        if not clips:
            return {"skipped": "clip not found"}
    elif upload.status == UploadStatus.READY and {c.id for c in clips} <= (
        await store.clips_with_captions(upload.id)
    ):
        return {"skipped": "already captioned"}
    transcript = await store.load_transcript(upload.id)
    if transcript is None:
        raise PermanentError("The transcript is missing; retry the upload.")
    settings = get_settings()
    report = StageReporter(upload.user_id, STAGE, upload_id=upload.id, clip_id=clip_id)
    if clip_id is None:
        await store.set_status(upload, UploadStatus.CAPTIONING)
    await report.started()
    written = await core.write_captions(
        [(c.title, core.spoken_text(transcript, c.start_seconds, c.end_seconds)) for c in clips],
        settings,
        on_progress=report.within(0.0, 0.95),
    )
    await _save(clips, written)
    if clip_id is None:
        await store.set_status(upload, UploadStatus.READY)
    await report.completed(f"captions written for {len(clips)} clips")
    return {"upload_id": str(upload.id), "clips": len(clips)}


async def _save(clips: list[Clip], written: list[list[Any]]) -> None:
    """All the clips' captions replaced in one transaction."""
    async with in_transaction():
        for clip_row, caps in zip(clips, written, strict=True):
            await store.save_captions(clip_row.id, caps)
