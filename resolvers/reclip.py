"""Reclip use case: find clips again on a READY upload with new options.

No new transcription and no charge: the worker's `reclip` job runs the clip and captions
stages on the stored transcript. The upload shows CLIPPING at once (so a second reclip, an
edit or a correction waits for this one), and READY again when the new clips are in or
when the job failed (then with the clips it had).
"""

from __future__ import annotations

import uuid

from tortoise.transactions import in_transaction

from core.clip_options import AskedOptions
from core.config import get_settings
from core.errors import NotFound
from core.pipeline import UploadStatus
from jobs import schedule
from orm.lifecycle import move_upload
from orm.models import Upload
from resolvers.ids import decode_uuid
from resolvers.spans import not_ready
from resolvers.viewer import WRITE_UPLOADS, Viewer, require


async def reclip_upload(viewer: Viewer | None, upload_gid: str, options: AskedOptions) -> Upload:
    """Move the upload to CLIPPING and queue the reclip with the checked options."""
    user_id = require(viewer, WRITE_UPLOADS).user_id
    upload_id = decode_uuid(upload_gid, "Upload")
    checked = options.validate(get_settings())
    async with in_transaction() as conn:
        upload = (
            await Upload.filter(id=upload_id, user_id=user_id)
            .select_for_update()
            .using_db(conn)
            .first()
        )
        if upload is None:
            raise NotFound("upload")
        if upload.status != UploadStatus.READY:
            raise not_ready(upload)
        await move_upload(upload, UploadStatus.CLIPPING, conn=conn)
    try:
        await schedule.start_reclip(upload.id, uuid.uuid4().hex, checked.to_json())
    except schedule.QueueUnavailable:
        await move_upload(upload, UploadStatus.READY)
        raise
    return upload
