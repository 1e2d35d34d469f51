"""The webhook outbox: events recorded in the transaction that makes an upload or an export
READY or FAILED, so a crash can neither lose a delivery (the status committed without it)
nor invent one (a delivery of a status that rolled back).

Only orm.lifecycle calls it, with the caller's connection, and only when the status really
changed (a repeated move records nothing). One WebhookDelivery row per enabled endpoint of
the owner that asked for the event; its body is built here, once, and every attempt sends
those bytes under the same webhook-id. Ids in payloads are the API's global ids; file URLs
are presigned GETs valid for CLIPFORGE_PRESIGN_TTL_SECONDS from the event (query the API for
fresh ones later).
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from core.config import get_settings
from core.global_ids import to_global_id
from core.pipeline import ExportStatus, UploadStatus
from core.storage import StorageError, get_store
from core.webhooks import WebhookEvent, event_body, new_message_id
from orm.models import Clip, Export, Upload, Webhook, WebhookDelivery

log = logging.getLogger("clipforge.outbox")


async def _endpoints(
    user_id: uuid.UUID, event: WebhookEvent, conn: BaseDBAsyncClient
) -> list[Webhook]:
    """The owner's enabled endpoints for the event, locked against a concurrent delete (which
    would otherwise fail this transaction on the foreign key) until the caller commits."""
    hooks = (
        await Webhook.filter(user_id=user_id, disabled_at__isnull=True)
        .select_for_update(no_key=True)
        .using_db(conn)
        .order_by("created_at")
    )
    return [h for h in hooks if event.name in h.events]


async def _url(key: str | None) -> str | None:
    if not key:
        return None
    try:
        return await get_store().presigned_get(key, get_settings().presign_ttl_seconds)
    except StorageError as exc:  # the event matters more than one link; the API has them all
        log.warning("no presigned URL for %s in a webhook event: %s", key, exc)
        return None


def _error(code: str | None, message: str | None) -> dict[str, Any]:
    return {"code": code, "message": message}


async def _upload_data(upload: Upload, conn: BaseDBAsyncClient) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": to_global_id("Upload", upload.id),
        "status": UploadStatus(upload.status).value,
        "filename": upload.filename,
        "sourceUrl": upload.source_url,
        "durationSeconds": upload.duration_seconds,
    }
    if upload.status == UploadStatus.FAILED:
        data["error"] = _error(upload.error_code, upload.error)
        return {"upload": data}
    clips = await Clip.filter(upload_id=upload.id).using_db(conn).order_by("rank")
    data["clips"] = [
        {
            "id": to_global_id("Clip", c.id),
            "rank": c.rank,
            "startSeconds": c.start_seconds,
            "endSeconds": c.end_seconds,
            "durationSeconds": c.duration_seconds,
            "score": c.score,
            "title": c.title,
            "videoUrl": await _url(c.video_key),
            "thumbnailUrl": await _url(c.thumbnail_key),
        }
        for c in clips
    ]
    return {"upload": data}


async def _export_data(export: Export, conn: BaseDBAsyncClient) -> dict[str, Any]:
    clip = Clip.filter(id=export.clip_id).using_db(conn)
    uploads = await clip.values_list("upload_id", flat=True)
    data: dict[str, Any] = {
        "id": to_global_id("Export", export.id),
        "status": ExportStatus(export.status).value,
        "clipId": to_global_id("Clip", export.clip_id),
        "uploadId": to_global_id("Upload", uploads[0]) if uploads else None,
        "aspectRatio": str(getattr(export.aspect_ratio, "value", export.aspect_ratio)),
        "burnSubtitles": export.burn_subtitles,
    }
    if export.status == ExportStatus.FAILED:
        data["error"] = _error(None, export.error)
    else:
        data["url"] = await _url(export.key)
    return {"export": data}


async def _write(
    hooks: list[Webhook],
    event: WebhookEvent,
    subject_id: uuid.UUID,
    data: dict[str, Any],
    conn: BaseDBAsyncClient,
) -> list[uuid.UUID]:
    now = datetime.now(UTC)
    body = event_body(event, data, now).decode()
    ids = []
    for hook in hooks:
        row = await WebhookDelivery.create(
            webhook_id=hook.id,
            event_type=event.name,
            subject_id=subject_id,
            message_id=new_message_id(),
            body=body,
            next_attempt_at=now,
            using_db=conn,
        )
        ids.append(row.id)
    return ids


async def record_upload_event(upload_id: uuid.UUID, conn: BaseDBAsyncClient) -> list[uuid.UUID]:
    """UPLOAD_READY or UPLOAD_FAILED for an upload just moved there; the deliveries' ids."""
    upload = await Upload.filter(id=upload_id).using_db(conn).first()
    if upload is None or upload.status not in (UploadStatus.READY, UploadStatus.FAILED):
        return []
    ready = upload.status == UploadStatus.READY
    event = WebhookEvent.UPLOAD_READY if ready else WebhookEvent.UPLOAD_FAILED
    hooks = await _endpoints(upload.user_id, event, conn)
    if not hooks:
        return []
    return await _write(hooks, event, upload.id, await _upload_data(upload, conn), conn)


async def record_export_event(export_id: uuid.UUID, conn: BaseDBAsyncClient) -> list[uuid.UUID]:
    """EXPORT_READY or EXPORT_FAILED for an export just moved there; the deliveries' ids."""
    export = await Export.filter(id=export_id).using_db(conn).first()
    if export is None or export.status not in (ExportStatus.READY, ExportStatus.FAILED):
        return []
    ready = export.status == ExportStatus.READY
    event = WebhookEvent.EXPORT_READY if ready else WebhookEvent.EXPORT_FAILED
    hooks = await _endpoints(export.user_id, event, conn)
    if not hooks:
        return []
    return await _write(hooks, event, export.id, await _export_data(export, conn), conn)
