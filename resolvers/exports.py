"""Export use cases: read an owned export, create one (queued for the worker)."""

from __future__ import annotations

import uuid

from core.errors import DomainError, NotFound
from core.pipeline import ExportStatus
from jobs import schedule
from orm.lifecycle import move_export
from orm.models import Export
from orm.models.enums import AspectRatio
from resolvers.clips import owned_clip

FILLS = ("crop", "blur")


async def owned_export(user_id: uuid.UUID, export_id: uuid.UUID) -> Export:
    export = await Export.filter(id=export_id, user_id=user_id).first()
    if export is None:
        raise NotFound("export")
    return export


async def create_export(
    user_id: uuid.UUID,
    clip_id: uuid.UUID,
    aspect_ratio: AspectRatio,
    burn_subtitles: bool,
    fill: str = "crop",
) -> Export:
    """A QUEUED export of the user's clip and its `export` job (NOT_FOUND for foreign clips)."""
    try:
        clip = await owned_clip(user_id, clip_id)
    except NotFound:
        raise NotFound("clip", "clipId") from None
    if fill not in FILLS:
        raise DomainError("INVALID_FILL", f"fill must be one of {', '.join(FILLS)}.", "fill")
    export = await Export.create(
        user_id=user_id,
        clip_id=clip.id,
        aspect_ratio=aspect_ratio,
        burn_subtitles=burn_subtitles,
        status=ExportStatus.QUEUED,
    )
    try:
        await schedule.start_export(export.id, fill)
    except schedule.QueueUnavailable:
        await move_export(export, ExportStatus.FAILED, error="The export could not be queued.")
        raise
    return export
