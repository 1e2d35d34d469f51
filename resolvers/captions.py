"""Caption use cases: regenerating one clip's social captions.

The rewrite runs in the worker (the `regenerate_captions` job), whichever writer is
configured: the api never loads media code, and an LLM call does not hold a request open.
The mutation answers at once with the clip; the new captions arrive with the CAPTIONS
COMPLETED event that carries the clip's id, after which the client refetches the clip.
"""

from __future__ import annotations

from core.errors import DomainError, NotFound
from core.pipeline import UploadStatus
from jobs import schedule
from orm.models import Clip, Upload
from resolvers.clips import owned_clip
from resolvers.ids import decode_uuid
from resolvers.viewer import WRITE_UPLOADS, Viewer, require


async def regenerate_captions(viewer: Viewer | None, clip_gid: str) -> Clip:
    """Queue a rewrite of the clip's captions (NOT_FOUND for clips of other users)."""
    user_id = require(viewer, WRITE_UPLOADS).user_id
    try:
        clip = await owned_clip(user_id, decode_uuid(clip_gid, "Clip", "clipId"))
    except NotFound:
        raise NotFound("clip", "clipId") from None
    upload = await Upload.get(id=clip.upload_id)
    if upload.status != UploadStatus.READY:
        raise DomainError(
            "UPLOAD_NOT_READY", "Captions are still being written for this upload.", "clipId"
        )
    await schedule.start_regenerate_captions(clip.id)
    return clip
