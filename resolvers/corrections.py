"""Transcript corrections: the creator replaces what was misheard in some spans.

The words are replaced at once (one transaction: the segments touched and the transcript's
text), so the answer already reads corrected; the `correct_transcript` job then rewrites the
files that show the transcript (its JSON, SRT and VTT, and the subtitles and captions of the
clips overlapping the spans), with TRANSCRIBE events. Clip edges never move.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass

from tortoise.transactions import in_transaction

from core.errors import DomainError
from core.transcript_words import SegmentWords, replace_span
from jobs import schedule
from orm.models import Transcript, TranscriptSegment, Upload
from resolvers.spans import check_span, editable_upload, segments_near
from resolvers.viewer import WRITE_UPLOADS, Viewer, require

MAX_CORRECTIONS = 50
TEXT_MAX = 1000
FIELD = "input.corrections"
TRANSCRIPT_TEXT = (
    "UPDATE transcripts SET text = coalesce((SELECT string_agg(btrim(s.text), ' '"
    " ORDER BY s.index) FROM transcript_segments s WHERE s.transcript_id = $1"
    " AND btrim(s.text) <> ''), '') WHERE id = $1"
)


@dataclass(frozen=True)
class Correction:
    start: float
    end: float
    text: str


async def correct_transcript(
    viewer: Viewer | None, upload_gid: str, corrections: list[Correction]
) -> Upload:
    """Replace the words of each span, then queue the rewrite of the files that show them."""
    user_id = require(viewer, WRITE_UPLOADS).user_id
    upload = await editable_upload(user_id, upload_gid, "input.uploadId")
    checked = _checked(upload, corrections)
    before = await _apply(upload, checked)
    spans = [(c.start, c.end) for c in checked]
    try:
        await schedule.start_correct_transcript(upload.id, uuid.uuid4().hex, spans)
    except schedule.QueueUnavailable:
        await _restore(upload.id, before)  # nothing changes unless the files can follow
        raise
    return upload


def _checked(upload: Upload, corrections: list[Correction]) -> list[Correction]:
    if not 1 <= len(corrections) <= MAX_CORRECTIONS:
        raise DomainError(
            "INVALID_CORRECTIONS", f"Send 1 to {MAX_CORRECTIONS} corrections at a time.", FIELD
        )
    out: list[Correction] = []
    for i, c in enumerate(corrections):
        start, end = check_span(upload, c.start, c.end, prefix=f"{FIELD}.{i}.")
        text = " ".join(c.text.split())
        if len(text) > TEXT_MAX:
            raise DomainError(
                "TEXT_TOO_LONG",
                f"A correction has at most {TEXT_MAX} characters.",
                f"{FIELD}.{i}.text",
            )
        out.append(Correction(start, end, text))
    out.sort(key=lambda c: c.start)
    for a, b in zip(out, out[1:], strict=False):
        if b.start < a.end:
            raise DomainError(
                "OVERLAPPING_CORRECTIONS", "Corrections may not overlap each other.", FIELD
            )
    return out


async def _apply(upload: Upload, corrections: list[Correction]) -> list[SegmentWords]:
    """One transaction: the transcript locked, each span's words replaced, the segments that
    changed saved (emptied ones removed), the text rebuilt. Returns the segments as they were."""
    duration = upload.duration_seconds or 0.0
    async with in_transaction() as conn:
        transcript = (
            await Transcript.filter(upload_id=upload.id).select_for_update().using_db(conn).first()
        )
        if transcript is None:
            raise DomainError("UPLOAD_NOT_READY", "This upload has no transcript.", FIELD)
        found: dict[int, SegmentWords] = {}
        for c in corrections:
            for seg in await segments_near(transcript.id, c.start, c.end, lock=True):
                found.setdefault(seg.index, seg)
        segments = [found[i] for i in sorted(found)]
        before = copy.deepcopy(segments)
        for c in corrections:
            replace_span(segments, c.start, c.end, c.text, duration)
        await _save(transcript.id, [s for s in segments if s.changed])
        await conn.execute_query(TRANSCRIPT_TEXT, [transcript.id])
    return before


async def _save(transcript_id: uuid.UUID, segments: list[SegmentWords]) -> None:
    for seg in segments:
        rows = TranscriptSegment.filter(transcript_id=transcript_id, index=seg.index)
        if not seg.words:
            await rows.delete()
            continue
        await rows.update(
            text=seg.text,
            words=[w.as_row() for w in seg.words],
            start=seg.start,
            end=seg.end,
        )


async def _restore(upload_id: uuid.UUID, before: list[SegmentWords]) -> None:
    async with in_transaction() as conn:
        transcript = await Transcript.filter(upload_id=upload_id).using_db(conn).first()
        if transcript is None:
            return
        for seg in before:
            values = {
                "text": seg.text,
                "words": [w.as_row() for w in seg.words],
                "start": seg.start,
                "end": seg.end,
            }
            await TranscriptSegment.update_or_create(
                defaults=values, using_db=conn, transcript_id=transcript.id, index=seg.index
            )
        await conn.execute_query(TRANSCRIPT_TEXT, [transcript.id])
