"""transcribe: the original's audio through Whisper; transcript rows and files; then clip.

Media shorter than two chunks (CLIPFORGE_TRANSCRIBE_CHUNK_SECONDS) is transcribed here in one
go. Longer media is cut at silences into chunks, each transcribed by its own
transcribe_chunk job on whichever worker takes it (jobs.pipeline.chunked); the chunk that
completes the set merges them and starts clip. Run again while chunks are planned (the
reconciler does that when their jobs were lost), transcribe restarts only the missing ones.
"""

from __future__ import annotations

from typing import Any

from core.clip_options import ClipOptions
from core.config import get_settings
from core.pipeline import Stage, UploadStatus, is_past
from jobs import schedule
from jobs.media.chunks import needs_chunks
from jobs.pipeline import billing, chunked, results, steps
from jobs.pipeline.errors import classified
from jobs.pipeline.job import begin_stage, find_upload, scratch
from jobs.pipeline.progress import StageReporter
from orm.models import Transcript, TranscriptChunk, Upload


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
    report = StageReporter(upload.user_id, Stage.TRANSCRIBE, upload_id=upload.id)
    planned = await chunked.chunks_of(upload.id)
    if planned:
        return await _resume(ctx, upload, planned, report)
    settings = get_settings()
    options = ClipOptions.from_json(upload.clip_options, settings)
    await report.started()
    async with scratch("transcribe") as work:
        video = await results.fetch_original(upload, work)
        await billing.settle_duration(upload, video, settings)  # the real length is paid for
        info = await steps.probe_video(video)
        if needs_chunks(info.duration, settings.transcribe_chunk_seconds):
            split = await steps.split_audio(video, work, settings)
            video.unlink(missing_ok=True)
            try:
                rows = await chunked.plan(upload, split, work)
            finally:
                split.wav.unlink(missing_ok=True)
            started = await chunked.start_missing(upload, rows, ctx.get("redis"))
            await report.progress(0.0, f"transcribing in {len(rows)} parts")
            return {"upload_id": str(upload.id), "chunks": len(rows), "started": started}
        result = await steps.transcribe_video(
            video, work, settings, language=options.language, on_progress=report.progress
        )
        await results.save_transcript(upload, result)
    return await _finished(ctx, upload, len(result.transcript.words), report)


async def _resume(
    ctx: dict[str, Any], upload: Upload, rows: list[TranscriptChunk], report: StageReporter
) -> dict[str, Any]:
    """Chunks were planned: merge them when all are done, else start the missing ones."""
    if chunked.complete(rows):
        async with scratch("transcribe-merge") as work:
            merged = await chunked.merge_if_complete(upload, work)
        if merged is not None:
            return await _finished(ctx, upload, len(merged.words), report)
        return {"skipped": "merged by another job"}
    started = await chunked.start_missing(upload, rows, ctx.get("redis"))
    return {"upload_id": str(upload.id), "chunks": len(rows), "started": started}


async def transcribe_chunk(ctx: dict[str, Any], upload_id: str, index: int) -> dict[str, Any]:
    """One chunk of a long transcription; the job that completes the set merges it."""
    upload = await find_upload(upload_id)
    if upload is None:
        return {"skipped": "upload not found"}
    if upload.status != UploadStatus.TRANSCRIBING:
        return {"skipped": f"upload is {upload.status}"}
    row = await TranscriptChunk.filter(upload_id=upload.id, index=int(index)).first()
    if row is None:
        return {"skipped": "no such chunk (merged already)"}
    report = StageReporter(upload.user_id, Stage.TRANSCRIBE, upload_id=upload.id)
    async with scratch("transcribe-chunk") as work:
        if not row.done:
            await chunked.transcribe_chunk(upload, row, work, get_settings())
        done, count = await chunked.progress(upload.id, report)
        if done < count:
            return {"upload_id": str(upload.id), "chunk": row.index, "done": done}
        merged = await chunked.merge_if_complete(upload, work)
    if merged is None:
        return {"upload_id": str(upload.id), "chunk": row.index, "merged": False}
    return await _finished(ctx, upload, len(merged.words), report)


async def _finished(
    ctx: dict[str, Any], upload: Upload, words: int, report: StageReporter
) -> dict[str, Any]:
    await report.completed(f"{words} words transcribed")
    with classified("start finding clips"):
        await schedule.start_clip(upload.id, pool=ctx.get("redis"))
    return {"upload_id": str(upload.id), "words": words}
