"""Pay for a short file, process a long one (issue 15, finding 1), on both storage backends
(local disk behind the api's signed URLs, and S3 on SeaweedFS): once an upload is completed,
its presigned PUT (and its parts' URLs) no longer change the object, and the stages read only
the version that was checked and charged; a replaced object fails the upload with a refund."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.config import Settings
from core.probe import probe
from core.storage import close_store, get_store
from jobs.pipeline.results import fetch_original
from orm.models import CreditTransaction, Upload, User
from orm.models.enums import CreditKind, UploadStatus
from tests.credits.helpers import assert_ledger_consistent
from tests.servers.seaweed import SeaweedServer, seaweed_server
from tests.uploads import media
from tests.uploads.ops import COMPLETE_MULTIPART, CREATE_MULTIPART, complete, create, put, upload_pk


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with seaweed_server(tmp_path_factory.mktemp("seaweed-sealed")) as server:
        yield server


@pytest.fixture(scope="module")
def long_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return media.video_with_audio(tmp_path_factory.mktemp("long") / "long.mp4", seconds=40)


@pytest.fixture(params=["local", "s3"])
async def storage(
    request: pytest.FixtureRequest, client: httpx.AsyncClient, settings: Settings, monkeypatch: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client that reaches the presigned URLs of the backend under test."""
    if request.param == "local":
        yield client  # the api serves the local backend's URLs
        return
    server: SeaweedServer = request.getfixturevalue("seaweed")
    for name, value in server.settings("clipforge-sealed-test").items():
        monkeypatch.setattr(settings, name, value)
    await get_store().ensure_bucket()
    async with httpx.AsyncClient(timeout=60) as http:
        yield http
    await close_store()


async def completed(gql: Any, http: httpx.AsyncClient, token: str, video: Path) -> dict[str, Any]:
    data = await asyncio.to_thread(video.read_bytes)
    created = await create(gql, token, size=len(data))
    assert (await put(http, created["target"], data)).status_code == 200
    done = await complete(gql, token, created["upload"]["id"])
    assert done["errors"] == [] and done["upload"]["status"] == "QUEUED", done
    return created


async def test_a_put_after_completion_changes_nothing(
    gql: Any,
    make_user: Any,
    storage: httpx.AsyncClient,
    files: Any,
    long_video: Path,
    tmp_path: Path,
) -> None:
    user, token = await make_user(minutes=5)
    created = await completed(gql, storage, token, files.video)
    upload = await Upload.get(id=upload_pk(created["upload"]["id"]))
    assert upload.source_etag
    assert await assert_ledger_consistent(user.id) == 4  # one minute charged

    # The swap: the long file to the same URL, before the worker fetches.
    swap = await put(storage, created["target"], await asyncio.to_thread(long_video.read_bytes))
    assert swap.status_code == 412, swap.text
    stat = await get_store().stat(upload.storage_key)
    assert stat is not None and stat.etag == upload.source_etag
    # What every stage processes is what was checked and charged.
    fetched = await fetch_original(upload, tmp_path)
    assert await asyncio.to_thread(fetched.read_bytes) == files.video.read_bytes()
    assert (await probe(fetched)).duration < 4


async def test_a_replaced_object_fails_the_upload_with_a_refund(
    gql: Any, make_user: Any, storage: httpx.AsyncClient, files: Any, long_video: Path, redis: Any
) -> None:
    from jobs.pipeline.results import CHANGED_MESSAGE
    from jobs.policy import JobDeadLettered, wrap
    from jobs.schedule import get_pool
    from jobs.tasks import TASKS

    user, token = await make_user(minutes=5)
    created = await completed(gql, storage, token, files.video)
    upload = await Upload.get(id=upload_pk(created["upload"]["id"]))
    # A store that ignored the write-once condition (or an operator's mistake): new bytes.
    await get_store().put_file(upload.storage_key, long_video, "video/mp4")

    transcribe = wrap(next(t for t in TASKS if t.name == "transcribe"))
    ctx = {"job_try": 1, "job_id": f"transcribe:{upload.id}", "redis": await get_pool()}
    with pytest.raises(JobDeadLettered):
        await transcribe(ctx, str(upload.id))
    await upload.refresh_from_db()
    assert (upload.status, upload.error) == (UploadStatus.FAILED, CHANGED_MESSAGE)
    refunds = await CreditTransaction.filter(upload_id=upload.id, kind=CreditKind.REFUND)
    assert [r.minutes for r in refunds] == [1]
    assert (
        (await User.get(id=user.id)).minutes_balance == 5 == await assert_ledger_consistent(user.id)
    )


async def test_part_urls_stop_working_once_the_upload_is_completed(
    gql: Any, make_user: Any, storage: httpx.AsyncClient, files: Any
) -> None:
    _, token = await make_user(minutes=5)
    data = await asyncio.to_thread(files.video.read_bytes)
    body = await gql(
        CREATE_MULTIPART,
        {"input": {"filename": "talk.mp4", "contentType": "video/mp4", "sizeBytes": len(data)}},
        token=token,
    )
    started = body["data"]["createMultipartUpload"]
    (part,) = started["target"]["parts"]
    assert math.ceil(len(data) / started["target"]["partSizeBytes"]) == 1
    sent = await storage.put(part["url"], content=data)
    assert sent.status_code == 200, sent.text
    parts = [{"partNumber": 1, "etag": sent.headers["ETag"]}]
    body = await gql(
        COMPLETE_MULTIPART, {"input": {"id": started["upload"]["id"], "parts": parts}}, token=token
    )
    assert body["data"]["completeMultipartUpload"]["errors"] == []

    again = await storage.put(part["url"], content=b"other bytes")
    assert again.status_code in (403, 404), again.text
    upload = await Upload.get(id=upload_pk(started["upload"]["id"]))
    assert await get_store().get_bytes(upload.storage_key) == data
