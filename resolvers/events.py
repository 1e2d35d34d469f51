"""Live progress use cases: which uploads a subscription watches, and their current state.

The current state comes from the Redis snapshot (the last event per stage, with its seq);
an upload without one (expired, or never published) falls back to its Postgres status.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from core.errors import DomainError
from core.events import SCHEMA_VERSION, STATE_TTL_SECONDS, upload_states
from core.pipeline import (
    WORKING_UPLOAD_STATUSES,
    EventStatus,
    Stage,
    UploadStatus,
    job_for_upload_status,
    spec,
)
from orm.models import Upload
from resolvers.ids import decode_uuid
from resolvers.uploads import owned_upload
from resolvers.viewer import Viewer, require

log = logging.getLogger("clipforge.events")

# How many recent uploads an all-uploads subscription replays the state of.
RECENT_LIMIT = 50


def _from_status(status: UploadStatus) -> tuple[Stage, EventStatus, float] | None:
    """Upload.status -> (stage, status, progress) for uploads without a Redis snapshot."""
    if status == UploadStatus.READY:
        return Stage.CAPTIONS, EventStatus.COMPLETED, 1.0
    if status == UploadStatus.FAILED:
        return Stage.TRANSCRIBE, EventStatus.FAILED, 0.0
    job = job_for_upload_status(status)
    return (spec(job).event_stage, EventStatus.STARTED, 0.0) if job else None


async def watched_uploads(
    viewer: Viewer | None, upload_gid: str | None, now: float | None = None
) -> list[Upload]:
    """The one owned upload (NOT_FOUND otherwise), or the viewer's recent and active ones.
    A socket outlives its access token: a subscription started after it expired is refused."""
    viewer = require(viewer)
    expires = viewer.token_expires_at
    if expires is not None and expires <= (time.time() if now is None else now):
        raise DomainError("UNAUTHENTICATED", "Your session expired; sign in again.")
    user_id = viewer.user_id
    if upload_gid:
        return [await owned_upload(user_id, decode_uuid(upload_gid, "Upload", "uploadId"))]
    since = datetime.now(UTC) - timedelta(seconds=STATE_TTL_SECONDS)
    recent = (
        await Upload.filter(user_id=user_id, updated_at__gte=since)
        .order_by("-updated_at")
        .limit(RECENT_LIMIT)
    )
    active = await Upload.filter(user_id=user_id, status__in=WORKING_UPLOAD_STATUSES).limit(
        RECENT_LIMIT
    )
    seen: dict[uuid.UUID, Upload] = {u.id: u for u in recent}
    for upload in active:
        seen.setdefault(upload.id, upload)
    return list(seen.values())


def _state_of(upload: Upload) -> dict[str, Any] | None:
    mapped = _from_status(upload.status)
    if mapped is None:
        return None
    stage, status, progress = mapped
    message = upload.error if upload.status == UploadStatus.FAILED else None
    return {
        "v": SCHEMA_VERSION,
        "seq": None,
        "upload_seq": None,
        "upload_id": str(upload.id),
        "stage": str(stage),
        "status": str(status),
        "progress": progress,
        "message": message,
        "clip_id": None,
        "export_id": None,
        "next_attempt_at": None,
        "at": upload.updated_at.isoformat(),
    }


async def current_state(uploads: list[Upload]) -> list[dict[str, Any]]:
    """Events that describe where each upload stands now, oldest first."""
    try:
        snapshots = await upload_states(u.id for u in uploads)
    except Exception:  # noqa: BLE001 - Redis away: Postgres still knows where uploads stand
        log.warning("upload snapshots unavailable; using Postgres status", exc_info=True)
        snapshots = {}
    events: list[dict[str, Any]] = []
    fallback: list[dict[str, Any]] = []
    for upload in uploads:
        snapshot = snapshots.get(str(upload.id))
        if snapshot:
            events.extend(snapshot)
        elif (event := _state_of(upload)) is not None:
            fallback.append(event)
    events.sort(key=lambda e: e.get("seq") or 0)
    fallback.sort(key=lambda e: e["at"])
    return fallback + events
