"""Upload use cases (reads): the viewer's upload, a page of the viewer's uploads."""

from __future__ import annotations

import uuid

from tortoise.expressions import Q

from core.errors import NotFound
from orm.models import Upload
from orm.models.enums import UploadStatus
from resolvers.ids import decode_uuid
from resolvers.pagination import Page, decode_time_cursor, page_size, time_cursor
from resolvers.viewer import READ_CLIPS, Viewer, require


async def owned_upload(user_id: uuid.UUID, upload_id: uuid.UUID, *, lock: bool = False) -> Upload:
    """The user's upload, or NOT_FOUND (also for other users' ids: existence is not revealed)."""
    query = Upload.filter(id=upload_id, user_id=user_id)
    if lock:
        query = query.select_for_update()
    upload = await query.first()
    if upload is None:
        raise NotFound("upload")
    return upload


async def get_upload(viewer: Viewer | None, upload_gid: str) -> Upload:
    """The viewer's upload by global id."""
    user_id = require(viewer, READ_CLIPS).user_id
    return await owned_upload(user_id, decode_uuid(upload_gid, "Upload"))


async def uploads_page(
    viewer: Viewer | None, first: int | None, after: str | None, status: UploadStatus | None
) -> Page[Upload]:
    """Newest first."""
    user_id = require(viewer, READ_CLIPS).user_id
    limit = page_size(first)
    query = Upload.filter(user_id=user_id)
    if status is not None:
        query = query.filter(status=status)
    if after:
        stamp, pk = decode_time_cursor(after)
        query = query.filter(Q(created_at__lt=stamp) | Q(created_at=stamp, id__lt=pk))
    rows = await query.order_by("-created_at", "-id").limit(limit + 1)
    return Page(rows, [time_cursor(r.created_at, r.id) for r in rows], limit)
