"""What edits of an upload need (createClip, updateClip, deleteClip, correctTranscript,
reclipUpload): a READY upload, and a span of its media as the user gives it, checked against
the media, with the words spoken around it read from the transcript."""

from __future__ import annotations

import math
import uuid

from core.errors import DomainError, NotFound
from core.pipeline import UploadStatus
from core.transcript_words import SegmentWords, TimedWord
from orm.models import Transcript, TranscriptSegment, Upload
from resolvers.ids import decode_uuid
from resolvers.uploads import owned_upload

EDGE_SLACK = 0.05  # seconds a span may pass the media's end (rounding of the client's player)
WORD_PAD = 30.0  # segments this far around a span are read, for the words next to it


def not_ready(upload: Upload, field: str = "id") -> DomainError:
    """Edits wait while a stage (a first run, a reclip) owns the upload's clips."""
    return DomainError(
        "UPLOAD_NOT_READY",
        f"Only a READY upload can be edited; this one is {upload.status.value}.",
        field,
    )


async def editable_upload(user_id: uuid.UUID, upload_gid: str, field: str) -> Upload:
    """The user's READY upload named by the input's `field` (NOT_FOUND, INVALID_ID or
    UPLOAD_NOT_READY on that field otherwise)."""
    try:
        upload = await owned_upload(user_id, decode_uuid(upload_gid, "Upload", field))
    except NotFound:
        raise NotFound("upload", field) from None
    if upload.status != UploadStatus.READY:
        raise not_ready(upload, field)
    return upload


def check_span(
    upload: Upload, start: float, end: float, *, prefix: str = ""
) -> tuple[float, float]:
    """INVALID_SPAN when end is not after start (or a value is not a number),
    SPAN_OUTSIDE_MEDIA when the span leaves the media; `prefix` leads the field names."""
    if not (math.isfinite(start) and math.isfinite(end)) or end <= start:
        raise DomainError(
            "INVALID_SPAN", "endSeconds must be after startSeconds.", f"{prefix}endSeconds"
        )
    duration = upload.duration_seconds or 0.0
    if start < 0:
        raise DomainError(
            "SPAN_OUTSIDE_MEDIA", "startSeconds cannot be before 0.", f"{prefix}startSeconds"
        )
    if end > duration + EDGE_SLACK:
        raise DomainError(
            "SPAN_OUTSIDE_MEDIA",
            f"endSeconds is past the end of the media ({duration:.2f} s).",
            f"{prefix}endSeconds",
        )
    return start, min(end, duration)


async def transcript_of(upload_id: uuid.UUID) -> Transcript:
    transcript = await Transcript.filter(upload_id=upload_id).first()
    if transcript is None:  # a READY upload always has one
        raise DomainError("UPLOAD_NOT_READY", "This upload has no transcript.", "id")
    return transcript


async def segments_near(
    transcript_id: uuid.UUID, start: float, end: float, *, lock: bool = False
) -> list[SegmentWords]:
    """The segments around [start, end] with their words, in order."""
    query = TranscriptSegment.filter(
        transcript_id=transcript_id, end__gte=start - WORD_PAD, start__lte=end + WORD_PAD
    ).order_by("index")
    if lock:
        query = query.select_for_update()
    return [
        SegmentWords(s.index, s.start, s.end, [TimedWord.from_row(w) for w in s.words], s.text)
        for s in await query
    ]
