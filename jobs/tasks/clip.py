"""clip: pick the best moments, cut each from the original once, thumbnails and subtitles;
Clip rows; then captions."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from core.clip_options import ClipOptions
from core.config import get_settings
from core.pipeline import Stage, UploadStatus, is_past
from core.probe import probe
from jobs import schedule
from jobs.errors import PermanentError
from jobs.media.types import TranscriptResult
from jobs.pipeline import results, steps
from jobs.pipeline.errors import classified
from jobs.pipeline.job import begin_stage, find_upload, scratch
from jobs.pipeline.progress import StageReporter
from orm.models import Clip, Upload
from orm.models.enums import ClipOrigin


async def clip(ctx: dict[str, Any], upload_id: str) -> dict[str, Any]:
    upload = await find_upload(upload_id)
    if upload is None:
        return {"skipped": "upload not found"}
    if is_past(upload.status, UploadStatus.CLIPPING):
        return {"skipped": "already clipped"}
    transcript = await results.load_transcript(upload.id)
    if transcript is None:
        raise PermanentError("The transcript is missing; retry the upload.")
    if not await begin_stage(upload, UploadStatus.CLIPPING):
        return {"skipped": f"upload is {upload.status}"}
    options = ClipOptions.from_json(upload.clip_options, get_settings())
    report = StageReporter(upload.user_id, Stage.CLIP, upload_id=upload.id)
    await report.started()
    async with scratch("clip") as work:
        cut = await find_and_cut(upload, transcript, options, work, report)
        rows = await results.save_clips(upload, cut)
    await report.completed(f"{len(rows)} clips cut")
    with classified("start writing captions"):
        await schedule.start_captions(upload.id, pool=ctx.get("redis"))
    return {"upload_id": str(upload.id), "clips": len(rows)}


async def find_and_cut(
    upload: Upload,
    transcript: TranscriptResult,
    options: ClipOptions,
    work: Path,
    report: StageReporter,
) -> list[steps.CutClip]:
    """The clip stage's media work: the best moments for the options (around the clips the
    user made), each cut from the original with its thumbnail and subtitles."""
    settings = get_settings()
    video = await results.fetch_original(upload, work)
    audio = await results.load_audio_features(upload.id)
    if audio is None:
        audio = await steps.audio_of(video, work, settings)
    kept = await Clip.filter(upload_id=upload.id, origin=ClipOrigin.MANUAL).values_list(
        "start_seconds", "end_seconds"
    )
    picks = await steps.pick_clips(transcript, audio, settings, options, avoid=kept)
    await report.progress(0.1, f"{len(picks)} highlights found")
    with classified("read the video"):
        info = await probe(video)
    return await steps.cut_clips(
        video,
        transcript,
        picks,
        work,
        settings,
        fps=info.fps,
        on_progress=report.within(0.1, 0.95),
        title=PurePosixPath(upload.filename).stem,  # on audio-only clips' picture
    )
