"""clip: pick the best moments, cut each from the original once, thumbnails and subtitles;
Clip rows; then captions."""

from __future__ import annotations

from typing import Any

from core.config import get_settings
from core.probe import probe
from jobs.errors import PermanentError
from jobs.pipeline import core, store
from jobs.pipeline.chain import enqueue_stage
from jobs.pipeline.errors import classified
from jobs.pipeline.job import find_upload, is_past, scratch
from jobs.pipeline.progress import StageReporter
from orm.models import Clip
from orm.models.enums import UploadStatus

STAGE = "CLIP"


async def clip(ctx: dict[str, Any], upload_id: str) -> dict[str, Any]:
    upload = await find_upload(upload_id)
    if upload is None:
        return {"skipped": "upload not found"}
    if is_past(upload.status, UploadStatus.CLIPPING) and await Clip.exists(upload_id=upload.id):
        return {"skipped": "already clipped"}
    transcript = await store.load_transcript(upload.id)
    if transcript is None:
        raise PermanentError("The transcript is missing; retry the upload.")
    settings = get_settings()
    limits = core.clip_range(settings, upload.clip_min_seconds, upload.clip_max_seconds)
    report = StageReporter(upload.user_id, STAGE, upload_id=upload.id)
    await store.set_status(upload, UploadStatus.CLIPPING)
    await report.started()
    async with scratch("clip") as work:
        video = await store.fetch_original(upload, work)
        audio = await store.load_audio_features(upload.id)
        if audio is None:
            audio = await core.audio_of(video, work, settings)
        picks = await core.pick_clips(transcript, audio, settings, limits)
        await report.progress(0.1, f"{len(picks)} highlights found")
        with classified("read the video"):
            info = await probe(video)
        cut = await core.cut_clips(
            video,
            transcript,
            picks,
            work,
            settings,
            fps=info.fps,
            on_progress=report.within(0.1, 0.95),
        )
        rows = await store.save_clips(upload, cut)
    await report.completed(f"{len(rows)} clips cut")
    with classified("start writing captions"):
        await enqueue_stage(ctx, "captions", upload.id)
    return {"upload_id": str(upload.id), "clips": len(rows)}
