"""What every stage task does around its work: find the upload, decide whether to run, and
give it a scratch folder that is removed afterwards."""

from __future__ import annotations

import logging
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from core.config import get_settings
from orm.models import Upload
from orm.models.enums import UploadStatus

log = logging.getLogger("clipforge.jobs")

ORDER = (
    UploadStatus.AWAITING_UPLOAD,
    UploadStatus.QUEUED,
    UploadStatus.TRANSCRIBING,
    UploadStatus.CLIPPING,
    UploadStatus.CAPTIONING,
    UploadStatus.READY,
)


def is_past(status: UploadStatus | str, stage_status: UploadStatus) -> bool:
    """True when the upload has moved beyond the stage (FAILED is past nothing)."""
    current = UploadStatus(status)
    if current not in ORDER:
        return False
    return ORDER.index(current) > ORDER.index(stage_status)


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
