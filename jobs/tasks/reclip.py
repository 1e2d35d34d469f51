"""reclip: the clip and captions stages again on a READY upload, with new options.

No transcription and no charge: the stored transcript is clipped again. The events are the
first run's (CLIP, then CAPTIONS); found clips are replaced in one transaction while the
clips the user made stay. The job gets one try: when it fails the upload is READY again
(with the clips it had, or the new ones without captions if only the captions failed) and
the creator gets a FAILED event saying why.
"""

from __future__ import annotations

import logging
from typing import Any

from core.clip_options import ClipOptions
from core.config import get_settings
from core.pipeline import Stage, UploadStatus
from jobs import schedule
from jobs.errors import PermanentError, StageError
from jobs.pipeline import results
from jobs.pipeline.job import begin_stage, find_upload, scratch
from jobs.pipeline.progress import StageReporter
from jobs.tasks.captions import write_for
from jobs.tasks.clip import find_and_cut
from orm.lifecycle import MoveRefused, move_upload
from orm.models import Upload

log = logging.getLogger("clipforge.jobs")
FAILED_MESSAGE = "The clips could not be found again; the upload keeps the clips it had."


async def reclip(
    ctx: dict[str, Any], upload_id: str, request: str, options: dict[str, Any]
) -> dict[str, Any]:
    upload = await find_upload(upload_id)
    if upload is None:
        return {"skipped": "upload not found"}
    if upload.status not in (UploadStatus.CLIPPING, UploadStatus.READY):
        return {"skipped": f"upload is {upload.status}"}
    transcript = await results.load_transcript(upload.id)
    if transcript is None:
        raise PermanentError("The transcript is missing; retry the upload.")
    if not await begin_stage(upload, UploadStatus.CLIPPING):
        return {"skipped": f"upload is {upload.status}"}
    chosen = ClipOptions.from_json(options, get_settings())
    report = StageReporter(upload.user_id, Stage.CLIP, upload_id=upload.id)
    try:
        await report.started("Finding clips again with new options")
        async with scratch("reclip") as work:
            cut = await find_and_cut(upload, transcript, chosen, work, report)
            rows = await results.save_clips(
                upload, cut, options=chosen.to_json(), finish=UploadStatus.CAPTIONING
            )
        await report.completed(f"{len(rows)} clips cut")
        report = StageReporter(upload.user_id, Stage.CAPTIONS, upload_id=upload.id)
        await report.started()
        await write_for(rows, transcript, report)
        deliveries = await move_upload(upload, UploadStatus.READY)  # with its webhook events
    except Exception as exc:
        await _ready_again(upload, ctx)
        await report.failed(exc.user_message if isinstance(exc, StageError) else FAILED_MESSAGE)
        raise
    await report.completed(f"captions written for {len(rows)} clips")
    await schedule.start_deliveries(deliveries, pool=ctx.get("redis"))
    return {"upload_id": str(upload.id), "request": request, "clips": len(rows)}


async def _ready_again(upload: Upload, ctx: dict[str, Any]) -> None:
    """Back to READY after a failure (the clips as the last committed step left them)."""
    try:
        deliveries = await move_upload(upload, UploadStatus.READY)
    except MoveRefused as exc:  # deleted, or moved on by someone else
        log.warning("reclip could not give the upload back: %s", exc)
        return
    await schedule.start_deliveries(deliveries, pool=ctx.get("redis"))
