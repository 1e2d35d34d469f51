"""Transcript use cases (reads): a page of segments with their words.

The upload page never loads the words (a long talk has tens of thousands): an editor pages
through them here, or reads the whole transcript from its JSON file.
"""

from __future__ import annotations

import uuid

from core.errors import DomainError
from orm.models import TranscriptSegment

SEGMENT_PAGE_MAX = 100


async def segments_page(
    transcript_id: uuid.UUID, offset: int, limit: int
) -> list[TranscriptSegment]:
    """Segments `offset` to `offset + limit` in order; the caller already holds the upload."""
    if offset < 0:
        raise DomainError("INVALID_OFFSET", "offset must be 0 or more.", "offset")
    if not 0 <= limit <= SEGMENT_PAGE_MAX:
        raise DomainError(
            "INVALID_PAGE_SIZE", f"limit must be between 0 and {SEGMENT_PAGE_MAX}.", "limit"
        )
    if limit == 0:
        return []
    return (
        await TranscriptSegment.filter(transcript_id=transcript_id)
        .order_by("index")
        .offset(offset)
        .limit(limit)
    )
