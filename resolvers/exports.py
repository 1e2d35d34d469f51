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
from resolvers.ids import decode_uuid
from resolvers.viewer import READ_CLIPS, WRITE_UPLOADS, Viewer, require

FILLS = ("crop", "blur")


async def owned_export(user_id: uuid.UUID, export_id: uuid.UUID) -> Export:
    export = await Export.filter(id=export_id, user_id=user_id).first()
    if export is None:
        raise NotFound("export")
    return export


async def get_export(viewer: Viewer | None, export_gid: str) -> Export:
    """The viewer's export by global id."""
    user_id = require(viewer, READ_CLIPS).user_id
    return await owned_export(user_id, decode_uuid(export_gid, "Export"))


async def create_export(
    viewer: Viewer | None,
    clip_gid: str,
    aspect_ratio: AspectRatio,
    burn_subtitles: bool,
    fill: str = "crop",
) -> Export:
    """A QUEUED export of the viewer's clip and its `export` job (NOT_FOUND for foreign clips)."""
    user_id = require(viewer, WRITE_UPLOADS).user_id
    try:
        clip = await owned_clip(user_id, decode_uuid(clip_gid, "Clip", "clipId"))
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
        deliveries = await move_export(
            export, ExportStatus.FAILED, error="The export could not be queued."
        )
        await schedule.start_deliveries(deliveries)  # the recovery sweep, if Redis stays down
        raise
    return export
