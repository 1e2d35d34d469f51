"""One writer at a time for an upload's clips and transcript files.

A reclip, a manual clip's cut and a transcript correction may run at once on two worker
slots, and each writes objects and then rows: without a turn each, one could delete the
objects another just stored (a reclip tidying files no row names yet), or write subtitles
from an older transcript after a newer correction's. The lock lives in Redis, expires if its
worker dies, and is held only around the storing (a cut waits for nobody while it encodes).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.exceptions import LockError

from core.redis import get_redis
from jobs.errors import TransientError
from jobs.pipeline.errors import classified

log = logging.getLogger("clipforge.jobs")

HOLD_SECONDS = 300  # a lock whose worker died frees itself after this
WAIT_SECONDS = 240  # then the job gives up (the user can try the edit again)


def lock_name(upload_id: uuid.UUID | str) -> str:
    return f"clipforge:upload-edit:{upload_id}"


@asynccontextmanager
async def upload_edit_lock(upload_id: uuid.UUID | str) -> AsyncIterator[None]:
    """Hold the upload's edit lock for the block (TransientError if it stays taken)."""
    lock = get_redis().lock(
        lock_name(upload_id), timeout=HOLD_SECONDS, blocking_timeout=WAIT_SECONDS
    )
    with classified("wait for another edit of this upload"):
        acquired = await lock.acquire()
    if not acquired:
        raise TransientError("Another edit of this video is still running; try again shortly.")
    try:
        yield
    finally:
        try:
            await lock.release()
        except LockError:  # expired while held: the next writer already took its turn
            log.warning("edit lock of upload %s expired while held", upload_id)
