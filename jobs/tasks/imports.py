"""import: the video behind an imported upload's link becomes its original, then transcribe.

Fetched through the SSRF guard (jobs.importing: a direct file streamed, a video site's page
resolved with yt-dlp), checked like completeUpload checks an upload (an audio track, within
the size and duration limits), stored under the upload's prefix, and only then charged, in
one transaction with the move to QUEUED. Nothing is charged before, so nothing is refunded:
- a link or file that can never be imported (ImportRefused: a refused address or redirect,
  no video, private, too long...) fails the upload at once with its code;
- too few minutes of credit fails it with INSUFFICIENT_CREDITS and removes what was stored;
- a source unreachable now (ImportUnavailable) is retried per the retry table (30 s, 5 min),
  then dead-lettered like any stage.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

from tortoise.transactions import in_transaction

from core.config import Settings, get_settings
from core.outbound import outbound_guard
from core.pipeline import Stage, UploadStatus
from core.probe import MediaInfo
from core.storage import get_store
from core.storage.keys import upload_prefix
from jobs import schedule
from jobs.importing.errors import ImportRefused
from jobs.importing.limits import ImportLimits
from jobs.importing.link import ImportedFile, import_link
from jobs.importing.media_check import check_video_file
from jobs.importing.original import Original, original_for
from jobs.pipeline.errors import classified
from jobs.pipeline.job import find_upload, scratch
from jobs.pipeline.progress import StageReporter
from orm import ledger
from orm.lifecycle import MoveRefused, move_upload
from orm.models import Upload

log = logging.getLogger("clipforge.imports")

DOWNLOAD_SHARE = 0.9  # of the stage's progress; probing and storing take the rest


def limits_of(settings: Settings) -> ImportLimits:
    return ImportLimits(
        max_bytes=settings.max_upload_bytes,
        max_duration_seconds=settings.max_duration_seconds,
        total_seconds=float(settings.import_timeout_seconds),
        resolve_seconds=float(settings.import_resolve_timeout_seconds),
    )


async def _fetch(
    upload: Upload, work: Path, report: StageReporter
) -> tuple[ImportedFile, MediaInfo]:
    settings = get_settings()
    limits = limits_of(settings)

    async def progress(done: int, total: int | None) -> None:
        if total:
            await report.progress(DOWNLOAD_SHARE * done / total)

    imported = await import_link(
        str(upload.source_url),
        work / "source",
        guard=outbound_guard(settings),
        limits=limits,
        on_progress=progress,
    )
    info = await check_video_file(
        imported.path,
        max_bytes=limits.max_bytes,
        max_duration_seconds=limits.max_duration_seconds,
        probe_seconds=float(settings.probe_timeout_seconds),
        memory_mb=min(settings.ffmpeg_memory_mb, 1024),
    )
    return imported, info


async def fail(
    upload: Upload, code: str, message: str, report: StageReporter, pool: Any
) -> dict[str, Any]:
    """FAILED with the code (its webhook event in the same transaction), then tell the user."""
    try:
        deliveries = await move_upload(upload, UploadStatus.FAILED, error=message, error_code=code)
    except MoveRefused as exc:
        return {"skipped": str(exc)}
    await schedule.start_deliveries(deliveries, pool=pool)
    await report.failed(message)
    log.info("import refused", extra={"fields": {"upload_id": str(upload.id), "code": code}})
    return {"upload_id": str(upload.id), "failed": code}


async def _charge_and_queue(
    upload_id: uuid.UUID, info: MediaInfo, original: Original, size: int
) -> bool:
    """One transaction: user row, then upload row locked; charge, ledger row, QUEUED with
    what was fetched. False when the upload is no longer IMPORTING (deleted, or done)."""
    async with in_transaction() as conn:
        user_id = await Upload.filter(id=upload_id).using_db(conn).values_list("user_id", flat=True)
        if not user_id:
            return False
        await ledger.lock_user(uuid.UUID(str(user_id[0])), conn)
        upload = await Upload.filter(id=upload_id).select_for_update().using_db(conn).first()
        if upload is None or upload.status != UploadStatus.IMPORTING:
            return False
        await ledger.charge_upload(upload, ledger.minutes_for(info.duration), conn)
        await move_upload(
            upload,
            UploadStatus.QUEUED,
            conn=conn,
            duration_seconds=info.duration,
            storage_key=original.key,
            content_type=original.content_type,
            filename=original.filename,
            size_bytes=size,
        )
    return True


async def import_video(ctx: dict[str, Any], upload_id: str) -> dict[str, Any]:
    upload = await find_upload(upload_id)
    if upload is None:
        return {"skipped": "upload not found"}
    pool = ctx.get("redis")
    if upload.status != UploadStatus.IMPORTING:
        if upload.status == UploadStatus.QUEUED:  # charged, but transcribe may not have started
            with classified("start the transcription"):
                await schedule.start_transcribe(upload.id, pool=pool)
        return {"skipped": f"upload is {upload.status}"}
    report = StageReporter(upload.user_id, Stage.IMPORT, upload_id=upload.id)
    await report.started()
    store = get_store()
    async with scratch("import") as work:
        try:
            imported, info = await _fetch(upload, work, report)
        except ImportRefused as exc:
            return await fail(upload, exc.code, exc.user_message, report, pool)
        original = original_for(
            upload.id,
            imported.fetched.final_url,
            imported.fetched.content_type,
            upload.filename,
            imported.title,
        )
        with classified("store the video"):
            await store.put_file(original.key, imported.path, original.content_type)
    await report.progress(0.95)
    try:
        queued = await _charge_and_queue(upload.id, info, original, imported.fetched.size)
    except ledger.InsufficientCredits as exc:
        with classified("remove the fetched video"):
            await store.delete_prefix(upload_prefix(upload.id))
        return await fail(upload, exc.code, exc.message, report, pool)
    if not queued:
        if not await Upload.exists(id=upload.id):  # deleted meanwhile: leave no file behind
            with classified("remove the fetched video"):
                await store.delete_prefix(upload_prefix(upload.id))
        return {"skipped": "upload no longer importing"}
    await report.completed(f"{info.duration:.0f} s fetched")
    with classified("start the transcription"):
        await schedule.start_transcribe(upload.id, pool=pool)
    return {"upload_id": str(upload.id), "duration": info.duration, "kind": imported.kind}
