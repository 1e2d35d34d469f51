"""cut_clip: a clip the user made (createClip) or whose edges they moved (updateClip).

Cut from the original in one encode, thumbnailed, subtitled, scored by the local scorer (so it
sorts with the found clips) and captioned, like any other clip; then the row is created or
updated in one transaction with origin MANUAL. The CLIP COMPLETED event carries the clip's
id. One try: a failure leaves an edited clip as it was (and makes no new one), and the
creator gets a FAILED event naming the clip.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath
from typing import Any

from core.clip_options import ClipOptions
from core.config import get_settings
from core.pipeline import Stage
from core.probe import probe
from jobs.errors import PermanentError, StageError
from jobs.pipeline import edits, results, steps
from jobs.pipeline.errors import classified
from jobs.pipeline.job import find_upload, scratch
from jobs.pipeline.progress import StageReporter
from orm.models import Clip

FAILED_MESSAGE = "The clip could not be cut; nothing was changed."


async def cut_clip(ctx: dict[str, Any], clip_id: str, cut: dict[str, Any]) -> dict[str, Any]:
    """`cut`: upload_id, start, end (snapped to words by the api), and `create` with an
    optional `title` for a new clip."""
    try:
        pk = uuid.UUID(str(clip_id))
    except ValueError:
        return {"skipped": "malformed clip id"}
    upload = await find_upload(cut["upload_id"])
    if upload is None:
        return {"skipped": "upload not found"}
    existing = await Clip.filter(id=pk).first()
    creating = bool(cut.get("create"))
    if existing is None and not creating:
        return {"skipped": "clip not found"}
    if existing is not None and existing.upload_id != upload.id:
        return {"skipped": "clip of another upload"}
    report = StageReporter(upload.user_id, Stage.CLIP, upload_id=upload.id, clip_id=pk)
    await report.started("Cutting your clip")
    try:
        row = await _cut(upload, pk, cut, existing, report)
    except Exception as exc:
        await report.failed(exc.user_message if isinstance(exc, StageError) else FAILED_MESSAGE)
        raise
    if row is None:
        await report.failed("The clip was deleted before it was cut.")
        return {"skipped": "clip deleted meanwhile"}
    await report.completed("clip cut")
    return {"clip_id": str(pk), "start": row.start_seconds, "end": row.end_seconds}


async def _cut(
    upload: Any, pk: uuid.UUID, cut: dict[str, Any], existing: Clip | None, report: StageReporter
) -> Clip | None:
    transcript = await results.load_transcript(upload.id)
    if transcript is None:
        raise PermanentError("The transcript is missing.")
    settings = get_settings()
    options = ClipOptions.from_json(upload.clip_options, settings)
    start, end = float(cut["start"]), float(cut["end"])
    async with scratch("cut-clip") as work:
        video = await results.fetch_original(upload, work)
        audio = await results.load_audio_features(upload.id)
        if audio is None:
            audio = await steps.audio_of(video, work, settings)
        scored = await steps.score_span(transcript, audio, start, end, options.prompt)
        await report.progress(0.1)
        with classified("read the video"):
            info = await probe(video)
        picture_title = PurePosixPath(upload.filename).stem  # on an audio-only clip's picture
        piece = await steps.cut_one(
            video, transcript, scored, 1, work, settings, info.fps, picture_title
        )
        await report.progress(0.8)
        title = existing.title if existing else (cut.get("title") or piece.title)[:200]
        written = await steps.write_captions([(title, piece.text)], settings)
        return await edits.save_manual_clip(
            upload, pk, piece, written[0], title=None if existing else title
        )
