"""Clip use cases (reads): one clip, the partner feed of READY uploads' clips, and a page of
one upload's clips."""

from __future__ import annotations

import uuid

from tortoise.expressions import Q

from core.errors import NotFound
from orm.models import Clip
from orm.models.enums import UploadStatus
from resolvers.dataloaders import Loaders
from resolvers.ids import decode_uuid
from resolvers.pagination import (
    Page,
    decode_rank_cursor,
    decode_time_cursor,
    page_size,
    rank_cursor,
    time_cursor,
)
from resolvers.viewer import READ_CLIPS, Viewer, require


async def owned_clip(user_id: uuid.UUID, clip_id: uuid.UUID) -> Clip:
    clip = await Clip.filter(id=clip_id, upload__user_id=user_id).first()
    if clip is None:
        raise NotFound("clip")
    return clip


async def get_clip(viewer: Viewer | None, clip_gid: str) -> Clip:
    """The viewer's clip by global id."""
    user_id = require(viewer, READ_CLIPS).user_id
    return await owned_clip(user_id, decode_uuid(clip_gid, "Clip"))


async def clips_page(
    viewer: Viewer | None, first: int | None, after: str | None, min_score: float | None
) -> Page[Clip]:
    """Clips of the viewer's READY uploads, newest first, optionally above a score."""
    user_id = require(viewer, READ_CLIPS).user_id
    limit = page_size(first)
    query = Clip.filter(upload__user_id=user_id, upload__status=UploadStatus.READY)
    if min_score is not None:
        query = query.filter(score__gte=min_score)
    if after:
        stamp, pk = decode_time_cursor(after)
        query = query.filter(Q(created_at__lt=stamp) | Q(created_at=stamp, id__lt=pk))
    rows = await query.order_by("-created_at", "-id").limit(limit + 1)
    return Page(rows, [time_cursor(r.created_at, r.id) for r in rows], limit)


async def upload_clips_page(
    loaders: Loaders, upload_id: uuid.UUID, first: int | None, after: str | None
) -> Page[Clip]:
    """One upload's clips, best (rank 1) first; the caller already holds the upload. Batched
    across the uploads of a list by the request's loader."""
    limit = page_size(first)
    after_rank = decode_rank_cursor(after) if after else 0
    rows = await loaders.clips_page.load((upload_id, after_rank, limit + 1))
    return Page(rows, [rank_cursor(c.rank) for c in rows], limit)
