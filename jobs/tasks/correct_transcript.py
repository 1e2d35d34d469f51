"""correct_transcript: after a correction, the files that show the transcript follow it.

The correction itself (words, segment texts, the transcript's text) is saved by the api at
once; this job rewrites the transcript's JSON, SRT and VTT, and the subtitles and captions
of every clip overlapping a corrected span, from the transcript as it is now. Clip edges
never move. Corrections of one upload take turns (the upload's edit lock), so the files end
up showing the latest transcript; running the job again writes the same files.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.config import get_settings
from core.pipeline import Stage
from jobs.errors import PermanentError, StageError
from jobs.pipeline import edits, results, steps
from jobs.pipeline.edit_lock import upload_edit_lock
from jobs.pipeline.job import find_upload, scratch
from jobs.pipeline.progress import StageReporter
from orm.models import Clip

FAILED_MESSAGE = "The corrected transcript is saved, but its files could not be rewritten."


async def correct_transcript(
    ctx: dict[str, Any], upload_id: str, request: str, spans: Sequence[Sequence[float]]
) -> dict[str, Any]:
    upload = await find_upload(upload_id)
    if upload is None:
        return {"skipped": "upload not found"}
    report = StageReporter(upload.user_id, Stage.TRANSCRIBE, upload_id=upload.id)
    await report.started("Applying your corrections")
    try:
        async with upload_edit_lock(upload.id):
            transcript = await results.load_transcript(upload.id)
            if transcript is None:
                raise PermanentError("The transcript is missing.")
            clips = [c for c in await results.clips_of(upload.id) if _touched(c, spans)]
            await report.progress(0.2)
            written = await steps.write_captions(
                [
                    (c.title, steps.spoken_text(transcript, c.start_seconds, c.end_seconds))
                    for c in clips
                ],
                get_settings(),
                on_progress=report.within(0.2, 0.8),
            )
            async with scratch("correct") as work:
                await edits.save_corrected_files(upload.id, transcript, clips, written, work)
    except Exception as exc:
        await report.failed(exc.user_message if isinstance(exc, StageError) else FAILED_MESSAGE)
        raise
    await report.completed(f"transcript corrected; {len(clips)} clips rewritten")
    return {"upload_id": str(upload.id), "request": request, "clips": len(clips)}


def _touched(clip: Clip, spans: Sequence[Sequence[float]]) -> bool:
    return any(clip.start_seconds < end and clip.end_seconds > start for start, end in spans)
