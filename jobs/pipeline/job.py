"""What every stage task does around its work: find the upload, move it into the stage's
status (or see that it may not run), and give it a scratch folder that is removed afterwards."""

from __future__ import annotations

import logging
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from core.config import get_settings
from core.pipeline import UploadStatus
from orm.lifecycle import MoveRefused, move_upload
from orm.models import Upload

log = logging.getLogger("clipforge.jobs")


async def begin_stage(upload: Upload, status: UploadStatus) -> bool:
    """Move the upload into the stage's status (clearing an earlier run's error).

    False when the lifecycle refuses: the upload FAILED (and was refunded) or was deleted
    while this job waited, so running it would process media nobody paid for.
    """
    try:
        await move_upload(upload, status)
    except MoveRefused as exc:
        log.warning("stage not started: %s", exc)
        return False
    return True


async def find_upload(upload_id: str | uuid.UUID) -> Upload | None:
    """The upload, or None (logged) when it was deleted after the job was queued."""
    try:
        pk = uuid.UUID(str(upload_id))
    except ValueError:
        log.warning("job for a malformed upload id %r ignored", upload_id)
        return None
    upload = await Upload.filter(id=pk).first()
    if upload is None:
        log.info("upload %s is gone; nothing to do", pk)
    return upload


@asynccontextmanager
async def scratch(prefix: str) -> AsyncIterator[Path]:
    """A private folder under var_dir/work for a job's media files, always removed."""
    root = get_settings().var_dir / "work"
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"{prefix}-", dir=root) as tmp:
        yield Path(tmp)
