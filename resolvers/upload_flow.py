"""Upload use cases that change state: create (single PUT or multipart), complete, retry,
delete. Completing charges the upload's minutes and starts the pipeline exactly once."""

from __future__ import annotations

import contextlib
import logging
import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from core.clip_options import AskedOptions
from core.config import Settings, get_settings
from core.errors import DomainError, NotFound, ServiceUnavailable
from core.pipeline import UploadStatus
from core.storage import (
    InvalidPart,
    MultipartPart,
    ObjectMissing,
    PresignedRequest,
    StorageError,
    get_store,
)
from core.storage.keys import upload_prefix
from jobs import schedule
from orm import ledger
from orm.lifecycle import move_upload
from orm.models import Upload
from resolvers.ids import decode_uuid
from resolvers.media_check import CheckedMedia, RejectedMedia, check_object
from resolvers.upload_input import validate
from resolvers.uploads import owned_upload
from resolvers.viewer import WRITE_UPLOADS, Viewer, require

log = logging.getLogger("clipforge.uploads")

MAX_PARTS = 10_000
MIN_PART_BYTES = 5 * 1024 * 1024  # S3's smallest part (except the last)


def storage_unavailable() -> DomainError:
    return ServiceUnavailable("Storage is unavailable just now; try again.")


@dataclass(frozen=True)
class PartTarget:
    part_number: int
    url: str


@dataclass(frozen=True)
class MultipartTarget:
    part_size: int
    parts: list[PartTarget]
    expires_at: datetime


# ------------------------------------------------------------------------------ create
def stored_options(options: AskedOptions | None, settings: Settings) -> dict[str, object] | None:
    """The checked options as the upload stores them (None: none asked, use the defaults)."""
    return options.validate(settings).to_json() if options is not None else None


async def create_upload(
    viewer: Viewer | None,
    filename: str,
    content_type: str,
    size_bytes: float,
    options: AskedOptions | None = None,
) -> tuple[Upload, PresignedRequest]:
    """An AWAITING_UPLOAD row and a presigned PUT for its bytes."""
    user_id = require(viewer, WRITE_UPLOADS).user_id
    settings = get_settings()
    req = validate(filename, content_type, size_bytes, settings)
    clip_options = stored_options(options, settings)
    upload_id = uuid.uuid4()
    key = upload_prefix(upload_id) + req.object_name
    try:
        target = await get_store().presigned_put(
            key, req.content_type, settings.presign_ttl_seconds
        )
    except StorageError:
        raise storage_unavailable() from None
    expires = target.expires_at or datetime.now(UTC) + timedelta(
        seconds=settings.presign_ttl_seconds
    )
    upload = await Upload.create(
        id=upload_id,
        user_id=user_id,
        filename=req.filename,
        content_type=req.content_type,
        size_bytes=req.size_bytes,
        storage_key=key,
        upload_expires_at=expires,
        clip_options=clip_options,
    )
    return upload, target


def part_size_for(size: int, preferred: int) -> int:
    """The configured part size, grown when the file would need more than 10,000 parts."""
    part = max(preferred, math.ceil(size / MAX_PARTS))
    return min(part, size) if size > 0 else part


async def create_multipart_upload(
    viewer: Viewer | None,
    filename: str,
    content_type: str,
    size_bytes: float,
    options: AskedOptions | None = None,
) -> tuple[Upload, MultipartTarget]:
    """An AWAITING_UPLOAD row backed by a storage multipart upload, with one PUT URL per part."""
    user_id = require(viewer, WRITE_UPLOADS).user_id
    settings = get_settings()
    req = validate(filename, content_type, size_bytes, settings)
    clip_options = stored_options(options, settings)
    upload_id = uuid.uuid4()
    key = upload_prefix(upload_id) + req.object_name
    part_size = part_size_for(req.size_bytes, settings.multipart_part_bytes)
    count = math.ceil(req.size_bytes / part_size)
    ttl = settings.presign_ttl_seconds
    store = get_store()
    try:
        multipart_id = await store.create_multipart(key, req.content_type)
        urls = [
            PartTarget(n, await store.presigned_part(key, multipart_id, n, ttl))
            for n in range(1, count + 1)
        ]
    except StorageError:
        raise storage_unavailable() from None
    expires = datetime.now(UTC) + timedelta(seconds=ttl)
    upload = await Upload.create(
        id=upload_id,
        user_id=user_id,
        filename=req.filename,
        content_type=req.content_type,
        size_bytes=req.size_bytes,
        storage_key=key,
        multipart_upload_id=multipart_id,
        upload_expires_at=expires,
        clip_options=clip_options,
    )
    return upload, MultipartTarget(part_size, urls, expires)


