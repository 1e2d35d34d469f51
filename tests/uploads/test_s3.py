"""The same flow on a real S3-compatible server (SeaweedFS): presigned PUT and part URLs
signed by S3, ffprobe reading the object through a presigned GET, prefix deletion."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.config import Settings
from core.storage import close_store, get_store
from orm.models import CreditTransaction, Upload
from tests.credits.helpers import assert_ledger_consistent
from tests.servers.seaweed import SeaweedServer, seaweed_server
from tests.uploads import media
from tests.uploads.ops import (
    COMPLETE_MULTIPART,
    CREATE_MULTIPART,
    DELETE,
    complete,
    create,
    upload_pk,
)

PART = 5 * 1024 * 1024  # S3's smallest part


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedServer]:
    with seaweed_server(tmp_path_factory.mktemp("seaweed-uploads")) as server:
        yield server


@pytest.fixture(scope="module")
def big_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A video over one S3 part, so multipart has several real parts."""
    path = media.noisy_video(tmp_path_factory.mktemp("big") / "big.mp4", 1.5)
    assert path.stat().st_size > PART
    return path


@pytest.fixture
async def s3(
    seaweed: SeaweedServer, settings: Settings, monkeypatch: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """The process storage switched to S3 for one test; an HTTP client for its URLs."""
    for name, value in seaweed.settings("clipforge-uploads-test").items():
        monkeypatch.setattr(settings, name, value)
    await get_store().ensure_bucket()
    async with httpx.AsyncClient(timeout=60) as http:
        yield http
    await close_store()


async def test_single_put_complete_and_delete_on_s3(
    gql: Any, make_user: Any, s3: httpx.AsyncClient, files: Any, seaweed: SeaweedServer
) -> None:
    user, token = await make_user(minutes=5)
    data = files.video.read_bytes()
    created = await create(gql, token, size=len(data))
    target = created["target"]
    assert target["url"].startswith(seaweed.endpoint_url)
    headers = {h["name"]: h["value"] for h in target["headers"]}
    assert (await s3.put(target["url"], content=data, headers=headers)).status_code == 200
    done = await complete(gql, token, created["upload"]["id"])
    assert done["errors"] == [] and done["upload"]["status"] == "QUEUED"
    assert 2.5 < done["upload"]["durationSeconds"] < 3.5
    assert await assert_ledger_consistent(user.id) == 4
    pk = upload_pk(created["upload"]["id"])
    await get_store().put_bytes(f"uploads/{pk}/clips/1.mp4", b"clip")
    body = await gql(DELETE, {"id": created["upload"]["id"]}, token=token)
    assert body["data"]["deleteUpload"]["errors"] == []
    assert await get_store().list_keys(f"uploads/{pk}/") == []


async def test_multipart_on_s3(
    gql: Any, make_user: Any, s3: httpx.AsyncClient, big_video: Path, settings: Settings,
    monkeypatch: Any,
) -> None:  # fmt: skip
    monkeypatch.setattr(settings, "multipart_part_bytes", PART)
    user, token = await make_user(minutes=5)
    data = await asyncio.to_thread(big_video.read_bytes)
    body = await gql(
        CREATE_MULTIPART,
        {"input": {"filename": "big.mp4", "contentType": "video/mp4", "sizeBytes": len(data)}},
        token=token,
    )
    started = body["data"]["createMultipartUpload"]
    parts = started["target"]["parts"]
    count = math.ceil(len(data) / PART)
    assert count >= 2 and [p["partNumber"] for p in parts] == list(range(1, count + 1))

    async def send(part: dict[str, Any]) -> dict[str, Any]:
        n = part["partNumber"]
        resp = await s3.put(part["url"], content=data[(n - 1) * PART : n * PART])
        assert resp.status_code == 200, resp.text
        return {"partNumber": n, "etag": resp.headers["ETag"]}

    sent = await asyncio.gather(*(send(p) for p in parts))
    upload_id = started["upload"]["id"]
    body = await gql(COMPLETE_MULTIPART, {"input": {"id": upload_id, "parts": sent}}, token=token)
    done = body["data"]["completeMultipartUpload"]
    assert done["errors"] == [] and done["upload"]["status"] == "QUEUED"
    upload = await Upload.get(id=upload_pk(upload_id))
    assert await get_store().size(upload.storage_key) == len(data)
    assert await CreditTransaction.filter(upload_id=upload.id).count() == 1
    assert await assert_ledger_consistent(user.id) == 4
