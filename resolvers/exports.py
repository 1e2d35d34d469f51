"""Export use cases: read an owned export, create one (queued for the worker)."""

from __future__ import annotations

import uuid

from redis.exceptions import RedisError

from core.errors import DomainError, NotFound
from jobs.pipeline.chain import enqueue_fresh
from orm.models import Export
from orm.models.enums import AspectRatio, ExportStatus
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
        await enqueue_fresh(None, "export", str(export.id), fill, job_id=f"export:{export.id}")
    except (RedisError, OSError):
        export.status = ExportStatus.FAILED
        export.error = "The export could not be queued."
        await export.save(update_fields=["status", "error", "updated_at"])
        raise DomainError(
            "SERVICE_UNAVAILABLE", "Exports cannot be queued right now; try again shortly."
        ) from None
    return export
