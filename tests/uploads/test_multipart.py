"""Multipart uploads: part URLs, parallel part PUTs, assembly, then the usual completion."""

from __future__ import annotations

import asyncio
import math
from typing import Any

from core.config import Settings
from core.storage import get_store
from orm.models import CreditTransaction, Upload
from orm.models.enums import UploadStatus
from tests.credits.helpers import assert_ledger_consistent
from tests.uploads.conftest import Media
from tests.uploads.ops import COMPLETE_MULTIPART, CREATE_MULTIPART, DELETE, complete, upload_pk

PART = 64 * 1024


async def start(gql: Any, token: str, size: int) -> dict[str, Any]:
    body = await gql(
        CREATE_MULTIPART,
        {"input": {"filename": "long.mp4", "contentType": "video/mp4", "sizeBytes": size}},
        token=token,
    )
    payload: dict[str, Any] = body["data"]["createMultipartUpload"]
    assert payload["errors"] == [], payload
    return payload


async def send_parts(client: Any, target: dict[str, Any], data: bytes) -> list[dict[str, Any]]:
    size = int(target["partSizeBytes"])

    async def send(part: dict[str, Any]) -> dict[str, Any]:
        n = part["partNumber"]
        chunk = data[(n - 1) * size : n * size]
        resp = await client.request(target["method"], part["url"], content=chunk)
        assert resp.status_code == 200, resp.text
        return {"partNumber": n, "etag": resp.headers["ETag"]}

    return list(await asyncio.gather(*(send(p) for p in reversed(target["parts"]))))


async def finish(gql: Any, token: str, upload_id: str, parts: list[dict[str, Any]]) -> Any:
    body = await gql(COMPLETE_MULTIPART, {"input": {"id": upload_id, "parts": parts}}, token=token)
    return body["data"]["completeMultipartUpload"]


async def test_multipart_upload_end_to_end(
    gql: Any, client: Any, make_user: Any, files: Media, settings: Settings, monkeypatch: Any
) -> None:
    monkeypatch.setattr(settings, "multipart_part_bytes", PART)
    user, token = await make_user(minutes=10)
    data = files.video.read_bytes()
    started = await start(gql, token, len(data))
    target, upload_id = started["target"], started["upload"]["id"]
    assert started["upload"]["status"] == "AWAITING_UPLOAD"
    assert target["partSizeBytes"] == PART
    assert [p["partNumber"] for p in target["parts"]] == list(
        range(1, math.ceil(len(data) / PART) + 1)
    )
    assert len(target["parts"]) > 1
    # completeUpload before the parts are assembled: a typed error, nothing charged.
    early = await complete(gql, token, upload_id)
    assert early["errors"][0]["code"] == "UPLOAD_MISSING"

    parts = await send_parts(client, target, data)
    wrong = [dict(p, etag='"0000"') if p["partNumber"] == 1 else p for p in parts]
    refused = await finish(gql, token, upload_id, wrong)
    assert refused["errors"][0]["code"] == "INVALID_PARTS"
    assert await assert_ledger_consistent(user.id) == 10

    done = await finish(gql, token, upload_id, parts)
    assert done["errors"] == [] and done["upload"]["status"] == "QUEUED"
    upload = await Upload.get(id=upload_pk(upload_id))
    assert upload.multipart_upload_id is None
    assert await get_store().get_bytes(upload.storage_key) == data
    # The client did not see the answer and sends it again: no second charge.
    again = await finish(gql, token, upload_id, parts)
    assert again["errors"] == [] and again["upload"]["status"] == "QUEUED"
    assert await CreditTransaction.filter(upload_id=upload.id).count() == 1
    assert await assert_ledger_consistent(user.id) == 9


async def test_deleting_an_unfinished_multipart_upload_aborts_it(
    gql: Any, client: Any, make_user: Any, files: Media, settings: Settings, monkeypatch: Any
) -> None:
    monkeypatch.setattr(settings, "multipart_part_bytes", PART)
    _, token = await make_user()
    data = files.video.read_bytes()
    started = await start(gql, token, len(data))
    await send_parts(client, started["target"], data[: PART * 1])
    upload = await Upload.get(id=upload_pk(started["upload"]["id"]))
    assert upload.multipart_upload_id
    folder = settings.storage_root / "multipart" / upload.multipart_upload_id
    assert folder.is_dir()
    body = await gql(DELETE, {"id": started["upload"]["id"]}, token=token)
    assert body["data"]["deleteUpload"]["errors"] == []
    assert not folder.exists()
    assert not await Upload.filter(id=upload.id).exists()


async def test_single_put_uploads_are_not_multipart(
    gql: Any, client: Any, make_user: Any, files: Media
) -> None:
    from tests.uploads.ops import create_and_put

    _, token = await make_user()
    upload_id = await create_and_put(gql, client, token, files.video)
    answer = await finish(gql, token, upload_id, [{"partNumber": 1, "etag": "x"}])
    assert answer["errors"][0]["code"] == "NOT_MULTIPART"
    assert (await Upload.get(id=upload_pk(upload_id))).status == UploadStatus.AWAITING_UPLOAD