# ---------------------------------------------------------------------------- complete
async def _locked_upload(
    user_id: uuid.UUID, upload_id: uuid.UUID, conn: BaseDBAsyncClient
) -> Upload:
    upload = (
        await Upload.filter(id=upload_id, user_id=user_id)
        .select_for_update()
        .using_db(conn)
        .first()
    )
    if upload is None:
        raise NotFound("upload")
    return upload


async def _charge_and_queue(
    user_id: uuid.UUID, upload_id: uuid.UUID, checked: CheckedMedia, etag: str
) -> tuple[Upload, bool]:
    """One transaction: user row, then upload row locked; charge, ledger row, QUEUED, and the
    ETag of the checked bytes (every stage reads that version only).
    Returns (upload, charged now); a concurrent completion that won leaves it as it is."""
    async with in_transaction() as conn:
        await ledger.lock_user(user_id, conn)
        upload = await _locked_upload(user_id, upload_id, conn)
        if upload.status != UploadStatus.AWAITING_UPLOAD:
            return upload, False
        await ledger.charge_upload(upload, checked.minutes, conn)
        await move_upload(
            upload,
            UploadStatus.QUEUED,
            conn=conn,
            duration_seconds=checked.info.duration,
            source_etag=etag,
        )
    return upload, True


async def complete_upload(viewer: Viewer | None, upload_gid: str) -> Upload:
    """Check the stored object, charge ceil(minutes), set QUEUED, then enqueue transcribe.

    Idempotent: an upload already past AWAITING_UPLOAD is returned as it is (a QUEUED one is
    enqueued again, which arq ignores while the job is pending), so a retry never charges
    twice. Media that can never work is removed from storage; the upload stays
    AWAITING_UPLOAD so the client can PUT a good file to the same URL. The ETag of the bytes
    checked is recorded with the charge: presigned PUTs are write-once, and every stage reads
    only that version, so bytes sent later are never processed.
    """
    user_id = require(viewer, WRITE_UPLOADS).user_id
    settings = get_settings()
    upload = await owned_upload(user_id, decode_uuid(upload_gid, "Upload"))
    if upload.status != UploadStatus.AWAITING_UPLOAD:
        if upload.status == UploadStatus.QUEUED:
            await schedule.start_transcribe(upload.id)
        return upload
    if upload.multipart_upload_id:
        raise DomainError(
            "UPLOAD_MISSING", "Finish the multipart upload with completeMultipartUpload.", "id"
        )
    store = get_store()
    try:
        before = await store.stat(upload.storage_key)
        checked = await check_object(store, upload.storage_key, upload.size_bytes, settings)
        after = await store.stat(upload.storage_key)
    except RejectedMedia as exc:
        await _reject(upload, exc)
        raise
    except StorageError:
        raise storage_unavailable() from None
    if before is None or after is None or before.etag != after.etag:
        raise DomainError(
            "UPLOAD_CHANGED", "The file changed while it was being checked; complete again.", "id"
        )
    upload, charged = await _charge_and_queue(user_id, upload.id, checked, after.etag)
    if charged or upload.status == UploadStatus.QUEUED:
        await schedule.start_transcribe(upload.id)
    return upload


async def _reject(upload: Upload, exc: DomainError) -> None:
    """Remove a file that can never be processed and say why on the upload."""
    try:
        await get_store().delete(upload.storage_key)
    except StorageError as err:
        log.warning("could not remove rejected object %s: %s", upload.storage_key, err)
    await Upload.filter(id=upload.id, status=UploadStatus.AWAITING_UPLOAD).update(error=exc.message)


