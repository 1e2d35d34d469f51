"""Export use cases: read an owned export, create one (queued for the worker)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from core.errors import DomainError, NotFound
from core.pipeline import ExportStatus
from jobs import schedule
from orm.lifecycle import move_export
from orm.models import Export
from orm.models.enums import AspectRatio, Reframe
from resolvers.caption_styles import find_style
from resolvers.clips import owned_clip
from resolvers.ids import decode_uuid
from resolvers.viewer import READ_CLIPS, WRITE_UPLOADS, Viewer, require

FILLS = ("crop", "blur")


@dataclass(frozen=True)
class ExportRequest:
    """What exportClip asks for, as the client sent it (ids still global)."""

    clip_id: str
    aspect_ratio: AspectRatio
    burn_subtitles: bool
    fill: str = "crop"
    reframe: Reframe = Reframe.CENTER
    caption_style_id: str | None = None
    remove_fillers: bool = False
    remove_silences: bool = False
    title_overlay: bool = False


async def owned_export(user_id: uuid.UUID, export_id: uuid.UUID) -> Export:
    export = await Export.filter(id=export_id, user_id=user_id).first()
    if export is None:
        raise NotFound("export")
    return export


async def get_export(viewer: Viewer | None, export_gid: str) -> Export:
    """The viewer's export by global id."""
    user_id = require(viewer, READ_CLIPS).user_id
    return await owned_export(user_id, decode_uuid(export_gid, "Export"))


async def create_export(viewer: Viewer | None, request: ExportRequest) -> Export:
    """A QUEUED export of the viewer's clip and its `export` job. Someone else's clip or
    caption style answers NOT_FOUND, like one that does not exist; SPLIT needs 9:16."""
    user_id = require(viewer, WRITE_UPLOADS).user_id
    try:
        clip = await owned_clip(user_id, decode_uuid(request.clip_id, "Clip", "clipId"))
    except NotFound:
        raise NotFound("clip", "clipId") from None
    style = None
    if request.caption_style_id is not None:
        style = (await find_style(user_id, request.caption_style_id, "captionStyleId")).style
    if request.fill not in FILLS:
        raise DomainError("INVALID_FILL", f"fill must be one of {', '.join(FILLS)}.", "fill")
    if request.reframe == Reframe.SPLIT and request.aspect_ratio != AspectRatio.VERTICAL_9_16:
        raise DomainError(
            "SPLIT_NEEDS_VERTICAL",
            "The split layout stacks two speakers in a 9:16 frame: export VERTICAL_9_16, "
            "or choose SPEAKER for this aspect ratio.",
            "reframe",
        )
    export = await Export.create(
        user_id=user_id,
        clip_id=clip.id,
        aspect_ratio=request.aspect_ratio,
        burn_subtitles=request.burn_subtitles,
        reframe=request.reframe,
        fill=request.fill,
        caption_style=style.to_json() if style is not None else None,
        remove_fillers=request.remove_fillers,
        remove_silences=request.remove_silences,
        title_overlay=request.title_overlay,
        status=ExportStatus.QUEUED,
    )
    try:
        await schedule.start_export(export.id)
    except schedule.QueueUnavailable:
        deliveries = await move_export(
            export, ExportStatus.FAILED, error="The export could not be queued."
        )
        await schedule.start_deliveries(deliveries)  # the recovery sweep, if Redis stays down
        raise
    return export
