"""Clip use cases (reads): one clip, and the partner feed of READY uploads' clips."""

from __future__ import annotations

import uuid

from tortoise.expressions import Q

from core.errors import NotFound
from orm.models import Clip
from orm.models.enums import UploadStatus
from resolvers.pagination import Page, decode_time_cursor, page_size, time_cursor


async def owned_clip(user_id: uuid.UUID, clip_id: uuid.UUID) -> Clip:
    clip = await Clip.filter(id=clip_id, upload__user_id=user_id).first()
    if clip is None:
        raise NotFound("clip")
    return clip


async def clips_page(
    user_id: uuid.UUID, first: int | None, after: str | None, min_score: float | None
) -> Page[Clip]:
    """Clips of the user's READY uploads, newest first, optionally above a score."""
    limit = page_size(first)
    query = Clip.filter(upload__user_id=user_id, upload__status=UploadStatus.READY)
    if min_score is not None:
        query = query.filter(score__gte=min_score)
    if after:
        stamp, pk = decode_time_cursor(after)
        query = query.filter(Q(created_at__lt=stamp) | Q(created_at=stamp, id__lt=pk))
    rows = await query.order_by("-created_at", "-id").limit(limit + 1)
    return Page(rows, [time_cursor(r.created_at, r.id) for r in rows], limit)