async def complete_multipart_upload(
    viewer: Viewer | None, upload_gid: str, parts: list[MultipartPart]
) -> Upload:
    """Assemble the parts into the object, then complete the upload as completeUpload does.
    Repeating it after the parts were assembled just completes."""
    user_id = require(viewer, WRITE_UPLOADS).user_id
    upload = await owned_upload(user_id, decode_uuid(upload_gid, "Upload"))
    if upload.status == UploadStatus.AWAITING_UPLOAD and upload.multipart_upload_id:
        if not parts or len(parts) > MAX_PARTS:
            raise DomainError("INVALID_PARTS", "List every uploaded part once.", "parts")
        store = get_store()
        try:
            await store.complete_multipart(upload.storage_key, upload.multipart_upload_id, parts)
        except InvalidPart as exc:
            raise DomainError(
                "INVALID_PARTS", f"The parts do not match what was uploaded: {exc}", "parts"
            ) from None
        except ObjectMissing:
            if not await store.exists(upload.storage_key):  # not assembled by a racing call
                raise DomainError(
                    "UPLOAD_MISSING", "That multipart upload no longer exists.", "id"
                ) from None
        except StorageError:
            raise storage_unavailable() from None
        await Upload.filter(id=upload.id).update(multipart_upload_id=None)
    elif upload.status == UploadStatus.AWAITING_UPLOAD:
        raise DomainError("NOT_MULTIPART", "That upload is not a multipart upload.", "id")
    return await complete_upload(viewer, upload_gid)


# ------------------------------------------------------------------------ retry, delete
async def retry_upload(viewer: Viewer | None, upload_gid: str) -> Upload:
    """Queue a FAILED upload again; it is charged again only if its charge was refunded.
    An import that failed before it was charged is fetched again (and charged then)."""
    user_id = require(viewer, WRITE_UPLOADS).user_id
    upload_id = decode_uuid(upload_gid, "Upload")
    async with in_transaction() as conn:
        await ledger.lock_user(user_id, conn)
        upload = await _locked_upload(user_id, upload_id, conn)
        refetch = upload.status == UploadStatus.FAILED and upload.duration_seconds is None
        refetch = refetch and upload.source_url is not None
        if refetch:
            await move_upload(upload, UploadStatus.IMPORTING, conn=conn)
        elif upload.status != UploadStatus.FAILED or upload.duration_seconds is None:
            raise DomainError(
                "NOT_RETRYABLE",
                f"Only failed uploads can be retried; this one is {upload.status.value}.",
                "id",
            )
        else:
            if await ledger.unrefunded_charge(upload.id, conn) is None:
                minutes = max(1, math.ceil(upload.duration_seconds / 60))
                await ledger.charge_upload(upload, minutes, conn)
            await move_upload(upload, UploadStatus.QUEUED, conn=conn)
    if refetch:
        await schedule.start_import(upload.id)
    else:
        await schedule.start_transcribe(upload.id)
    return upload


async def delete_upload(viewer: Viewer | None, upload_gid: str) -> uuid.UUID:
    """Remove the upload's objects and rows (clips, transcript, exports). Refunds nothing:
    ledger rows stay, unlinked from the upload."""
    user_id = require(viewer, WRITE_UPLOADS).user_id
    upload_id = decode_uuid(upload_gid, "Upload")
    store = get_store()
    prefix = upload_prefix(upload_id)
    async with in_transaction() as conn:
        upload = await _locked_upload(user_id, upload_id, conn)
        try:
            if upload.multipart_upload_id:
                with contextlib.suppress(ObjectMissing):
                    await store.abort_multipart(upload.storage_key, upload.multipart_upload_id)
            await store.delete_prefix(prefix)
        except StorageError:
            raise storage_unavailable() from None
        await Upload.filter(id=upload.id).using_db(conn).delete()
    try:  # objects a running stage wrote while the row was being deleted
        await store.delete_prefix(prefix)
    except StorageError as exc:
        log.warning("second pass deleting %s failed: %s", prefix, exc)
    return upload_id
