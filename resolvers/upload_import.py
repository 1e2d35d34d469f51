"""importUpload: an upload fetched by the worker from a link (a direct file or a video
site's page) instead of sent by the client.

The link is checked here, at once, with the same guard the worker's every connection goes
through (core.netguard): http(s) only, no user:password@, and no host resolving to a
loopback, private, link-local (cloud metadata), multicast or reserved address unless
CLIPFORGE_IMPORT_ALLOWED_HOSTS opens it; refusals answer URL_NOT_ALLOWED (HOST_NOT_FOUND
for a name that does not resolve) on the `url` field. The upload is created IMPORTING and its
import job started; its minutes are charged by the job once the video's length is known.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from core.clip_options import AskedOptions
from core.config import get_settings
from core.outbound import outbound_guard
from core.pipeline import UploadStatus
from core.storage.keys import upload_prefix
from jobs import schedule
from orm.models import Upload
from resolvers.upload_flow import stored_options
from resolvers.viewer import WRITE_UPLOADS, Viewer, require

MAX_NAME = 255


def name_from_link(url: str) -> str:
    """The last path segment of a link, or its host: what an import is called until fetched."""
    parts = urlsplit(url)
    segment = unquote(PurePosixPath(parts.path).name)
    name = "".join(ch for ch in segment if ch.isprintable()).strip()
    return (name or parts.hostname or "video")[:MAX_NAME]


async def import_upload(
    viewer: Viewer | None, url: str, options: AskedOptions | None = None
) -> Upload:
    """An IMPORTING upload of the link and its import job (WRITE_UPLOADS); bad options are
    refused before the link is even looked up."""
    user_id = require(viewer, WRITE_UPLOADS).user_id
    clip_options = stored_options(options, get_settings())
    checked = await outbound_guard().check_url(url)
    upload_id = uuid.uuid4()
    upload = await Upload.create(
        id=upload_id,
        user_id=user_id,
        filename=name_from_link(str(checked.url)),
        content_type="application/octet-stream",  # known once fetched
        size_bytes=0,
        storage_key=upload_prefix(upload_id) + "original",
        status=UploadStatus.IMPORTING,
        source_url=url,
        upload_expires_at=datetime.now(UTC),  # nothing is sent to a presigned URL
        clip_options=clip_options,
    )
    try:
        await schedule.start_import(upload.id)
    except schedule.QueueUnavailable:
        await Upload.filter(id=upload.id).delete()  # nothing was charged or fetched
        raise
    return upload
