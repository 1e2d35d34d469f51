"""Periodic clean-up: uploads never sent (still AWAITING_UPLOAD when their presigned URL
expired) are removed with whatever bytes or unfinished multipart upload they left behind."""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from core.pipeline import UploadStatus
from core.storage import ObjectMissing, StorageError, get_store
from core.storage.keys import upload_prefix
from orm.models import Upload

log = logging.getLogger("clipforge.cleanup")

BATCH = 200


async def _remove(upload_id: Any) -> bool:
    """Under the row lock, so a completeUpload racing with it finds no row and charges nothing;
    a storage failure rolls back and leaves the row for the next run."""
    store = get_store()
    async with in_transaction() as conn:
        upload = (
            await Upload.filter(
                id=upload_id,
                status=UploadStatus.AWAITING_UPLOAD,
                upload_expires_at__lt=datetime.now(UTC),
            )
            .select_for_update(skip_locked=True)
            .using_db(conn)
            .first()
        )
        if upload is None:
            return False
        if upload.multipart_upload_id:
            with contextlib.suppress(ObjectMissing):
                await store.abort_multipart(upload.storage_key, upload.multipart_upload_id)
        await store.delete_prefix(upload_prefix(upload.id))
        await Upload.filter(id=upload.id).using_db(conn).delete()
    return True


async def cleanup_abandoned_uploads(ctx: dict[str, Any] | None = None) -> int:
    """Remove expired AWAITING_UPLOAD uploads (an arq cron job); returns how many went."""
    removed = 0
    while True:
        ids = (
            await Upload.filter(
                status=UploadStatus.AWAITING_UPLOAD, upload_expires_at__lt=datetime.now(UTC)
            )
            .order_by("upload_expires_at")
            .limit(BATCH)
            .values_list("id", flat=True)
        )
        done = 0
        for upload_id in ids:
            try:
                done += await _remove(upload_id)
            except StorageError as exc:
                log.warning("clean-up of upload %s failed, will retry: %s", upload_id, exc)
        removed += done
        if len(ids) < BATCH or done == 0:
            break
    if removed:
        log.info("removed %s abandoned uploads", removed)
    return removed
