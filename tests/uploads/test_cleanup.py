"""The periodic clean-up of uploads never sent before their presigned URL expired."""

from __future__ import annotations

from typing import Any

from core.storage import get_store
from jobs.tasks import CRON_JOBS
from jobs.tasks.cleanup import cleanup_abandoned_uploads
from jobs.worker import worker_settings
from orm.models import Upload
from orm.models.enums import UploadStatus
from tests.credits.helpers import create_upload


async def test_expired_awaiting_uploads_go_with_their_objects(make_user: Any) -> None:
    user, _ = await make_user()
    store = get_store()
    expired = await create_upload(user, expires_in=-60)
    await store.put_bytes(expired.storage_key, b"half a video")
    expired_empty = await create_upload(user, expires_in=-1)
    fresh = await create_upload(user, expires_in=3600)
    await store.put_bytes(fresh.storage_key, b"still uploading")
    queued = await create_upload(user, status=UploadStatus.QUEUED, expires_in=-60, duration=60)
    await store.put_bytes(queued.storage_key, b"a real video")
    expired_multipart = await create_upload(user, expires_in=-60)
    multipart_id = await store.create_multipart(expired_multipart.storage_key, "video/mp4")
    await Upload.filter(id=expired_multipart.id).update(multipart_upload_id=multipart_id)

    assert await cleanup_abandoned_uploads({}) >= 3

    for gone in (expired, expired_empty, expired_multipart):
        assert not await Upload.filter(id=gone.id).exists()
        assert await store.list_keys(f"uploads/{gone.id}/") == []
    multipart_dir = store.root / "multipart" / multipart_id  # type: ignore[attr-defined]
    assert not multipart_dir.exists()
    for kept in (fresh, queued):
        assert await Upload.filter(id=kept.id).exists()
        assert await store.exists(kept.storage_key)
    assert await cleanup_abandoned_uploads({}) == 0


def test_cleanup_is_a_worker_cron_job(settings: Any) -> None:
    names = {job.name for job in CRON_JOBS}
    assert "cleanup_abandoned_uploads" in names
    settings = worker_settings()
    job = next(j for j in settings["cron_jobs"] if j.name == "cleanup_abandoned_uploads")
    assert job.coroutine is cleanup_abandoned_uploads
    assert job.minute and 0 in job.minute
